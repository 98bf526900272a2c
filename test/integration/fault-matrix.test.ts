import { MastodonFake } from '../../platforms/mastodon/fake';
import { TwitterFake } from '../../platforms/twitter/fake';
import { FaultProxy } from '../helpers/fault-proxy';
import { recordFigures } from '../helpers/figures';
import { publishFailureCodes } from '../helpers/history';
import { Stack } from '../helpers/stack';

/**
 * Platform faults through the real stack (Temporal dev server, `postflow worker`, `postflow api`):
 * Mastodon (self-hosted, Idempotency-Key, no token refresh) and X (OAuth 2.0 with rotating refresh
 * tokens, reconcile through the timeline), each played by its fake behind a FaultProxy. Every row
 * is its own account and post, and its faults match only its post's text, so all rows run at once.
 * Each row ends in the right per-target status and code, with the platform's own ledger showing
 * the post exactly once (published) or not at all (failed).
 *
 * The engine's real settings are used: a platform call counts as lost after 60 s, an unknown
 * outcome is looked up after 2 s and a miss believed after a second look 30 s later.
 */
type Platform = 'mastodon' | 'twitter';

interface Expected {
  status: 'published' | 'failed';
  /** The target's error code when it failed. */
  code?: string;
  attempts: number;
  /** The codes of the failed platform calls on the way, in order (from the workflow's history). */
  codes: string[];
  accountStatus?: 'active' | 'reconnect_required';
}

interface Row {
  platform: Platform;
  fault: string;
  /** Sets the fault up for this row's post (`marker` is its text) and account. */
  arrange(marker: string, credentials: Record<string, string>): void | Promise<void>;
  /** Runs while the post is delivered (an outage that ends); returns the post's status meanwhile. */
  during?(postId: string): Promise<string>;
  expected: Expected;
}

/** How long a platform stays down in the outage rows. */
const OUTAGE_MS = 120_000;
const nonce = Date.now().toString(36);

const x = new TwitterFake();
const mastodon = new MastodonFake();
let xProxy: FaultProxy;
let mastodonProxy: FaultProxy;
/** Mastodon servers are per account: the outage row's account lives on one that goes down. */
let mastodonOutage: FaultProxy;
let stack: Stack;

const proxyOf = (platform: Platform) => (platform === 'twitter' ? xProxy : mastodonProxy);
const statusPath = (platform: Platform) => (platform === 'twitter' ? '/2/tweets' : '/api/v1/statuses');

/** A row whose fault hits this platform's publish call once (or `times` times). */
function onPublish(
  platform: Platform,
  fault: string,
  proxyFault: Parameters<FaultProxy['add']>[0]['fault'],
  expected: Expected,
  times = 1,
): Row {
  return {
    platform,
    fault,
    arrange: (marker) =>
      proxyOf(platform).add({ method: 'POST', path: statusPath(platform), marker, fault: proxyFault, times }),
    expected,
  };
}

const published = (attempts: number, codes: string[]): Expected => ({
  status: 'published',
  attempts,
  codes,
  accountStatus: 'active',
});

/** X's 429 headers: the 15-minute window is spent and resets in `seconds`. */
const xRateLimit = (seconds: number) => ({
  'x-rate-limit-limit': '100',
  'x-rate-limit-remaining': '0',
  'x-rate-limit-reset': String(Math.ceil(Date.now() / 1000) + seconds),
});

function rowsOf(platform: Platform): Row[] {
  const p = `platform.${platform}`;
  const problem = (status: number, title: string) =>
    platform === 'twitter' ? { title, detail: title, type: 'about:blank', status } : { error: title };
  return [
    onPublish(
      platform,
      'timeout after the request was sent (the post is made, the answer never comes)',
      { kind: 'swallow' },
      published(1, [`${p}.timeout`]),
    ),
    onPublish(
      platform,
      'connection lost after the post was made',
      { kind: 'lose-answer' },
      published(1, [`${p}.unreachable`]),
    ),
    onPublish(
      platform,
      'connection reset before the platform acted',
      { kind: 'reset' },
      published(2, [`${p}.unreachable`]),
    ),
    onPublish(
      platform,
      '500 (the platform may have acted)',
      { kind: 'answer', response: { status: 500, body: problem(500, 'Internal Server Error') } },
      published(2, [`${p}.api_error`]),
    ),
    onPublish(
      platform,
      '503 twice',
      { kind: 'answer', response: { status: 503, body: problem(503, 'Service Unavailable') } },
      published(3, [`${p}.unavailable`, `${p}.unavailable`]),
      2,
    ),
    {
      platform,
      fault: 'rate limit (429) with its reset time (6 s)',
      arrange: (marker) =>
        proxyOf(platform).add({
          method: 'POST',
          path: statusPath(platform),
          marker,
          fault: {
            kind: 'answer',
            response: {
              status: 429,
              body: problem(429, 'Too Many Requests'),
              // Each platform's own way of saying when: X's window reset, Mastodon's X-RateLimit-Reset.
              headers:
                platform === 'twitter'
                  ? xRateLimit(6)
                  : { 'x-ratelimit-reset': new Date(Date.now() + 6_000).toISOString() },
            },
          },
        }),
      expected: published(2, [`${p}.rate_limit`]),
    },
    onPublish(
      platform,
      'rate limit (429) without a time',
      { kind: 'answer', response: { status: 429, body: problem(429, 'Too Many Requests') } },
      published(2, [`${p}.rate_limit`]),
    ),
  ];
}

