import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toPublishFailure } from '../../activities/errors';
import { PublishError } from '../../platforms/kit/adapter';
import { platformFetch, postedSince, resetAfterMs, retryAfterMs } from '../../platforms/kit/http';
import { altTextAt, sameText, searchableText, stringList } from '../../platforms/kit/content';
import { ConcurrencyLimit, SlotWaitTimeout } from '../../activities/platforms/limiter';
import { assertTokenFresh, oauthClient, refreshOAuth2 } from '../../platforms/kit/oauth2';
import { textLength } from '../../platforms/text-length';
import { closedPortUrl } from '../contracts/run-delivery';

describe('text as each platform counts it', () => {
  test('code points, UTF-16 units, bytes and graphemes differ on emoji and accents', () => {
    const text = 'héllo 👋🏽';
    expect(textLength(text, 'codepoints')).toBe(8);
    expect(textLength(text, 'utf16')).toBe(10);
    expect(textLength(text, 'bytes')).toBe(15);
    expect(textLength(text, 'graphemes')).toBe(7);
  });

  test("X's weighted count: URLs are 23, CJK and emoji 2, Latin 1", () => {
    expect(textLength('hello', 'weighted')).toBe(5);
    expect(textLength('see https://example.com/a/very/long/path/that/keeps/going', 'weighted')).toBe(4 + 23);
    expect(textLength('日本', 'weighted')).toBe(4);
    expect(textLength('👋🏽!', 'weighted')).toBe(3);
    // Every code point on its own, after NFC: a Devanagari syllable of four, a decomposed é one.
    expect(textLength('क्षि', 'weighted')).toBe(4);
    expect(textLength('cafe\u0301', 'weighted')).toBe(4);
    expect(textLength('1\ufe0f\u20e3', 'weighted')).toBe(2); // a keycap emoji
  });
});

describe('platform waits', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  test('Retry-After in seconds or as an HTTP date', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '30' }), now)).toBe(30_000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:01:00 GMT' }), now)).toBe(60_000);
    expect(retryAfterMs(new Headers(), now)).toBeUndefined();
  });

  test('reset headers in epoch seconds (X) or ISO instants (Mastodon)', () => {
    expect(resetAfterMs(String(now / 1000 + 90), now)).toBe(90_000);
    expect(resetAfterMs('2026-01-01T00:00:45.000Z', now)).toBe(45_000);
    expect(resetAfterMs('2025-12-31T00:00:00Z', now)).toBe(0);
    expect(resetAfterMs(null, now)).toBeUndefined();
  });

  test('posts from before a delivery began, less two minutes of skew, are not its own', () => {
    const since = '2026-01-01T00:10:00Z';
    expect(postedSince('2026-01-01T00:09:00Z', since)).toBe(true);
    expect(postedSince('2026-01-01T00:07:00Z', since)).toBe(false);
  });
});

describe('platformFetch', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/reset') return void req.socket.destroy();
      if (path === '/hang') return;
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const failure = async (path: string, irreversible: boolean, base = url) => {
    const err = await platformFetch(
      `${base}${path}?access_token=SECRET`,
      {},
      { platform: 'demo', signal: new AbortController().signal, irreversible, timeoutMs: 300 },
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PublishError);
    expect((err as Error).message).not.toContain('SECRET');
    return (err as PublishError).failure;
  };

  test('a connection refused is retryable and certainly did nothing', async () => {
    expect(await failure('/', true, await closedPortUrl())).toMatchObject({
      code: 'platform.demo.unreachable',
      retryable: true,
      outcomeUnknown: false,
    });
  });

  test('a reset or a timeout after sending leaves an irreversible call unknown', async () => {
    expect(await failure('/reset', true)).toMatchObject({ retryable: true, outcomeUnknown: true });
    expect(await failure('/hang', true)).toMatchObject({
      code: 'platform.demo.timeout',
      outcomeUnknown: true,
    });
    expect(await failure('/reset', false)).toMatchObject({ retryable: true, outcomeUnknown: false });
  });

  test('cancellation is not turned into a platform failure', async () => {
    const controller = new AbortController();
    const call = platformFetch(`${url}/hang`, {}, { platform: 'demo', signal: controller.signal });
    controller.abort();
    await expect(call).rejects.not.toBeInstanceOf(PublishError);
  });
});

