import {
  type Duration,
  type SearchAttributeUpdatePair,
  WorkflowExecutionAlreadyStartedError,
} from '@temporalio/common';
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  ParentClosePolicy,
  patched,
  proxyLocalActivities,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { PostflowActivities } from '../activities';
import { approvalDeadline, firstInstant } from '../api/approval';
import {
  approvalEvent,
  deletedEvent,
  type PostEvent,
  retriedEvent,
  settledEvent,
  updatedEvent,
} from '../api/post-events';
import { initialPostState, isSettled, toPostResource, waitsForInstant } from '../api/post-resource';
import type {
  ApprovalDecision,
  ApprovalState,
  DeliveryJob,
  DeliveryState,
  MetricsJob,
  PostResource,
  PostSpec,
  PostState,
  PostStatus,
  TargetSpec,
} from '../api/types';
import { addMetricsTargets, collectPostMetrics, metricsWorkflowId } from './collect-metrics';
import { deliver, type DeliveryEnd, historyIsLong } from './delivery';
import type { StepState } from '../platforms/kit/adapter';
import { Dispatch, PRE_DISPATCH_PATCH } from './dispatch';
import { observeDeliveryRun } from './delivery-report';
import * as messages from './messages';
import {
  contentSearchAttributes,
  postRefs,
  PostRefsKey,
  PostScheduledAtKey,
  PostStatusKey,
  PostTextKey,
  PostUserIdKey,
} from './search-attributes';
import { recyclePost, recycleWorkflowId } from './recycle-post';
import { startDeliveries } from './webhook-delivery';

/**
 * Looking up an event's subscribers (a quick read of the store) and starting the metrics
 * collection (one call to Temporal): local activities, not task round trips.
 */
const { webhookSubscribers, startMetricsCollection } = proxyLocalActivities<PostflowActivities>({
  startToCloseTimeout: '10 seconds',
  scheduleToCloseTimeout: '1 minute',
});

/**
 * What a run hands to the next when its history grew long in the middle of delivering
 * (continue-as-new): the whole state, each unfinished delivery remembering where it was. Not the
 * engine patch: a new run takes it at its own first activation (ENGINE_PATCH below says why).
 */
export interface CarriedPost {
  state: PostState;
  /** Events emitted so far: webhook delivery ids stay unique across runs. */
  eventCount: number;
}

/** publishPost's signature (publish-post.ts): the input a new run of it starts with. */
export type PublishPostWorkflow = (input: PostSpec, carried?: CarriedPost) => Promise<PostResource>;

/**
 * One post's state, the steps of its life and the bodies of its message handlers: each a method
 * that publishPost (publish-post.ts) calls or registers.
 */
export class Post {
  readonly state: PostState;
  /** Bumped by every accepted change to the schedule, so the wait re-evaluates. */
  private revision = 0;
  /** Set when a delivery of this run handed over to a new run: the waiting ones follow. */
  private handingOver = false;
  /** The deliveries a `retryFailed` request put back to pending, until the workflow re-runs them. */
  private retryRequested: DeliveryState[] | undefined;
  /**
   * Whether the post is indexed by search attributes: only when it was started with them, so a
   * namespace without Postflow's attributes (a test server, a bare start from another language)
   * still runs posts.
   */
  private readonly indexed = workflowInfo().typedSearchAttributes.get(PostUserIdKey) !== undefined;
  /** Whether the text is indexed too: not when the post started without it (payload encryption on). */
  private readonly textIndexing = {
    text: workflowInfo().typedSearchAttributes.get(PostTextKey) !== undefined,
  };
  /** Events waiting to be handed to their webhook deliveries, in order. */
  private readonly outbox: PostEvent[] = [];
  private eventCount = 0;
  /**
   * Whether this run took the engine patch (ENGINE_PATCH): then every patch before it is taken
   * without being asked. Asked once, here, in the run's first activation, and kept: a run that
   * started before the patch replays it as false and stays on the patches it asked then.
   */
  private readonly enginePatch: boolean;
  /**
   * How long before its instant each delivery is dispatched (`PostSpec.preDispatchMs`), or 0.
   * Asked once, in the run's first activation, of posts that wait for an instant at all.
   */
  private readonly lead: number;
  /**
   * Whether deliveries that prepare start earlier still (pre-staging, `PostSpec.preStageMs`):
   * posts started with it carry the field, and only those read it.
   */
  private readonly staging: boolean;
  /** What a recalled staged delivery had prepared, per account: reused if it still fits (stageKey). */
  private readonly staged = new Map<string, { key: string; prepared: StepState }>();
  /** Deliveries dispatched before their instant, while they run (dispatch.ts). */
  private readonly dispatches = new Set<Dispatch>();
  /** Changes waiting for dispatched deliveries to be recalled: no delivery is dispatched meanwhile. */
  private recalls = 0;

