import { ulid } from 'ulid';
import { ApiError, type Issue, validationError } from '../api/errors';
import { normaliseParsedPost, parseCreatePost } from '../api/normalise';
import {
  createRecurringSchema,
  intervalMs,
  type OccurrenceList,
  type RecurrenceRule,
  type RecurringResource,
  updateRecurringSchema,
} from '../api/recurring';
import type { PostResource, PostSpec } from '../api/types';
import { issuesOf } from '../api/validate';
import { zodIssues } from '../api/zod-issues';
import type { PostGateway, ScheduleRule, ScheduleState } from '../gateway';
import type { RecurringDefinition, Store } from '../store/types';
import { type Created, createOnce, type IdempotencyKeyHeader } from './idempotency';
import { PostInputs } from './post-inputs';

export interface RecurringPostsDeps {
  store: Store;
  gateway: PostGateway;
  options?: { allowPrivateUrls?: boolean };
}

/** Occurrences listed at most per request (each one's post is looked up). */
export const MAX_LISTED_OCCURRENCES = 100;

export const recurringNotFound = (id: string) =>
  new ApiError(
    404,
    'recurring_post.not_found',
    `No recurring post with id ${id}; list yours with GET /v1/recurring-posts.`,
    {
      resource: 'recurring_post',
      id,
    },
  );

/**
 * Recurring posts (docs/api.md "Recurring posts"): a post body checked as `POST /v1/posts` checks
 * it, stored with its rule, and a Temporal Schedule of the same id that starts one normal post
 * per occurrence (gateway/recurring-schedules.ts, workflows/recurring-occurrence.ts). The store
 * holds what each occurrence posts; the Schedule holds when, whether paused, and how many are left.
 */
export class RecurringPostsService {
  private readonly inputs: PostInputs;

  constructor(private readonly deps: RecurringPostsDeps) {
    this.inputs = new PostInputs({
      store: deps.store,
      allowPrivateUrls: deps.options?.allowPrivateUrls ?? false,
    });
  }

  private get schedules() {
    return this.deps.gateway.recurring;
  }

  async create(
    userId: string,
    body: unknown,
    idempotencyKey: IdempotencyKeyHeader,
    { authorKeyId }: { authorKeyId?: string } = {},
  ): Promise<Created<RecurringResource>> {
    const parsed = createRecurringSchema.safeParse(body ?? {});
    if (!parsed.success) throw validationError(zodIssues(parsed.error));
    const req = parsed.data;
    const now = new Date();
    const rule = checkedRule(
      {
        ...(req.interval ? { interval: req.interval } : {}),
        ...(req.cron ? { cron: req.cron } : {}),
        ...(req.time_zone ? { time_zone: req.time_zone } : {}),
        ...(req.start_at ? { start_at: req.start_at } : {}),
        ...(req.end ? { end: req.end } : {}),
      },
      now,
    );
    const spec = await this.templateOf(userId, req.post, now, authorKeyId);
    return createOnce(
      this.deps.store,
      userId,
      'recurring-posts',
      idempotencyKey,
      `rec_${ulid()}`,
      async (id) => (await this.deps.store.recurring.get(id, userId)) && this.get(userId, id),
      async (id) => {
        const definition: RecurringDefinition = {
          id,
          userId,
          body: req.post,
          spec,
          rule,
          createdAt: now.toISOString(),
          updatedAt: now.toISOString(),
        };
        await this.deps.store.recurring.create(definition);
        try {
          await this.schedules.create(id, scheduleRule(rule, 0));
        } catch (err) {
          // Nothing half-made stays: a definition without its Schedule would never fire.
          await this.deps.store.recurring.remove(id);
          throw err;
        }
        return this.get(userId, id);
      },
    );
  }

  async list(userId: string): Promise<{ count: number; data: RecurringResource[] }> {
    const found = await this.deps.store.recurring.list(userId);
    const data = await Promise.all(found.map((d) => this.resourceOf(d)));
    return { count: data.length, data };
  }

  async get(userId: string, id: string): Promise<RecurringResource> {
    return this.resourceOf(await this.owned(userId, id));
  }