describe('OAuth 2.0 refresh', () => {
  let server: Server;
  let url: string;
  const seen: Array<{ authorization?: string; body: string }> = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ authorization: req.headers.authorization, body });
        const form = new URLSearchParams(body);
        res.setHeader('content-type', 'application/json');
        if (form.get('refresh_token') === 'dead') {
          res.statusCode = 400;
          return void res.end(JSON.stringify({ error: 'invalid_grant', error_description: 'revoked' }));
        }
        if (form.get('refresh_token') === 'flaky') {
          res.statusCode = 503;
          return void res.end('{}');
        }
        res.end(JSON.stringify({ access_token: 'new-at', refresh_token: 'new-rt', expires_in: 3600 }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  });
  afterAll(() => server.close());

  test('returns the new tokens with their expiry, client credentials by Basic auth or in the body', async () => {
    const basic = await refreshOAuth2({
      platform: 'demo',
      tokenUrl: url,
      clientId: 'id',
      clientSecret: 'secret',
      refreshToken: 'rt',
      clientAuth: 'basic',
    });
    expect(basic).toMatchObject({ access_token: 'new-at', refresh_token: 'new-rt' });
    expect(Date.parse(basic.expires_at!)).toBeGreaterThan(Date.now() + 3_500_000);
    expect(seen.at(-1)!.authorization).toBe(`Basic ${Buffer.from('id:secret').toString('base64')}`);
    await refreshOAuth2({ platform: 'demo', tokenUrl: url, clientId: 'id', refreshToken: 'rt' });
    expect(new URLSearchParams(seen.at(-1)!.body).get('client_id')).toBe('id');
  });

  test('a refused grant is final; a server error is retryable', async () => {
    const dead = await refreshOAuth2({
      platform: 'demo',
      tokenUrl: url,
      clientId: 'id',
      refreshToken: 'dead',
    }).catch((e: PublishError) => e.failure);
    expect(dead).toMatchObject({ category: 'auth', code: 'account.reconnection_required', retryable: false });
    const flaky = await refreshOAuth2({
      platform: 'demo',
      tokenUrl: url,
      clientId: 'id',
      refreshToken: 'flaky',
    }).catch((e: PublishError) => e.failure);
    expect(flaky).toMatchObject({ category: 'platform', retryable: true });
  });

  test('an expired token is noticed before any call; the OAuth client comes from the account or the environment', () => {
    const past = new Date(Date.now() - 1000).toISOString();
    expect(() => assertTokenFresh('demo', { refresh_token: 'rt', expires_at: past })).toThrow(PublishError);
    expect(() =>
      assertTokenFresh('demo', {
        refresh_token: 'rt',
        expires_at: new Date(Date.now() + 3_600_000).toISOString(),
      }),
    ).not.toThrow();
    expect(() => assertTokenFresh('demo', { expires_at: past })).not.toThrow(); // nothing to refresh with
    expect(oauthClient('demo', { client_id: 'own' }, { POSTFLOW_DEMO_CLIENT_ID: 'env' })).toEqual({
      clientId: 'own',
    });
    expect(
      oauthClient('demo', {}, { POSTFLOW_DEMO_CLIENT_ID: 'env', POSTFLOW_DEMO_CLIENT_SECRET: 's' }),
    ).toEqual({
      clientId: 'env',
      clientSecret: 's',
    });
    expect(() => oauthClient('demo', {}, {})).toThrow(/POSTFLOW_DEMO_CLIENT_ID/);
  });
});

test('a concurrency limit runs at most its maximum at once, the rest in order', async () => {
  const limit = new ConcurrencyLimit(2);
  let running = 0;
  let peak = 0;
  const order: number[] = [];
  await Promise.all(
    [1, 2, 3, 4, 5].map((n) =>
      limit.run(async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        order.push(n);
        running -= 1;
      }),
    ),
  );
  expect(peak).toBe(2);
  expect(order).toHaveLength(5);
});

test('a call that waits too long for a slot gives up without running', async () => {
  const limit = new ConcurrencyLimit(1);
  let release!: () => void;
  const holder = limit.run(() => new Promise<void>((resolve) => (release = resolve)));
  let ran = false;
  await expect(
    limit.run(async () => {
      ran = true;
    }, 20),
  ).rejects.toBeInstanceOf(SlotWaitTimeout);
  expect(ran).toBe(false);
  release();
  await holder;
  await expect(limit.run(async () => 'free again', 20)).resolves.toBe('free again');
});

describe('recognising a post by its content', () => {
  test('texts match across whitespace changes platforms make', () => {
    expect(sameText('Hello\n\nworld ', 'Hello world')).toBe(true);
    expect(sameText('Hello world', 'Hello, world')).toBe(false);
    expect(sameText(undefined, '')).toBe(true);
  });

  test('a post without text cannot be looked up by content: the lookup is refused, not empty', () => {
    expect(searchableText('demo', 'some words')).toBe('some words');
    const refused = (() => {
      try {
        searchableText('demo', ' \n ');
      } catch (err) {
        return (err as PublishError).failure;
      }
    })();
    expect(refused).toMatchObject({
      code: 'platform.demo.unsearchable',
      retryable: false,
      outcomeUnknown: false,
    });
  });

  test('alt text per media item, the single alt_text for the first; list options as strings', () => {
    expect(altTextAt({ alt_texts: ['a', 'b'] }, 1)).toBe('b');
    expect(altTextAt({ alt_text: 'only' }, 0)).toBe('only');
    expect(altTextAt({ alt_text: 'only' }, 1)).toBeUndefined();
    expect(stringList([1, 'x'])).toEqual(['1', 'x']);
    expect(stringList('x')).toEqual([]);
  });
});

describe('which step failures Temporal retries in place', () => {
  const failure = (patch: Partial<PublishError['failure']>) =>
    new PublishError({
      category: 'platform',
      caused_by: 'platform',
      code: 'platform.demo.x',
      message: 'x',
      retryable: false,
      outcomeUnknown: false,
      ...patch,
    });

  test('a transient failure of a prepare or check step is retried in place, after the wait asked for', () => {
    const retried = toPublishFailure(failure({ retryable: true, retryAfterMs: 5_000 }), { retryHere: true });
    expect(retried.nonRetryable).toBe(false);
    expect(retried.nextRetryDelay).toBe(5_000);
  });

  test('a final failure with an unknown outcome, an expired token, or any publish failure goes back to the workflow', () => {
    expect(toPublishFailure(failure({ outcomeUnknown: true }), { retryHere: true }).nonRetryable).toBe(true);
    expect(
      toPublishFailure(failure({ retryable: true, refreshable: true }), { retryHere: true }).nonRetryable,
    ).toBe(true);
    expect(toPublishFailure(failure({ retryable: true })).nonRetryable).toBe(true);
  });
});