  constructor(spec: PostSpec, carried?: CarriedPost) {
    this.enginePatch = patched(ENGINE_PATCH);
    this.state = carried?.state ?? initialPostState(spec, new Date().toISOString());
    this.eventCount = carried?.eventCount ?? 0;
    const lead = this.state.spec.preDispatchMs ?? 0;
    this.lead = lead > 0 && waitsForInstant(this.state.spec) && patched(PRE_DISPATCH_PATCH) ? lead : 0;
    this.staging = this.lead > 0 && this.state.spec.preStageMs !== undefined;
  }

  /**
   * How long before its instant a target's delivery starts: its stage lead when it prepares
   * (pre-staging), else the publish call's lead (`lead`).
   */
  private leadFor(target: TargetSpec): number {
    if (!this.staging) return this.lead;
    return Math.max(this.lead, this.state.spec.preStageMs?.[target.accountId] ?? 0);
  }

  /** When the post's wait ends: its first instant less the lead, or a staged target's start if sooner. */
  private wakeAt(spec: PostSpec): number {
    const first = Date.parse(firstInstant(spec)) - this.lead;
    if (!this.staging) return first;
    const starts = spec.targets.map((t) => {
      const dueAt = dueAtOf(spec, t);
      return dueAt === undefined ? first : Date.parse(dueAt) - this.leadFor(t);
    });
    return Math.min(first, ...starts);
  }

  resource(): PostResource {
    return toPostResource(this.state);
  }

  failedDeliveries(): DeliveryState[] {
    return this.state.deliveries.filter((d) => d.status === 'failed');
  }

  emit(event: PostEvent): void {
    this.outbox.push(event);
  }

  eventsSent(): boolean {
    return this.outbox.length === 0;
  }

  /**
   * Runs beside the post's life: hands each event to one durable delivery workflow per
   * subscribed endpoint. Webhooks never hold up or fail a post: a lookup that fails drops the event.
   */
  async sendEvents(): Promise<never> {
    for (;;) {
      await condition(() => this.outbox.length > 0);
      const event = this.outbox[0];
      const seq = ++this.eventCount;
      try {
        const { userId, id } = this.state.spec;
        const endpointIds = await webhookSubscribers(userId, event.event, id);
        await startDeliveries(
          event,
          endpointIds,
          (endpointId) => `dlv_${id.replace(/^post_/, '')}_${seq}_${endpointId.replace(/^wh_/, '')}`,
        );
      } catch (err) {
        log.warn('post event dropped: subscribers could not be looked up', {
          event: event.event,
          error: String(err),
        });
      }
      this.outbox.shift();
    }
  }

  /**
   * Sleeps durably until `scheduled_at` (drafts until asked; a post that needs approval until it
   * is approved); returns how the wait ended.
   */
  async waitUntilDue(): Promise<'deliver' | 'cancelled' | 'rejected' | 'expired'> {
    for (;;) {
      const { status, spec } = this.state;
      if (status === 'cancelled' || status === 'rejected' || status === 'expired') return status;
      if (status === 'pending_approval') {
        await this.awaitApproval();
        continue;
      }
      if (status !== 'draft' && status !== 'scheduled') return 'deliver';
      const seen = this.revision;
      const changed = () => this.revision !== seen;
      if (status === 'draft') {
        await condition(changed);
      } else if (!(await condition(changed, Math.max(this.wakeAt(spec) - Date.now(), 1)))) {
        return 'deliver'; // the timer fired (leads before the instant, when deliveries are dispatched ahead)
      }
    }
  }

