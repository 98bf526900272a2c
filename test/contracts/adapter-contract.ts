import {
  type AccountContext,
  isProcessing,
  type PlatformAdapter,
  type VerifiedProfile,
  type Published,
  PublishError,
  type PublishRequest,
} from '../../platforms/kit/adapter';
import { stringList } from '../../platforms/kit/content';
import { checkPlatformRules, type MediaInfo } from '../../api/platform-rules';
import type { PostContent } from '../../api/types';
import type { FakePlatform, FakeResponse } from '../../platforms/kit/fake-platform';
import {
  closedPortUrl,
  commentRequest,
  MediaHost,
  publishRequest,
  runDelivery,
  type TestMedia,
} from './run-delivery';

/**
 * What the suite needs of a platform's fake: HTTP fakes are `FakePlatform`s; a fake speaking
 * another protocol (Nostr's WebSocket relay) offers the same fault injection.
 */
export type ContractFake = Pick<FakePlatform, 'url' | 'inject' | 'stop' | 'requests'>;

/** What the shared suite needs to know about one platform. */
export interface ContractSubject<F extends ContractFake> {
  platform: string;
  /** Which kind of account, where one platform's accounts come in kinds the adapter treats apart. */
  mode?: string;
  /** Starts the platform's fake (the suite stops it). */
  startFake(): Promise<F>;
  /** The adapter under test, pointed at `baseUrl` (the fake's), with `timeoutMs` for each call. */
  adapter(options: { baseUrl: string; timeoutMs: number }): PlatformAdapter;
  /** An account the fake accepts; with a refresh token where the platform has them. */
  account(fake: F): AccountContext;
  /** A post the platform publishes, with the media it takes. */
  post: { content: PostContent; options: Record<string, unknown>; media: TestMedia[] };
  /** Posts the rules refuse at creation, and the fields their problems must name. */
  invalid: Array<{
    name: string;
    content: PostContent;
    options?: Record<string, unknown>;
    media?: MediaInfo[];
    fields: string[];
  }>;
  /** The irreversible call, where faults are injected. */
  publishCall: { method: string; path: string | RegExp; withBody?: boolean };
  /** The fake's ledger: every post it published, with its text and number of media. */
  published(fake: F): Array<{ id: string; text: string; media: number }>;
  /** The platform's documented error answers, one per class. */
  errors: {
    validation: FakeResponse;
    auth: FakeResponse;
    rateLimit: FakeResponse & { expectedRetryAfterMs: number };
    server: FakeResponse;
  };
  /**
   * Where the platform takes a first comment: the irreversible comment call (faults go there),
   * and the fake's comments under a post, with their text. Absent: the adapter has no `comment`.
   */
  comments?: {
    call: { method: string; path: string | RegExp };
    under(fake: F, platformPostId: string): Array<{ id: string; text: string }>;
  };
  /**
   * Where the platform has threads (`segments`): the irreversible call of a reply (faults go there
   * once the post is live), and every post the fake holds with the post it replies to.
   */
  thread?: {
    call: { method: string; path: string | RegExp };
    posts(fake: F): Array<{ id: string; text: string; replyTo?: string }>;
  };
  /**
   * The account with its refresh made to fail for good, where that is not a revoked refresh token
   * (Lemmy logs in again with the password: a changed one). Default: `refresh_token: 'rt_revoked'`.
   */
  deadRefresh?(account: AccountContext): AccountContext;
  /**
   * Connect's check (`verifyCredentials`): the credentials a person pastes, the same made wrong
   * (a bad password or token), and what the check must say of the good ones. Absent: the adapter
   * has no `verifyCredentials`.
   */
  verify?: {
    credentials(fake: F): Record<string, string>;
    wrong(credentials: Record<string, string>): Record<string, string>;
    profile(fake: F): Partial<VerifiedProfile>;
  };
  /** Which optional capabilities the platform has. */
  reconciles: boolean;
  refreshes: boolean;
  unpublishes: boolean;
}

/** Calls give up after this long: generous, so uploads on a loaded machine finish… */
const TIMEOUT_MS = 15_000;
/** …except in the test of a platform that never answers. */
const HANG_TIMEOUT_MS = 1_000;

/**
 * The one suite every platform adapter passes (docs/platforms.md): rules, the real publishing
 * flow against the platform's fake, each error class from the platform's documented answers,
 * unknown outcomes and reconcile, token refresh, delete.
 */