const rows: Row[] = [
  ...rowsOf('mastodon'),
  ...rowsOf('twitter'),
  {
    platform: 'twitter',
    fault: '401, the access token expired (refresh works)',
    arrange: (_marker, credentials) => void x.accessTokens.delete(credentials.access_token!),
    expected: published(2, ['platform.twitter.auth']),
  },
  {
    platform: 'twitter',
    fault: '401, the grant was revoked (refresh refused)',
    arrange: (_marker, credentials) => {
      x.accessTokens.delete(credentials.access_token!);
      x.refreshTokens.delete(credentials.refresh_token!);
    },
    expected: {
      status: 'failed',
      code: 'account.reconnection_required',
      attempts: 1,
      codes: ['platform.twitter.auth'],
      accountStatus: 'reconnect_required',
    },
  },
  {
    platform: 'mastodon',
    // Mastodon tokens do not expire: a 401 means the token was revoked, and there is no refresh.
    // The account is marked for reconnection, so later posts fail at once with the same hint.
    fault: '401, the token was revoked (no refresh on Mastodon)',
    arrange: (_marker, credentials) => void mastodon.accessTokens.delete(credentials.access_token!),
    expected: {
      status: 'failed',
      code: 'account.reconnection_required',
      attempts: 1,
      codes: ['account.reconnection_required'],
      accountStatus: 'reconnect_required',
    },
  },
  {
    platform: 'mastodon',
    fault: `server down for ${OUTAGE_MS / 60_000} min (connections refused), then back`,
    arrange: () => mastodonOutage.down(),
    async during(postId) {
      await sleep(OUTAGE_MS);
      const { body } = await stack.request('GET', `/v1/posts/${postId}`);
      await mastodonOutage.up();
      return body.status;
    },
    expected: { status: 'published', attempts: -1, codes: [], accountStatus: 'active' },
  },
  {
    platform: 'twitter',
    fault: `API answering 503 for ${OUTAGE_MS / 60_000} min, then back`,
    arrange: (marker) =>
      xProxy.add({
        method: 'POST',
        path: '/2/tweets',
        marker,
        fault: { kind: 'answer', response: { status: 503, body: { title: 'Service Unavailable' } } },
        until: Date.now() + OUTAGE_MS,
      }),
    async during(postId) {
      await sleep(OUTAGE_MS - 5_000);
      return (await stack.request('GET', `/v1/posts/${postId}`)).body.status;
    },
    expected: { status: 'published', attempts: -1, codes: [], accountStatus: 'active' },
  },
];