  /**
   * Waits for a person to approve or reject the post, until its approval window ends: then the
   * post expires. Any accepted change (an edit, a cancel, a decision) ends this wait, and
   * waitUntilDue looks at the post again. (Only posts whose spec carries `approval` come here, so
   * histories from before approval existed replay unchanged: no `patched()` is needed.)
   */
  private async awaitApproval(): Promise<void> {
    const seen = this.revision;
    const deadline = approvalDeadline(this.state.spec, this.approval())!;
    if (!(await condition(() => this.revision !== seen, Math.max(deadline - Date.now(), 1)))) {
      this.approval().status = 'expired';
      this.changeStatus('expired');
      this.emit(approvalEvent('post.expired', this.resource()));
    }
  }

  /**
   * Runs the given deliveries concurrently, then settles the post's status from all of them;
   * or, when the history grew long, stops them before their next wait to hand over to a new run.
   */
  async deliver(deliveries: DeliveryState[]): Promise<DeliveryEnd | 'withdrawn'> {
    // Dispatched ahead of their instant, deliveries leave the post scheduled until a call answers.
    if (!this.lead) this.setStatus('publishing');
    const { spec } = this.state;
    const settled = observeDeliveryRun(spec, deliveries);
    this.handingOver = false;
    const ends = await Promise.all(deliveries.map((delivery) => this.deliverWhenDue(delivery)));
    if (ends.includes('handed-over')) return 'handed-over';
    if (ends.includes('withdrawn')) return 'withdrawn';
    settled();
    const published = this.state.deliveries.filter((d) => d.status === 'published').length;
    const refs: SearchAttributeUpdatePair[] = this.state.deliveries.some((d) => d.receipt)
      ? [{ key: PostRefsKey, value: postRefs(this.state.spec, this.state.deliveries) }]
      : [];
    const status =
      published === this.state.deliveries.length ? 'published' : published === 0 ? 'failed' : 'partial';
    // One upsert for the refs and the status; runs from before the engine patch made two, and replay so.
    if (this.enginePatch) this.setStatus(status, refs);
    else {
      this.index(...refs);
      this.setStatus(status);
    }
    this.emit(settledEvent(this.resource()));
    if (this.state.status === 'published' && this.state.spec.recycle) await this.recycle();
    // Posts that settled before analytics existed replay without starting a collection.
    if (
      published > 0 &&
      this.state.spec.collectMetrics !== false &&
      (this.enginePatch || patched(METRICS_COLLECTION_PATCH))
    )
      await this.collectMetrics();
    return 'settled';
  }

  /**
   * Starts the metrics collection of the targets published since the last settle: a local
   * activity signals-with-start the post's `collectPostMetrics`, which outlives the post's run
   * (the first targets start it; targets a retry published later join it). Analytics never hold
   * up or fail a post: a collection that cannot be started or reached is logged. Runs from before
   * the local activity started the collection as a child workflow, and join it by signal.
   */
  private async collectMetrics(): Promise<void> {
    const { spec } = this.state;
    const started = this.state.metricsCollected ?? [];
    const jobs: MetricsJob[] = this.state.deliveries
      .filter((d) => d.status === 'published' && d.receipt && !started.includes(d.accountId))
      .map((d) => {
        const taskQueue = spec.platformQueues?.[d.platform];
        return {
          postId: spec.id,
          accountId: d.accountId,
          platform: d.platform,
          receipt: d.receipt!,
          ...(taskQueue ? { taskQueue } : {}),
        };
      });
    if (jobs.length === 0) return;
    this.state.metricsCollected = [...started, ...jobs.map((j) => j.accountId)];
    const workflowId = metricsWorkflowId(spec.id);
    const notStarted = (err: unknown) =>
      log.warn('metrics collection not started', { workflowId, error: String(err) });
    if (this.enginePatch || patched(METRICS_BY_LOCAL_ACTIVITY_PATCH)) {
      await startMetricsCollection({ postId: spec.id, userId: spec.userId, targets: jobs }).catch(notStarted);
      return;
    }
    const begin =
      started.length === 0
        ? startChild(collectPostMetrics, {
            workflowId,
            args: [{ postId: spec.id, userId: spec.userId, targets: jobs }],
            parentClosePolicy: ParentClosePolicy.ABANDON,
          })
        : getExternalWorkflowHandle(workflowId).signal(addMetricsTargets, jobs);
    await begin.catch(notStarted);
  }