  /** Applies a `PATCH` body: the post, the rule or both; the Schedule keeps its paused state and count so far. */
  async update(userId: string, id: string, body: unknown): Promise<RecurringResource> {
    const found = await this.owned(userId, id);
    const parsed = updateRecurringSchema.safeParse(body ?? {});
    if (!parsed.success) throw validationError(zodIssues(parsed.error));
    const req = parsed.data;
    const now = new Date();
    const merged: RecurrenceRule = { ...found.rule };
    if (req.interval) {
      merged.interval = req.interval;
      delete merged.cron;
      delete merged.time_zone;
    }
    if (req.cron) {
      merged.cron = req.cron;
      delete merged.interval;
    }
    if (req.time_zone) merged.time_zone = req.time_zone;
    if (req.start_at !== undefined) {
      if (req.start_at === null) delete merged.start_at;
      else merged.start_at = req.start_at;
    }
    // A new interval without its own start counts from now, as a new recurring post would.
    if (req.interval && req.start_at === undefined) delete merged.start_at;
    if (req.end !== undefined) {
      if (req.end === null) delete merged.end;
      else merged.end = req.end;
    }
    const ruleChanged = JSON.stringify(merged) !== JSON.stringify(found.rule);
    const rule = ruleChanged ? checkedRule(merged, now, 'patch') : found.rule;
    const spec = req.post
      ? await this.templateOf(userId, req.post, now, found.spec.approval?.authorKeyId)
      : found.spec;
    if (ruleChanged) {
      const state = await this.stateOf(found);
      await this.schedules.update(id, scheduleRule(rule, state.occurrencesTaken));
    }
    await this.deps.store.recurring.update({
      ...found,
      body: req.post ?? found.body,
      spec,
      rule,
      updatedAt: now.toISOString(),
    });
    return this.get(userId, id);
  }

  async pause(userId: string, id: string): Promise<RecurringResource> {
    const found = await this.owned(userId, id);
    await this.stateOf(found);
    await this.schedules.pause(id);
    return this.resourceOf(found);
  }

  async resume(userId: string, id: string): Promise<RecurringResource> {
    const found = await this.owned(userId, id);
    await this.stateOf(found);
    await this.schedules.resume(id);
    return this.resourceOf(found);
  }

  /**
   * Deletes the recurring post: its Schedule first (no new occurrence), then the definition (an
   * occurrence already running finds it gone and posts nothing). Posts already created stay.
   */
  async delete(userId: string, id: string): Promise<void> {
    await this.owned(userId, id);
    await this.schedules.delete(id);
    await this.deps.store.recurring.remove(id);
  }

  /** The occurrences so far, newest first, each with its post as it is now. */
  async occurrences(userId: string, id: string, limit = 20): Promise<OccurrenceList> {
    await this.owned(userId, id);
    const rows = await this.deps.store.recurring.occurrences(id, Math.min(limit, MAX_LISTED_OCCURRENCES));
    const data = await Promise.all(
      rows.map(async (r) => ({
        occurrence_at: r.occurrenceAt,
        post_id: r.postId,
        post: await this.postOrNull(r.postId, userId),
      })),
    );
    return { count: data.length, data };
  }

  private async postOrNull(postId: string, userId: string): Promise<PostResource | null> {
    try {
      const post = await this.deps.gateway.workflows.post(postId);
      return post.user_id === userId ? post : null;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }
  }

  private async owned(userId: string, id: string): Promise<RecurringDefinition> {
    const found = id.startsWith('rec_') ? await this.deps.store.recurring.get(id, userId) : undefined;
    if (!found) throw recurringNotFound(id);
    return found;
  }

  /**
   * The Schedule's state. A definition whose Schedule is missing (the API process stopped between
   * storing it and creating its Schedule) gets it now, so nothing half-made stays.
   */
  private async stateOf(d: RecurringDefinition): Promise<ScheduleState> {
    const state = await this.schedules.describe(d.id);
    if (state) return state;
    const taken = await this.deps.store.recurring.countOccurrences(d.id);
    await this.schedules.create(d.id, scheduleRule(d.rule, taken));
    return (
      (await this.schedules.describe(d.id)) ?? { paused: false, nextOccurrences: [], occurrencesTaken: taken }
    );
  }

  private async resourceOf(d: RecurringDefinition): Promise<RecurringResource> {
    const state = await this.stateOf(d);
    const ended = state.remaining === 0 || state.nextOccurrences.length === 0;
    return {
      id: d.id,
      object: 'recurring_post',
      status: state.paused ? 'paused' : ended ? 'completed' : 'active',
      post: d.body,
      interval: d.rule.interval ?? null,
      cron: d.rule.cron ?? null,
      time_zone: d.rule.cron ? (d.rule.time_zone ?? 'UTC') : null,
      start_at: d.rule.start_at ?? null,
      end: endOf(d.rule),
      occurrences: state.occurrencesTaken,
      next_occurrences: state.remaining === 0 ? [] : state.nextOccurrences,
      created_at: d.createdAt,
      updated_at: d.updatedAt,
    };
  }