export function adapterContract<F extends ContractFake>(subject: ContractSubject<F>): void {
  describe(`${subject.platform}${subject.mode ? ` (${subject.mode})` : ''} adapter contract`, () => {
    let fake: F;
    let adapter: PlatformAdapter;
    const host = new MediaHost();

    beforeAll(async () => {
      await host.start();
      fake = await subject.startFake();
      adapter = subject.adapter({ baseUrl: fake.url, timeoutMs: TIMEOUT_MS });
    });
    afterAll(async () => {
      await fake?.stop();
      await host.stop();
    });

    // Each request posts its own text: platforms searched by content must not mistake one for another.
    let n = 0;
    const request = (account = subject.account(fake)) => {
      n += 1;
      const content = { ...subject.post.content, text: `${subject.post.content.text} #${n}` };
      return publishRequest(account, content, subject.post.options, host.serve(subject.post.media));
    };
    const failureOf = async (promise: Promise<unknown>) => {
      const err = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(PublishError);
      return (err as PublishError).failure;
    };

    test('the rules accept the post and refuse each invalid one, naming its fields', () => {
      const known = subject.post.media.map((m) => ({
        kind: m.contentType.startsWith('image/') ? ('image' as const) : ('video' as const),
        contentType: m.contentType,
        sizeBytes: m.bytes.length,
      }));
      const options = subject.post.options;
      expect(
        checkPlatformRules(subject.platform, subject.post.content, options, 'platform_data', known),
      ).toEqual([]);
      // A key the adapter does not act on (a typo) is refused, never ignored.
      expect(
        checkPlatformRules(
          subject.platform,
          subject.post.content,
          { ...options, not_an_option: true },
          'platform_data',
          known,
        ).map((i) => i.field),
      ).toEqual(['platform_data.not_an_option']);
      for (const bad of subject.invalid) {
        const issues = checkPlatformRules(
          subject.platform,
          bad.content,
          bad.options ?? options,
          'platform_data',
          bad.media,
        );
        expect({ name: bad.name, fields: issues.map((i) => i.field).sort() }).toEqual({
          name: bad.name,
          fields: [...bad.fields].sort(),
        });
        for (const issue of issues) expect(issue.platform).toBe(subject.platform);
      }
    });

    test('publishes the post once, with its media, and returns where it lives', async () => {
      const before = subject.published(fake).length;
      const receipt = await runDelivery(adapter, request());
      const ledger = subject.published(fake);
      expect(ledger).toHaveLength(before + 1);
      const post = ledger.at(-1)!;
      expect(receipt.platformPostId).toBe(post.id);
      expect(post.media).toBe(subject.post.media.length);
      expect(post.text).toContain(subject.post.content.text);
      expect(receipt.permalink).toMatch(/^https?:\/\//);
      expect(Number.isNaN(Date.parse(receipt.publishedAt))).toBe(false);
    });

    test('a validation answer fails for good, and publishes nothing', async () => {
      const before = subject.published(fake).length;
      fake.inject(subject.publishCall, subject.errors.validation);
      const failure = await failureOf(runDelivery(adapter, request()));
      expect(failure).toMatchObject({ category: 'validation', retryable: false, outcomeUnknown: false });
      expect(failure.code).toMatch(new RegExp(`^platform\\.${subject.platform}\\.`));
      expect(subject.published(fake)).toHaveLength(before);
    });

    test('an auth answer asks for a token refresh where the platform has one', async () => {
      fake.inject(subject.publishCall, subject.errors.auth);
      const failure = await failureOf(runDelivery(adapter, request()));
      expect(failure).toMatchObject({ category: 'auth', retryable: false, outcomeUnknown: false });
      expect(!!failure.refreshable).toBe(subject.refreshes);
    });

    test('a rate limit is retryable after the wait the platform asked for', async () => {
      fake.inject(subject.publishCall, subject.errors.rateLimit);
      const failure = await failureOf(runDelivery(adapter, request()));
      expect(failure).toMatchObject({ category: 'rate_limit', retryable: true, outcomeUnknown: false });
      expect(failure.retryAfterMs).toBeGreaterThan(subject.errors.rateLimit.expectedRetryAfterMs - 2_000);
      expect(failure.retryAfterMs).toBeLessThanOrEqual(subject.errors.rateLimit.expectedRetryAfterMs + 1_000);
    });

    test('a server error is retryable, and no blind retry where the platform may have acted', async () => {
      fake.inject(subject.publishCall, subject.errors.server);
      const failure = await failureOf(runDelivery(adapter, request()));
      expect(failure.category).toBe('platform');
      expect(failure.retryable || failure.outcomeUnknown).toBe(true);
    });

    test('a lost answer leaves the outcome unknown; reconcile finds the one post', async () => {
      const before = subject.published(fake).length;
      const req = request();
      fake.inject(subject.publishCall, { kind: 'lose-answer' });
      const failure = await failureOf(runDelivery(adapter, req));
      expect(failure.outcomeUnknown).toBe(true);
      const ledger = subject.published(fake);
      expect(ledger).toHaveLength(before + 1);
      if (subject.reconciles) {
        expect(adapter.searchable?.(req.account) ?? true).toBe(true);
        expect((await adapter.findExisting!(req))?.platformPostId).toBe(ledger.at(-1)!.id);
        expect(await adapter.findExisting!(request())).toBeNull();
      } else if (adapter.findExisting) {
        // The platform reconciles, this kind of account cannot (a Discord webhook): the engine is
        // told so (no lookup), and the lookup itself refuses, never answers "absent".
        expect(adapter.searchable?.(req.account)).toBe(false);
        expect(await failureOf(adapter.findExisting(req))).toMatchObject({ retryable: false });
      } else {
        expect(adapter.findExisting).toBeUndefined();
      }
    });

    test('a platform that does not answer in time leaves the outcome unknown', async () => {
      const impatient = subject.adapter({ baseUrl: fake.url, timeoutMs: HANG_TIMEOUT_MS });
      fake.inject(subject.publishCall, { kind: 'hang' });
      const failure = await failureOf(runDelivery(impatient, request()));
      expect(failure).toMatchObject({ category: 'platform', retryable: true, outcomeUnknown: true });
    });

    test('a connection that never opened is retried without doubt', async () => {
      const nowhere = await closedPortUrl();
      const down = subject.adapter({ baseUrl: nowhere, timeoutMs: TIMEOUT_MS });
      const account = withUrl(subject.account(fake), fake.url, nowhere);
      const failure = await failureOf(runDelivery(down, request(account)));
      expect(failure).toMatchObject({ retryable: true, outcomeUnknown: false });
    });

    if (subject.refreshes) {
      test('refreshes an expired token, and a dead refresh token means reconnecting', async () => {
        const account = subject.account(fake);
        const expired = { ...account.credentials, expires_at: new Date(Date.now() - 1000).toISOString() };
        const calls = fake.requests.length;
        const failure = await failureOf(runDelivery(adapter, request({ ...account, credentials: expired })));
        expect(failure).toMatchObject({ category: 'auth', refreshable: true });
        expect(fake.requests.length).toBe(calls); // known expired: the platform is not even called

        const fresh = await adapter.refresh!(account);
        expect(fresh.access_token).toBeTruthy();
        expect(fresh.access_token).not.toBe(account.credentials.access_token);
        const renewed = { ...account, credentials: { ...account.credentials, ...fresh } };
        await expect(runDelivery(adapter, request(renewed))).resolves.toHaveProperty('platformPostId');

        const dead = subject.deadRefresh
          ? subject.deadRefresh(account)
          : { ...account, credentials: { ...account.credentials, refresh_token: 'rt_revoked' } };
        const refused = await failureOf(adapter.refresh!(dead));
        expect(refused).toMatchObject({ category: 'auth', retryable: false });
      });
    } else {
      test('has no token to refresh', () => {
        expect(adapter.refresh).toBeUndefined();
      });
    }

    const verify = subject.verify;
    if (verify) {
      test('checks credentials with the platform: whose they are, or refused; nothing posted', async () => {
        const credentials = verify.credentials(fake);
        const secretsOf = (c: Record<string, string>) =>
          Object.entries(c)
            .filter(([key]) => /password|token|secret|key/.test(key))
            .map(([, value]) => value);
        const posted = subject.published(fake).length;
        const account = { id: 'acc_check', platform: subject.platform, name: 'check', credentials };
        const profile = await adapter.verifyCredentials!(account, new AbortController().signal);
        expect(profile).toMatchObject(verify.profile(fake));
        expect(profile.id).toBeTruthy();
        const wrong = { ...account, credentials: verify.wrong(credentials) };
        const refused = await failureOf(adapter.verifyCredentials!(wrong, new AbortController().signal));
        expect(refused).toMatchObject({ caused_by: 'user', retryable: false });
        // Neither the profile nor the refusal repeats a secret.
        for (const secret of [...secretsOf(credentials), ...secretsOf(wrong.credentials)])
          expect(`${JSON.stringify(profile)} ${refused.message}`).not.toContain(secret);
        expect(subject.published(fake)).toHaveLength(posted);
      });
    } else {
      test('cannot check credentials with the platform', () => {
        expect(adapter.verifyCredentials).toBeUndefined();
      });
    }

    const comments = subject.comments;
    if (comments) {
      test('comments once under the published post; the comment can be looked up', async () => {
        const req = request();
        const receipt = await runDelivery(adapter, req);
        const first = commentRequest(req, receipt, `First comment ${n}`);
        const made = await adapter.comment!(first);
        const under = comments.under(fake, receipt.platformPostId);
        expect(under).toEqual([{ id: made.commentId, text: expect.stringContaining(`First comment ${n}`) }]);
        if (adapter.findComment) {
          expect((await adapter.findComment(first))?.commentId).toBe(made.commentId);
          const other = commentRequest(req, receipt, 'A comment nobody made');
          expect(await adapter.findComment(other)).toBeNull();
        }
      });

      test('a lost comment answer leaves the outcome unknown; the one comment is found', async () => {
        const req = request();
        const receipt = await runDelivery(adapter, req);
        const first = commentRequest(req, receipt, `Lost comment ${n}`);
        fake.inject(comments.call, { kind: 'lose-answer' });
        const failure = await failureOf(adapter.comment!(first));
        expect(failure.outcomeUnknown).toBe(true);
        const under = comments.under(fake, receipt.platformPostId);
        expect(under).toHaveLength(1);
        if (adapter.findComment) expect((await adapter.findComment(first))?.commentId).toBe(under[0]!.id);
      });

      test('a refused comment fails for good and makes nothing', async () => {
        const req = request();
        const receipt = await runDelivery(adapter, req);
        fake.inject(comments.call, subject.errors.validation);
        const failure = await failureOf(adapter.comment!(commentRequest(req, receipt, 'Refused')));
        expect(failure).toMatchObject({ retryable: false, outcomeUnknown: false });
        expect(comments.under(fake, receipt.platformPostId)).toEqual([]);
      });
    } else {
      test('takes no first comment', async () => {
        if (!adapter.comment) {
          expect(adapter.findComment).toBeUndefined();
          return;
        }
        // The platform has comments, this kind of account cannot make them (a Discord webhook):
        // the comment call says so before any call, as the engine's comments_unsupported warning.
        const req = request();
        const receipt = await runDelivery(adapter, req);
        const calls = fake.requests.length;
        const failure = await failureOf(adapter.comment(commentRequest(req, receipt, 'Unsupported')));
        expect(failure).toMatchObject({
          code: `platform.${subject.platform}.comments_unsupported`,
          retryable: false,
          outcomeUnknown: false,
        });
        expect(fake.requests.length).toBe(calls);
      });
    }

    const thread = subject.thread;
    if (thread) {
      /** A post with a thread of two replies, unique to the test. */
      const threaded = () => {
        const req = request();
        return { ...req, content: { ...req.content, segments: [`One of ${n}`, `Two of ${n}`] } };
      };
      /** Prepare and publish: the post is live, the thread's replies are steps still to run. */
      const publishRoot = async (req: PublishRequest) => {
        let prepared = await (adapter.prepare?.(req) ?? { ready: {} });
        while (isProcessing(prepared)) prepared = await adapter.checkPrepared!(req, prepared.processing);
        return adapter.publish(req, prepared.ready);
      };
      const checkUntilDone = async (req: PublishRequest, step: Published) => {
        for (let polls = 0; isProcessing(step); polls++) {
          if (polls > 10) throw new Error('the thread never finished');
          step = await adapter.checkPublished!(req, step.processing);
        }
        return step;
      };
      /** The fake's chain from `root`: each post replying to the one before. */
      const chainFrom = (root: string) => {
        const posts = thread.posts(fake);
        const chain = [posts.find((p) => p.id === root)!];
        for (;;) {
          const parent = chain.at(-1)!.id;
          const reply = posts.find((p) => p.replyTo === parent);
          if (!reply) break;
          chain.push(reply);
        }
        return chain.map((p) => ({ id: p.id, text: p.text }));
      };
      const segmentsOf = (req: PublishRequest) =>
        req.content.segments!.map((t) => expect.stringContaining(t));

      test('a thread publishes in order, once, and the receipt lists every post, root first', async () => {
        const req = threaded();
        const receipt = await runDelivery(adapter, req);
        const chain = chainFrom(receipt.platformPostId);
        expect(chain.slice(1).map((p) => p.text)).toEqual(segmentsOf(req));
        expect(receipt.metadata?.thread_post_ids).toEqual(chain.map((p) => p.id));
        expect(receipt.warnings).toBeUndefined();
      });

      test('a lost answer mid-thread: the step is tried again and resumes without a duplicate', async () => {
        const req = threaded();
        let step: Published = await publishRoot(req);
        // Past the permalink read (Threads) and the first reply: the second reply's answer is lost.
        while (isProcessing(step) && stringList(step.processing.thread_ids).length < 2) {
          step = await adapter.checkPublished!(req, step.processing);
        }
        if (!isProcessing(step)) throw new Error('expected a reply still to make');
        fake.inject(thread.call, { kind: 'lose-answer' });
        // Tried again as a step of its own (kit/thread.ts), which looks for the reply first.
        const retried = await adapter.checkPublished!(req, step.processing);
        expect(retried).toMatchObject({ processing: { reply_tries: 1 } });
        const receipt = await checkUntilDone(req, retried);
        const chain = chainFrom(receipt.platformPostId);
        expect(chain.slice(1).map((p) => p.text)).toEqual(segmentsOf(req));
        expect(thread.posts(fake).filter((p) => p.text.includes(`Two of ${n}`))).toHaveLength(1);
        expect(receipt.metadata?.thread_post_ids).toEqual(chain.map((p) => p.id));
      });

      test('a lost answer on the post itself: reconcile finds it, and its thread goes on from it, once', async () => {
        const req = threaded();
        fake.inject(subject.publishCall, { kind: 'lose-answer' });
        await expect(publishRoot(req)).rejects.toBeInstanceOf(PublishError);
        const found = await adapter.findExisting!(req);
        expect(found).not.toBeNull();
        const receipt = await checkUntilDone(req, adapter.continueFound!(req, found!));
        const chain = chainFrom(receipt.platformPostId);
        expect(chain.slice(1).map((p) => p.text)).toEqual(segmentsOf(req));
        expect(receipt.metadata?.thread_post_ids).toEqual(chain.map((p) => p.id));
        // Found again (a second lost answer, a restart): the replies already made are not made again.
        const again = await checkUntilDone(
          req,
          adapter.continueFound!(req, (await adapter.findExisting!(req))!),
        );
        expect(again.metadata?.thread_post_ids).toEqual(chain.map((p) => p.id));
        expect(thread.posts(fake).filter((p) => p.text.includes(`Two of ${n}`))).toHaveLength(1);
      });

      test('a reply refused for good: the post is published, with where the thread stopped and a warning', async () => {
        const req = threaded();
        const published = await publishRoot(req);
        fake.inject(thread.call, subject.errors.validation);
        const receipt = await checkUntilDone(req, published);
        expect(receipt).toMatchObject({
          metadata: { thread_post_ids: [receipt.platformPostId], thread_failed_at_index: 1 },
          warnings: [
            {
              code: `platform.${subject.platform}.thread_incomplete`,
              message: expect.stringContaining('part 2 of the thread'),
            },
          ],
        });
        expect(chainFrom(receipt.platformPostId)).toHaveLength(1);
      });
    }

    if (subject.unpublishes) {
      test('deletes a published post, and deleting it again is not an error', async () => {
        const account = subject.account(fake);
        const receipt = await runDelivery(adapter, request(account));
        const signal = new AbortController().signal;
        const del = { account, platformPostId: receipt.platformPostId, signal };
        expect(await adapter.unpublish!(del)).toBe('deleted');
        expect(subject.published(fake).some((p) => p.id === receipt.platformPostId)).toBe(false);
        expect(await adapter.unpublish!(del)).toBe('deleted');
      });
    }
  });
}

/**
 * Accounts of self-hosted platforms (Mastodon, Bluesky) carry their server's URL; Nostr's, their
 * relay's, the same address as ws://.
 */
function withUrl(account: AccountContext, from: string, to: string): AccountContext {
  const ws = (url: string) => url.replace(/^http/, 'ws');
  const moved = (v: string) =>
    v.startsWith(from)
      ? to + v.slice(from.length)
      : v.startsWith(ws(from))
        ? ws(to) + v.slice(ws(from).length)
        : v;
  const credentials = Object.fromEntries(Object.entries(account.credentials).map(([k, v]) => [k, moved(v)]));
  return { ...account, credentials };
}
