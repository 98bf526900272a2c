import {
  type AccountContext,
  isProcessing,
  type PlatformAdapter,
  PublishError,
  type PublishRequest,
  type StepState,
} from '../../platforms/kit/adapter';
import type { PostContent, PublishFailure } from '../../api/types';
import type { FakePlatform, Fault } from '../../platforms/kit/fake-platform';
import type { ContainerRules } from '../../platforms/meta/fake-containers';
import { MetaGraphFake } from '../../platforms/meta/fake-graph';
import { MediaHost, publishRequest, runDelivery, type TestMedia } from './run-delivery';

/** A Meta platform whose publish call consumes a container (Instagram, Threads). */
export interface ContainerSubject<F extends FakePlatform & { rules: ContainerRules }> {
  platform: string;
  startFake(): Promise<F>;
  adapter(options: { baseUrl: string; timeoutMs: number }): PlatformAdapter;
  account(fake: F): AccountContext;
  post: { content: PostContent; options: Record<string, unknown>; media: TestMedia[] };
  publishCall: { method: string; path: RegExp };
  /** The account's list of posts (a GET), which reconcile searches without a container. */
  listCall: RegExp;
  /** The container's status field (Instagram `status_code`, Threads `status`). */
  statusField: string;
  published(fake: F): Array<{ id: string; text: string }>;
  /** A post the account makes in the platform's app (no container). */
  postFromApp(fake: F, text: string): void;
}

const TIMEOUT_MS = 15_000;
/** The publish call of a test where it never reaches the platform (the fake hangs). */
const HANG_TIMEOUT_MS = 1_000;
/** Lookups a test makes before it gives up waiting for the platform. */
const MAX_LOOKS = 10;

/**
 * Reconcile by container (docs/platforms.md "Reconcile"): after a publish call whose outcome is
 * unknown, `findExisting(request, prepared)` asks the container. These tests make the fake's list
 * of posts lag, so an answer of "absent" can only have come from the container.
 */