  /**
   * The spec each occurrence starts from: the post body checked exactly as `POST /v1/posts` checks
   * one to publish now (accounts, media, platform rules), its problems named under `post.`.
   */
  private async templateOf(
    userId: string,
    post: Record<string, unknown>,
    now: Date,
    authorKeyId: string | undefined,
  ): Promise<PostSpec> {
    const issues: Issue[] = [];
    const targets = Array.isArray(post.targets) ? (post.targets as Array<Record<string, unknown>>) : [];
    targets.forEach((t, i) => {
      if (t.scheduled_at !== undefined) {
        issues.push({
          field: `post.targets[${i}].scheduled_at`,
          code: 'validation.field_invalid',
          message: "is set by each occurrence: every target publishes at the occurrence's instant.",
        });
      }
    });
    if (issues.length) throw validationError(issues);
    const parsed = parseCreatePost({ ...post, publish_now: true });
    try {
      const spec = normaliseParsedPost(parsed, {
        id: 'post_recurring',
        userId,
        now,
        account: await this.inputs.accounts(userId, parsed),
        media: await this.inputs.media(userId, parsed),
        ...(authorKeyId ? { authorKeyId } : {}),
      });
      return this.deps.gateway.imports.routed(spec);
    } catch (err) {
      throw err instanceof ApiError ? underPost(err) : err;
    }
  }
}

/** The rule's own checks (one of interval or cron, a zone only with cron, an end after the start), with its defaults. */
function checkedRule(rule: RecurrenceRule, now: Date, mode: 'create' | 'patch' = 'create'): RecurrenceRule {
  const issues: Issue[] = [];
  const invalid = (field: string, message: string) =>
    issues.push({ field, code: 'validation.field_invalid', message });
  if (!rule.interval === !rule.cron) {
    if (mode === 'create' && !rule.interval) {
      issues.push({
        field: 'interval',
        code: 'validation.field_required',
        message: 'give either interval ({ "every": 1, "unit": "days" }) or cron ("0 9 * * 1-5").',
      });
    } else invalid('cron', 'give either interval or cron, not both.');
  }
  if (rule.time_zone && !rule.cron) {
    invalid('time_zone', 'applies to cron only; an interval is exact durations from start_at.');
  }
  const startMs = rule.start_at ? Date.parse(rule.start_at) : now.getTime();
  if (rule.end?.until && Date.parse(rule.end.until) <= startMs) {
    invalid('end.until', `must be after ${rule.start_at ? 'start_at' : 'now'}.`);
  }
  if (issues.length) throw validationError(issues);
  if (rule.interval && !rule.start_at) {
    // The first occurrence is one interval from now, on a whole second.
    const first = Math.ceil((now.getTime() + intervalMs(rule.interval)) / 1000) * 1000;
    return { ...rule, start_at: new Date(first).toISOString() };
  }
  return rule;
}

/** The rule's end as shown: one of count or until (the create and update checks allow no other). */
function endOf(rule: RecurrenceRule): RecurringResource['end'] {
  if (rule.end?.count !== undefined) return { count: rule.end.count };
  if (rule.end?.until !== undefined) return { until: rule.end.until };
  return null;
}

/** The API's rule in Temporal's terms; `taken`: occurrences so far, which an end by count subtracts. */
function scheduleRule(rule: RecurrenceRule, taken: number): ScheduleRule {
  const startAt = rule.start_at ? new Date(rule.start_at) : undefined;
  return {
    ...(rule.interval
      ? {
          interval: {
            everyMs: intervalMs(rule.interval),
            // Intervals count from the epoch: the offset puts an occurrence on start_at.
            offsetMs: startAt ? startAt.getTime() % intervalMs(rule.interval) : 0,
          },
        }
      : {}),
    ...(rule.cron ? { cron: rule.cron, timeZone: rule.time_zone ?? 'UTC' } : {}),
    ...(startAt ? { startAt } : {}),
    ...(rule.end?.until ? { endAt: new Date(rule.end.until) } : {}),
    ...(rule.end?.count !== undefined ? { remaining: Math.max(0, rule.end.count - taken) } : {}),
  };
}

/** The post body's problems, named where the request put them: under `post.`. */
function underPost(err: ApiError): ApiError {
  if (err.status !== 400 && err.meta?.field === undefined) return err;
  const issues = issuesOf(err).map((i) => ({ ...i, field: `post.${i.field}` }));
  if (err.status === 400) return validationError(issues);
  return new ApiError(err.status, err.code, err.message, {
    ...err.meta,
    field: `post.${String(err.meta?.field)}`,
  });
}