/** `a, a, b` → `a ×2, b`: a figure cell, not a log. */
function counted(codes: string[]): string {
  const runs: Array<[string, number]> = [];
  for (const code of codes) {
    if (runs.at(-1)?.[0] === code) runs.at(-1)![1] += 1;
    else runs.push([code, 1]);
  }
  return runs.map(([code, n]) => (n > 1 ? `${code} ×${n}` : code)).join(', ') || '—';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Outcome {
  post: any;
  target: any;
  codes: string[];
  ledger: number;
  accountStatus: string;
  statusDuring?: string;
  settleS: number;
}

async function createAccount(
  platform: Platform,
  server: FaultProxy,
): Promise<{ id: string; credentials: Record<string, string> }> {
  const credentials =
    platform === 'twitter' ? x.credentials() : { ...mastodon.credentials(), instance_url: server.url };
  const { status, body } = await stack.request('POST', '/v1/accounts', {
    platform,
    name: `${platform} account`,
    credentials,
  });
  if (status !== 201) throw new Error(`account creation failed: ${status} ${JSON.stringify(body)}`);
  return { id: body.id, credentials };
}

function ledger(platform: Platform, marker: string): number {
  return platform === 'twitter'
    ? x.posts.filter((p) => p.text === marker).length
    : mastodon.statuses.filter((s) => s.text === marker).length;
}

async function run(row: Row, i: number): Promise<Outcome> {
  const marker = `fault matrix ${nonce} row ${i} ${row.platform}`;
  // The Mastodon outage row's account lives on its own server, the one that goes down.
  const server = row.during && row.platform === 'mastodon' ? mastodonOutage : mastodonProxy;
  const account = await createAccount(row.platform, server);
  await row.arrange(marker, account.credentials);
  const created = await stack.request('POST', '/v1/posts', {
    text: marker,
    targets: [{ account_id: account.id }],
    publish_now: true,
  });
  if (![200, 201, 202].includes(created.status))
    throw new Error(`post creation failed: ${created.status} ${JSON.stringify(created.body)}`);
  const statusDuring = row.during ? await row.during(created.body.id) : undefined;
  const post = await stack.waitForPost(created.body.id, undefined, 10 * 60_000);
  // From creation to the post's last change, its final status (the test may look later).
  const settleS = Math.round((Date.parse(post.updated_at) - Date.parse(post.created_at)) / 1000);
  return {
    post,
    target: post.targets[0],
    codes: await publishFailureCodes(stack.client, created.body.id),
    ledger: ledger(row.platform, marker),
    accountStatus: (await stack.request('GET', `/v1/accounts/${account.id}`)).body.status,
    ...(statusDuring ? { statusDuring } : {}),
    settleS,
  };
}

const outcomes = new Map<Row, Promise<Outcome>>();

beforeAll(async () => {
  await Promise.all([x.start(), mastodon.start()]);
  [xProxy, mastodonProxy, mastodonOutage] = await Promise.all([
    new FaultProxy(x.url).start(),
    new FaultProxy(mastodon.url).start(),
    new FaultProxy(mastodon.url).start(),
  ]);
  stack = await new Stack({
    POSTFLOW_TWITTER_API_URL: xProxy.url,
    POSTFLOW_TWITTER_CLIENT_ID: 'client-1',
    POSTFLOW_TWITTER_CLIENT_SECRET: 'secret-1',
    POSTFLOW_ALLOW_PRIVATE_URLS: 'true',
    POSTFLOW_SYNC_WAIT_MS: '0',
  }).start();
  // Every row at once, each its own account and post; the tests below each await theirs.
  for (const [i, row] of rows.entries()) {
    const outcome = run(row, i);
    outcome.catch(() => undefined); // reported by the row's own test
    outcomes.set(row, outcome);
  }
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(outcomes.values());
  const figures = await Promise.all(
    rows.map(async (row) => {
      const o = await outcomes.get(row)!.catch(() => undefined);
      return [
        row.platform === 'twitter' ? 'X' : 'Mastodon',
        row.fault,
        o ? `${o.target.status}${o.target.error ? ` (${o.target.error.code})` : ''}` : 'did not settle',
        o ? counted(o.codes) : '—',
        o?.target.attempts ?? '—',
        o?.ledger ?? '—',
        o ? `${o.settleS} s` : '—',
      ];
    }),
  );
  recordFigures('fault-matrix', {
    columns: [
      'platform',
      'fault',
      'final status (code)',
      'failed calls on the way',
      'publish attempts',
      'posts on the platform',
      'time to settle',
    ],
    rows: figures,
    notes: [
      `${rows.length} rows, run at once through one stack (Temporal dev server, postflow worker, postflow api), each its own account and post, faults matched by the post's text.`,
      'Settings as shipped: a platform call counts as lost after 60 s; an unknown outcome is looked up after 2 s and a miss believed after a second look 30 s later; retries back off 2 s, 4 s, 8 s …',
    ],
  });
  await stack?.stop();
  await Promise.all([
    xProxy?.stop(),
    mastodonProxy?.stop(),
    mastodonOutage?.stop(),
    x.stop(),
    mastodon.stop(),
  ]);
}, 120_000);

describe.each(
  rows.map((row) => [`${row.platform === 'twitter' ? 'X' : 'Mastodon'}: ${row.fault}`, row] as const),
)('%s', (_name, row) => {
  test(
    `ends ${row.expected.status}${row.expected.code ? ` with ${row.expected.code}` : ''}, on the platform ${row.expected.status === 'published' ? 'once' : 'never'}`,
    async () => {
      const o = await outcomes.get(row)!;
      expect(o.target.status).toBe(row.expected.status);
      expect(o.target.error?.code ?? null).toBe(row.expected.code ?? null);
      expect(o.ledger).toBe(row.expected.status === 'published' ? 1 : 0);
      expect(o.accountStatus).toBe(row.expected.accountStatus);
      if (row.during) {
        // Through the outage the post waited; it published once the platform was back.
        expect(o.statusDuring).toBe('publishing');
      } else {
        expect(o.target.attempts).toBe(row.expected.attempts);
        expect(o.codes).toEqual(row.expected.codes);
      }
      if (o.target.status === 'published') expect(o.target.platform_post_id).toBeTruthy();
    },
    12 * 60_000,
  );
});