export function containerReconcileSuite<F extends FakePlatform & { rules: ContainerRules }>(
  subject: ContainerSubject<F>,
): void {
  describe(`${subject.platform} reconcile by container`, () => {
    let fake: F;
    let adapter: PlatformAdapter;
    const host = new MediaHost();
    beforeAll(async () => {
      await host.start();
      fake = await subject.startFake();
      adapter = subject.adapter({ baseUrl: fake.url, timeoutMs: TIMEOUT_MS });
    });
    afterEach(() => fake.rules.reset());
    afterAll(async () => {
      await fake?.stop();
      await host.stop();
    });

    let n = 0;
    const request = () => {
      n += 1;
      const content = { ...subject.post.content, text: `${subject.post.content.text} (container ${n})` };
      return publishRequest(
        subject.account(fake),
        content,
        subject.post.options,
        host.serve(subject.post.media),
      );
    };
    const ours = (req: PublishRequest) => subject.published(fake).filter((p) => p.text === req.content.text);
    const listReads = (from: number) =>
      fake.requests.slice(from).filter((r) => r.method === 'GET' && subject.listCall.test(r.path));

    /** Prepares as the workflow does, then makes the publish call with `fault`: its outcome is unknown. */
    const publishUnknown = async (req: PublishRequest, fault: Fault): Promise<StepState> => {
      let step = await adapter.prepare!(req);
      while (isProcessing(step)) step = await adapter.checkPrepared!(req, step.processing);
      const publisher =
        'kind' in fault && fault.kind === 'hang'
          ? subject.adapter({ baseUrl: fake.url, timeoutMs: HANG_TIMEOUT_MS })
          : adapter;
      fake.inject(subject.publishCall, fault);
      const failure = await failureOf(publisher.publish(req, step.ready));
      expect(failure.outcomeUnknown).toBe(true);
      return step.ready;
    };

    /** Looks the post up as the activity does: retryable failures are asked again, in place. */
    const lookUp = async (req: PublishRequest, prepared: StepState) => {
      const retried: string[] = [];
      for (let look = 0; look < MAX_LOOKS; look++) {
        try {
          return { receipt: await adapter.findExisting!(req, prepared), retried };
        } catch (err) {
          if (!(err instanceof PublishError) || !err.failure.retryable) throw err;
          retried.push(err.failure.code);
        }
      }
      throw new Error(`no answer after ${MAX_LOOKS} looks: ${retried.join(', ')}`);
    };

    test('a lost answer: the PUBLISHED container proves the post; its id once the list shows it', async () => {
      const req = request();
      fake.rules.listLagReads = 2;
      const before = subject.published(fake).length;
      const prepared = await publishUnknown(req, { kind: 'lose-answer' });
      expect(prepared).toMatchObject({ container: expect.any(String), ready_at: expect.any(String) });

      const { receipt, retried } = await lookUp(req, prepared);
      // Never "absent" while the list lags: the post exists, so the activity asks again.
      const code = `platform.${subject.platform}.not_listed_yet`;
      expect(retried).toEqual([code, code]);
      expect(subject.published(fake)).toHaveLength(before + 1);
      expect(ours(req)).toHaveLength(1);
      expect(receipt?.platformPostId).toBe(ours(req)[0]!.id);
    });

    test('a publish that never reached the platform: FINISHED is absent at once; publishing again makes one post', async () => {
      const req = request();
      fake.rules.listLagReads = 5;
      const prepared = await publishUnknown(req, { kind: 'hang' });
      const from = fake.requests.length;
      expect(await adapter.findExisting!(req, prepared)).toBeNull();
      expect(listReads(from)).toEqual([]); // the container answered; the lagging list was not asked

      const receipt = await runDelivery(adapter, req);
      expect(ours(req)).toHaveLength(1);
      expect(receipt.platformPostId).toBe(ours(req)[0]!.id);
    });

    test('a container Meta is still publishing is not absent: asked again until PUBLISHED', async () => {
      const req = request();
      fake.rules.publishingReads = 2;
      const prepared = await publishUnknown(req, { kind: 'lose-answer' });
      const { receipt, retried } = await lookUp(req, prepared);
      const code = `platform.${subject.platform}.publishing`;
      expect(retried).toEqual([code, code]);
      expect(receipt?.platformPostId).toBe(ours(req)[0]!.id);
      expect(ours(req)).toHaveLength(1);
    });

    test('an expired container, or one in ERROR, was never published: absent', async () => {
      const req = request();
      const prepared = await publishUnknown(req, { kind: 'hang' });
      fake.rules.ttlMs = 0; // its 24 hours are over
      const from = fake.requests.length;
      expect(await adapter.findExisting!(req, prepared)).toBeNull();
      expect(listReads(from)).toEqual([]);
      fake.rules.reset();

      const other = request();
      const failed = await publishUnknown(other, { kind: 'hang' });
      fake.inject(
        { method: 'GET', path: new RegExp(`/${String(failed.container)}$`) },
        { status: 200, body: { id: failed.container, [subject.statusField]: 'ERROR' } },
      );
      expect(await adapter.findExisting!(other, failed)).toBeNull();
    });

    test('a container this token cannot read (gone, no permission): the search by text, as before', async () => {
      const req = request();
      const prepared = await publishUnknown(req, { kind: 'lose-answer' });
      const container = new RegExp(`/${String(prepared.container)}$`);
      fake.inject({ method: 'GET', path: container }, MetaGraphFake.notFound(String(prepared.container)));
      expect((await adapter.findExisting!(req, prepared))?.platformPostId).toBe(ours(req)[0]!.id);
      fake.inject(
        { method: 'GET', path: container },
        MetaGraphFake.error(403, 10, 'Application does not have permission for this action'),
      );
      expect((await adapter.findExisting!(req, prepared))?.platformPostId).toBe(ours(req)[0]!.id);
    });

    test('a container proven absent is reused: the retry publishes it, and the first call landing late adds nothing', async () => {
      const req = request();
      const prepared = await publishUnknown(req, { kind: 'hang' });
      expect(await adapter.findExisting!(req, prepared)).toBeNull();

      // The engine's next attempt asks before preparing anew (PlatformAdapter.reusable).
      expect(await adapter.reusable!(req, prepared)).toBe('reuse');
      const receipt = await adapter.publish(req, prepared);
      expect(ours(req)).toHaveLength(1);
      // The first call reaching Meta only now: the container publishes once, so it is refused.
      const late = await failureOf(adapter.publish(req, prepared));
      expect(late.outcomeUnknown).toBe(false);
      expect(ours(req)).toHaveLength(1);
      expect('platformPostId' in receipt && receipt.platformPostId).toBe(ours(req)[0]!.id);
      // Consumed now: a further attempt is told the post exists, and looks it up.
      expect(await adapter.reusable!(req, prepared)).toBe('taken');
    });

    test('an expired or failed container, or one gone, is prepared anew', async () => {
      const req = request();
      const prepared = await publishUnknown(req, { kind: 'hang' });
      fake.rules.ttlMs = 0;
      expect(await adapter.reusable!(req, prepared)).toBe('renew');
      fake.rules.reset();

      const other = request();
      const failed = await publishUnknown(other, { kind: 'hang' });
      const container = new RegExp(`/${String(failed.container)}$`);
      fake.inject(
        { method: 'GET', path: container },
        { status: 200, body: { id: failed.container, [subject.statusField]: 'ERROR' } },
      );
      expect(await adapter.reusable!(other, failed)).toBe('renew');
      fake.inject({ method: 'GET', path: container }, MetaGraphFake.notFound(String(failed.container)));
      expect(await adapter.reusable!(other, failed)).toBe('renew');
      expect(await adapter.reusable!(other, {})).toBe('renew');
    });

    test('without what prepare made (runs from before): the search by text still works', async () => {
      const req = request();
      await publishUnknown(req, { kind: 'lose-answer' });
      const from = fake.requests.length;
      expect((await adapter.findExisting!(req))?.platformPostId).toBe(ours(req)[0]!.id);
      expect(listReads(from)).toHaveLength(1);
      expect(await adapter.findExisting!(request())).toBeNull();
    });

    // Last: it leaves the account with more posts than a lookup reads.
    test('a post behind full pages of others is found, by container and by text; past 250 posts unsearchable, never absent', async () => {
      const req = request();
      const prepared = await publishUnknown(req, { kind: 'lose-answer' });
      for (let i = 0; i < 100; i++) subject.postFromApp(fake, `From the app ${i}`);
      expect((await adapter.findExisting!(req, prepared))?.platformPostId).toBe(ours(req)[0]!.id);
      expect((await adapter.findExisting!(req))?.platformPostId).toBe(ours(req)[0]!.id);
      for (let i = 0; i < 200; i++) subject.postFromApp(fake, `More from the app ${i}`);
      const code = `platform.${subject.platform}.unsearchable`;
      expect(await failureOf(adapter.findExisting!(req))).toMatchObject({ code, retryable: false });
      expect(await failureOf(adapter.findExisting!(req, prepared))).toMatchObject({ code, retryable: false });
    });
  });
}

async function failureOf(promise: Promise<unknown>): Promise<PublishFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PublishError);
  return (err as PublishError).failure;
}