  /**
   * An evergreen post that published starts its next round: a workflow that waits, then queues
   * the round's post. Its id is derived from the round, so a settle after a retry starts nothing
   * more. (Only specs that carry `recycle` come here, so older histories replay unchanged.)
   */
  private async recycle(): Promise<void> {
    const { spec } = this.state;
    const workflowId = recycleWorkflowId(spec.recycle!.originId, spec.recycle!.round + 1);
    await startChild(recyclePost, {
      workflowId,
      args: [{ spec, searchAttributes: this.indexed, indexText: this.textIndexing.text }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    }).catch((err: unknown) => {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    });
  }

  /**
   * One target's delivery, once its instant came: its own `scheduled_at`, else the post's. The
   * post's wait ends at its first target's instant, so the others wait here, each for its own
   * (rescheduled targets start their wait over). When another delivery hands over to a new run,
   * a waiting one hands over too, still pending, and waits on in the new run.
   */
  private async deliverWhenDue(delivery: DeliveryState): Promise<DeliveryEnd | 'withdrawn'> {
    for (;;) {
      if (this.lead) {
        // A change recalling dispatched deliveries is under way: dispatch nothing before it is done.
        if (this.recalls > 0) await condition(() => this.recalls === 0);
        // A change while dispatched made the post wait again (cancelled, a draft, to be approved).
        if (WITHDRAWN.includes(this.state.status)) return 'withdrawn';
      }
      const { spec } = this.state;
      const target = spec.targets.find((t) => t.accountId === delivery.accountId)!;
      const dueAt = dueAtOf(spec, target);
      const waitMs = dueAt === undefined ? 0 : Date.parse(dueAt) - Date.now();
      // Only a delivery that has not begun is dispatched ahead; one carried over waits for the instant.
      const lead = this.lead && delivery.status === 'pending' && !delivery.engine ? this.leadFor(target) : 0;
      if (waitMs <= lead) {
        const end = await this.deliverNow(delivery, target, waitMs > 0 ? dueAt : undefined);
        if (end === 'recalled') continue;
        if (end === 'handed-over') this.handingOver = true;
        return end;
      }
      if (this.handingOver) return 'handed-over';
      const seen = this.revision;
      await condition(() => this.revision !== seen || this.handingOver, waitMs - lead);
    }
  }

  /**
   * Runs one delivery: at its instant, or dispatched ahead of it (`notBefore`), when a recall may
   * stop it before its publish call; the delivery's state is then put back as it was.
   */
  private async deliverNow(
    delivery: DeliveryState,
    target: TargetSpec,
    notBefore?: string,
  ): Promise<DeliveryEnd> {
    const { spec } = this.state;
    const job: DeliveryJob = {
      postId: spec.id,
      target,
      content: spec.content,
      ...(spec.fileUploads?.includes(target.platform) ? { fileUpload: true as const } : {}),
      ...(notBefore ? { notBefore } : {}),
    };
    const key = stageKey(job);
    const kept = this.staged.get(target.accountId);
    this.staged.delete(target.accountId);
    const options = {
      taskQueue: spec.platformQueues?.[target.platform],
      uploadQueue: spec.uploadQueue,
      handOver: historyIsLong,
      enginePatch: this.enginePatch,
      // What an earlier dispatch prepared for the same target and content, before a reschedule or
      // a publish-now recalled it: offered to the platform again.
      ...(kept?.key === key ? { staged: kept.prepared } : {}),
    };
    if (!notBefore) {
      if (this.lead) this.setStatus('publishing');
      return deliver(delivery, job, () => this.touch(), options);
    }
    const before = JSON.stringify(delivery);
    // A staged delivery prepares now and dispatches its publish call `lead` before the instant.
    const staged = this.leadFor(target) > this.lead;
    const callAt = staged ? Date.parse(notBefore) - this.lead : undefined;
    const dispatch = new Dispatch(notBefore, () => this.setStatus('publishing'), callAt);
    this.dispatches.add(dispatch);
    try {
      const end = await deliver(delivery, job, () => this.touch(), { ...options, dispatch });
      if (end === 'recalled') {
        for (const key of Object.keys(delivery)) delete (delivery as unknown as Record<string, unknown>)[key];
        Object.assign(delivery, JSON.parse(before));
        // Only what a staged delivery made is kept: a delivery dispatched at the call's own lead
        // prepared within it (or had nothing to prepare), and its runs replay without reuse.
        const made = staged ? dispatch.prepared : undefined;
        if (made && Object.keys(made).length > 0) this.staged.set(target.accountId, { key, prepared: made });
      }
      return end;
    } finally {
      this.dispatches.delete(dispatch);
    }
  }

  /**
   * Runs a change of a waiting post (reschedule, edit, publish now, cancel). Deliveries dispatched
   * ahead of their instant are recalled first: the change applies once each has stopped before
   * calling the platform, and is refused when the instant came first (a call went out, or is under way).
   * `revalidate` checks the change again after the wait, as other changes may have come meanwhile.
   */
  async changeWaiting(revalidate: () => void, change: () => PostResource): Promise<PostResource> {
    const open = [...this.dispatches].filter((d) => d.open);
    if (open.length === 0) return change();
    // Past the instant, the call is (about to be) on its way: too late, without waiting for its answer.
    if (open.some((d) => Date.parse(d.notBefore) <= Date.now())) throw tooLate();
    this.recalls++;
    try {
      const outcomes = await Promise.all(open.map((d) => d.recall()));
      if (outcomes.includes('called')) throw tooLate();
      revalidate();
      return change();
    } finally {
      this.recalls--;
    }
  }

  /** The deliveries still to run when the post waited again after a change withdrew them. */
  waitingDeliveries(): DeliveryState[] {
    return this.state.deliveries.filter((d) => d.status === 'pending');
  }

  /** The deliveries the previous run handed over: in the middle, or still waiting for their instant. */
  handedOver(): DeliveryState[] {
    return this.state.deliveries.filter((d) => d.engine?.resume || d.status === 'pending');
  }

  /** Goes on in a new run of this workflow, once every message is answered and every event handed on. */
  async continueAsNew(): Promise<never> {
    await condition(() => allHandlersFinished() && this.eventsSent());
    return continueAsNew<PublishPostWorkflow>(this.state.spec, {
      state: this.state,
      eventCount: this.eventCount,
    });
  }

  /**
   * Whether the post waits for a `retryFailed` request: it has failed deliveries, or one came
   * while the post was settling (a retry accepted while the metrics collection started has put
   * its deliveries back to pending already; without this check the post ended there, stranded
   * `publishing`). The check is patched, so a run that ended that way before replays unchanged.
   */
  mayBeRetried(): boolean {
    if (this.failedDeliveries().length > 0) return true;
    return this.retryRequested !== undefined && (this.enginePatch || patched(RETRY_WHILE_SETTLING_PATCH));
  }

  /** Waits for a `retryFailed` request; returns the deliveries to re-run, or nothing when the window passed. */
  async retryRequestedWithin(window: Duration): Promise<DeliveryState[] | undefined> {
    await condition(() => this.retryRequested !== undefined || this.state.status === 'cancelled', window);
    const requested = this.retryRequested;
    this.retryRequested = undefined;
    return requested;
  }

  /** `reschedule`: moves a waiting post to `scheduledAt`; the wait starts over. */
  reschedule(scheduledAt: string): PostResource {
    this.state.spec = { ...this.state.spec, mode: 'scheduled', scheduledAt };
    this.waitAsSpecified();
    this.index({ key: PostScheduledAtKey, value: new Date(scheduledAt) });
    this.revision++;
    this.emit(updatedEvent(this.resource(), ['scheduled_at']));
    return this.resource();
  }

  /**
   * `editPost`: replaces the spec of a waiting post; its mode decides whether it still waits. An
   * approved post whose content changed needs approval again (a new instant alone does not). On
   * a post that is publishing, only moves its waiting targets (validateEdit).
   */
  edit(spec: PostSpec): PostResource {
    const changed = changedFields(this.state.spec, spec);
    this.state.spec = spec;
    if (this.state.status !== 'publishing') {
      const approval = this.state.approval;
      if (approval?.status === 'approved' && changed.some((f) => !SCHEDULE_FIELDS.includes(f))) {
        this.state.approval = { status: 'pending', requestedAt: new Date().toISOString() };
      }
      this.waitAsSpecified();
    }
    if (this.indexed)
      upsertSearchAttributes(contentSearchAttributes(spec, this.state.deliveries, this.textIndexing));
    this.revision++;
    this.emit(updatedEvent(this.resource(), changed));
    return this.resource();
  }

  /**
   * `publishNow`: ends the wait of a draft or scheduled post, its targets' own waits too. A post
   * still to be approved goes out as soon as it is approved.
   */
  publishNow(): PostResource {
    const { spec } = this.state;
    this.state.spec = { ...spec, mode: 'now', targets: spec.targets.map(({ scheduledAt: _, ...t }) => t) };
    this.waitAsSpecified();
    this.revision++;
    return this.resource();
  }

  /**
   * `approve`: the post goes out at its instant, or at once when that passed (awaitApproval
   * expires it once its window passed too, so an approval within the window still publishes).
   */
  approve({ keyId }: ApprovalDecision): PostResource {
    this.decide('approved', keyId);
    const { spec } = this.state;
    const due = spec.mode !== 'scheduled' || Date.parse(firstInstant(spec)) <= Date.now();
    const post = this.changeStatus(due ? 'publishing' : 'scheduled');
    this.emit(approvalEvent('post.approved', post));
    return post;
  }

  /** `reject`: the post will not be published; the reason stays in its resource. */
  reject({ keyId, reason }: ApprovalDecision): PostResource {
    this.decide('rejected', keyId, reason);
    const post = this.changeStatus('rejected');
    this.emit(approvalEvent('post.rejected', post));
    return post;
  }

  private decide(status: 'approved' | 'rejected', keyId?: string, reason?: string): void {
    this.state.approval = {
      ...this.approval(),
      status,
      decidedAt: new Date().toISOString(),
      ...(keyId ? { decidedBy: keyId } : {}),
      ...(reason ? { reason } : {}),
    };
  }

  private approval(): ApprovalState {
    return this.state.approval!;
  }

  /**
   * Refuses an approval or a rejection unless the post is pending approval; the author's own key
   * where the post requires another; an approval after the window closed (the post expires).
   */
  validateDecision(decision: ApprovalDecision, kind: 'approve' | 'reject'): void {
    this.requireStatus('pending_approval');
    const rule = this.state.spec.approval!;
    if (rule.otherKey && rule.authorKeyId && decision.keyId === rule.authorKeyId) {
      throw ApplicationFailure.create({
        type: messages.SAME_KEY,
        message: `This post must be ${kind === 'approve' ? 'approved' : 'rejected'} with another API key than the one that created it (${rule.authorKeyId}).`,
        details: [{ status: this.state.status, author_key_id: rule.authorKeyId }],
        nonRetryable: true,
      });
    }
    const deadline = approvalDeadline(this.state.spec, this.approval())!;
    if (kind === 'approve' && Date.now() > deadline) {
      throw ApplicationFailure.create({
        type: messages.STATE_INVALID,
        message: `The approval window ended at ${new Date(deadline).toISOString()}; the post expires without being published. Create it again to publish it.`,
        details: [{ status: this.state.status }],
        nonRetryable: true,
      });
    }
  }

  /**
   * Sets the status of a post that waits as its spec says: a draft, pending approval until
   * approved, scheduled, or due now. Entering `pending_approval` asks for approval (the webhook),
   * and the approval window of a publish-now post counts from then.
   */
  private waitAsSpecified(): void {
    const { spec, approval, status: was } = this.state;
    const status: PostStatus =
      spec.mode === 'draft'
        ? 'draft'
        : approval?.status === 'pending'
          ? 'pending_approval'
          : spec.mode === 'scheduled'
            ? 'scheduled'
            : 'publishing';
    if (status === 'pending_approval' && was !== status) {
      this.state.approval = { status: 'pending', requestedAt: new Date().toISOString() };
    }
    this.setStatus(status);
    if (status === 'pending_approval' && was !== status) {
      this.emit(approvalEvent('post.approval_requested', this.resource()));
    }
  }

  /** `cancel`: ends the wait of a waiting post, or the retry window of a failed or partial one. */
  cancel(): PostResource {
    const was = this.state.status;
    const post = this.changeStatus('cancelled');
    this.emit(deletedEvent(post, was));
    return post;
  }

  /** `retryFailed`: puts the failed deliveries back to pending, for the workflow to re-run them. */
  retryFailed(options: messages.RetryOptions): PostResource {
    this.retryRequested = this.failedDeliveries();
    for (const d of this.retryRequested) {
      d.status = 'pending';
      // A person looked and found nothing: publish again without (another) lookup.
      if (options.force) delete d.engine?.unknown;
    }
    this.setStatus('publishing');
    this.emit(retriedEvent(this.resource(), this.retryRequested.length));
    return this.resource();
  }

  /** `awaitSettled`: the resource once the post is settled, or as it is when `timeoutMs` passed. */
  async settled(timeoutMs: number): Promise<PostResource> {
    await condition(() => isSettled(this.state.status), timeoutMs);
    return this.resource();
  }

  /** Refuses a change unless the post is in one of the `allowed` statuses. */
  requireStatus(...allowed: PostStatus[]): void {
    const { status } = this.state;
    if (!allowed.includes(status)) {
      throw ApplicationFailure.create({
        type: messages.STATE_INVALID,
        message: `The post is ${status}; this is allowed only while it is ${allowed.join(' or ')}.`,
        details: [{ status }],
        nonRetryable: true,
      });
    }
  }

  validateEdit(spec: PostSpec): void {
    if (this.state.status === 'publishing') return this.validateWaitingTargetsMoved(spec);
    this.requireStatus('draft', 'pending_approval', 'scheduled');
    const before = this.state.spec.targets.map((t) => t.accountId).join();
    if (spec.id !== this.state.spec.id || spec.targets.map((t) => t.accountId).join() !== before) {
      throw ApplicationFailure.create({
        type: messages.STATE_INVALID,
        message: 'An edit cannot change the post id or its accounts.',
        nonRetryable: true,
      });
    }
  }

  /** While the post publishes, an edit may only move the targets still waiting for their instant. */
  private validateWaitingTargetsMoved(spec: PostSpec): void {
    const waiting = new Set(
      this.state.deliveries.filter((d) => d.status === 'pending').map((d) => d.accountId),
    );
    // The stage leads are the editing client's to decide again (gateway/stage-leads.ts), not a change.
    const fixed = (s: PostSpec) =>
      JSON.stringify({
        ...s,
        preStageMs: undefined,
        targets: s.targets.map((t) => (waiting.has(t.accountId) ? { ...t, scheduledAt: undefined } : t)),
      });
    if (fixed(spec) !== fixed(this.state.spec)) {
      throw ApplicationFailure.create({
        type: messages.STATE_INVALID,
        message:
          'The post is publishing; only the scheduled_at of its targets still waiting for their own instant can change.',
        details: [{ status: this.state.status }],
        nonRetryable: true,
      });
    }
  }

  /**
   * A retry checks the platform first for every target it may have published (delivery.ts). Where
   * the platform offers no way to check, only a person can: such targets are retried on `force`.
   */
  validateRetry({ force }: messages.RetryOptions): void {
    this.requireStatus('partial', 'failed');
    const failed = this.failedDeliveries();
    if (failed.length === 0) {
      throw ApplicationFailure.create({
        type: messages.NOTHING_TO_RETRY,
        message: 'No delivery of this post has failed.',
        nonRetryable: true,
      });
    }
    const unconfirmed = failed.filter((d) => d.engine?.unknown && d.engine.noLookup);
    if (unconfirmed.length && !force) {
      const targets = unconfirmed.map((d) => `${d.accountId} (${d.platform})`).join(', ');
      throw ApplicationFailure.create({
        type: messages.STATE_INVALID,
        message: `${targets} may already be published, and the platform offers no way to check. Look at the account; if the post is not there, retry with "force": true to publish it again.`,
        details: [{ status: this.state.status, unconfirmed: unconfirmed.map((d) => d.accountId) }],
        nonRetryable: true,
      });
    }
  }

  private changeStatus(status: PostStatus): PostResource {
    this.setStatus(status);
    this.revision++;
    return this.resource();
  }

  /** Sets the status, indexing it in the same upsert as `alongside` (other attributes that changed). */
  private setStatus(status: PostStatus, alongside: SearchAttributeUpdatePair[] = []): void {
    const pairs = [...alongside];
    if (this.state.status !== status) {
      this.state.status = status;
      pairs.push({ key: PostStatusKey, value: status });
    }
    this.index(...pairs);
    this.touch();
  }

  /** One upsert of the given attributes, when the post is indexed and there is any. */
  private index(...pairs: SearchAttributeUpdatePair[]): void {
    if (this.indexed && pairs.length > 0) upsertSearchAttributes(pairs);
  }

  private touch(): void {
    this.state.updatedAt = new Date().toISOString();
  }
}

/**
 * The engine patch: one marker (and its `TemporalChangeVersion` upsert) in a new run's history for
 * every change publishPost made behind a patch before it, instead of one for each. A run that took
 * it asks none of these ids and takes every branch they guard, as a new run asking them would:
 * exactly-once-v2, platform-steps, skip-empty-prepare, first-comment, comments-by-account,
 * nostr-comments, outage-window and resumable-upload (delivery.ts), reconcile-second-look
 * (reconcile.ts), metrics-collection, metrics-by-local-activity and retry-while-settling (here).
 * Under it, the settle writes the platform ids and the status in one upsert.
 *
 * Asked in the run's first activation: a run whose first workflow task ran on older code has no
 * marker, replays it as false, and asks the old ids exactly as it did (when it reaches a patch
 * only after the deploy, it takes it live, writing that marker, as before). A run continued as
 * new takes the patch at its own first activation rather than carrying the flag: a new run asked
 * the old ids fresh and took every branch anyway, so the carried state already meets the newest
 * branches, and a flag would not say which later engine patch a run took. Patches added after
 * this one are asked as usual until the next engine patch folds them (docs/decisions.md).
 */
export const ENGINE_PATCH = 'engine-2026-12';

/** Marks runs that start a metrics collection once the post settles (`patched`). */
export const METRICS_COLLECTION_PATCH = 'metrics-collection';

/** Marks runs that start it by a local activity's signal-with-start, not as a child workflow. */
export const METRICS_BY_LOCAL_ACTIVITY_PATCH = 'metrics-by-local-activity';

/** Marks runs that re-deliver a retry accepted while the post settled (`Post.mayBeRetried`). */
export const RETRY_WHILE_SETTLING_PATCH = 'retry-while-settling';

/**
 * A change refused because the post's instant came before it: a dispatched publish call went out,
 * or is under way (its delivery is past its instant, still preparing or about to call).
 */
function tooLate(): ApplicationFailure {
  return ApplicationFailure.create({
    type: messages.STATE_INVALID,
    message:
      "The post's instant came before this change reached it, and its publishing is under way: it publishes as it was.",
    details: [{ status: 'publishing' }],
    nonRetryable: true,
  });
}

/** Statuses a change may give a post whose deliveries were dispatched: they go back to waiting. */
const WITHDRAWN: PostStatus[] = ['cancelled', 'draft', 'pending_approval'];

/** Fields of `post.updated` that move the post in time only: they keep an approval. */
const SCHEDULE_FIELDS = ['scheduled_at', 'targets'];

/** The Post resource fields an edit changed, for `post.updated`. */
function changedFields(before: PostSpec, after: PostSpec): string[] {
  const fields: Array<[string, unknown, unknown]> = [
    ['text', before.content.text, after.content.text],
    ['title', before.content.title, after.content.title],
    ['first_comment', before.content.firstComment, after.content.firstComment],
    ['segments', before.content.segments, after.content.segments],
    ['visibility', before.content.visibility, after.content.visibility],
    ['media', before.content.media, after.content.media],
    ['platform_options', before.platformOptions, after.platformOptions],
    ['scheduled_at', before.scheduledAt, after.scheduledAt],
    ['targets', before.targets.map((t) => t.scheduledAt), after.targets.map((t) => t.scheduledAt)],
  ];
  return fields.filter(([, a, b]) => JSON.stringify(a) !== JSON.stringify(b)).map(([name]) => name);
}

/**
 * What a delivery prepares from: its target (less its instant) and content. A reschedule keeps it,
 * so what was staged is offered again; an edit of either prepares anew.
 */
function stageKey(job: DeliveryJob): string {
  const { scheduledAt: _, ...target } = job.target;
  return JSON.stringify([target, job.content, job.fileUpload ?? false]);
}

/** A target's instant: its own `scheduled_at`, else the post's when scheduled; none when due now. */
function dueAtOf(spec: PostSpec, target: TargetSpec): string | undefined {
  return target.scheduledAt ?? (spec.mode === 'scheduled' ? spec.scheduledAt : undefined);
}
