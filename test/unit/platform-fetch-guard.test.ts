import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkOutboundUrl, type OutboundPolicy, type Resolve } from '../../net/guard';
import { PublishError } from '../../platforms/kit/adapter';
import { createBlueskyAdapter } from '../../platforms/bluesky/adapter';
import { platformFetch } from '../../platforms/kit/http';
import { createMastodonAdapter } from '../../platforms/mastodon/adapter';
import type { PublishFailure } from '../../api/types';
import { publishRequest } from '../contracts/run-delivery';
import { BlueskyFake } from '../../platforms/bluesky/fake';
import { REACH_LOOPBACK_FAKES } from '../../platforms/kit/fake-platform';
import { MastodonFake } from '../../platforms/mastodon/fake';

/** What an internal service answers: it must never reach a post's failure. */
const INTERNAL_BODY = 'INTERNAL-ONLY: db_password=hunter2';

/** A real HTTP server on loopback that counts connections (a refused one never connects). */
class LoopbackServer {
  connections = 0;
  requests = 0;
  url = '';
  port = 0;
  private readonly server: Server;

  constructor(answer: (path: string, res: ServerResponse) => void) {
    this.server = createServer((req, res) => {
      this.requests += 1;
      req.resume();
      req.on('end', () => answer(req.url ?? '/', res));
    });
    this.server.on('connection', () => (this.connections += 1));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}`;
    return this;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A resolver under the test's control: a public-looking address first, loopback after (DNS rebinding). */
function rebindingResolver(): Resolve & { calls: number } {
  const resolve = Object.assign(
    async () => {
      resolve.calls += 1;
      return [{ address: resolve.calls === 1 ? '203.0.113.7' : '127.0.0.1', family: 4 }];
    },
    { calls: 0 },
  );
  return resolve;
}

const signal = new AbortController().signal;

async function failureOf(call: Promise<unknown>): Promise<PublishFailure> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PublishError);
  return (err as PublishError).failure;
}

let internal: LoopbackServer;
beforeAll(async () => {
  internal = await new LoopbackServer((_path, res) => res.end(INTERNAL_BODY)).start();
});
afterAll(() => internal.stop());
beforeEach(() => {
  internal.connections = 0;
  internal.requests = 0;
});

describe('platformFetch on a host an account supplied', () => {
  let instance: LoopbackServer;
  beforeAll(async () => {
    // A fake self-hosted instance that sends every request on to the internal service.
    instance = await new LoopbackServer((path, res) =>
      res
        .writeHead(path.startsWith('/temporary') ? 307 : 302, { location: `${internal.url}/admin` })
        .end('moved'),
    ).start();
  });
  afterAll(() => instance.stop());

  test.each([
    ['GET', '/api/v1/accounts/verify_credentials'],
    ['POST', '/temporary/api/v1/statuses'],
  ])('a redirect to 127.0.0.1 (%s) is refused, never followed, and quotes nothing', async (method, path) => {
    const failure = await failureOf(
      platformFetch(
        `${instance.url}${path}`,
        { method, ...(method === 'POST' ? { body: '{"status":"hi"}' } : {}) },
        // The fake itself is on loopback: only the redirect is under test here.
        { platform: 'mastodon', signal, irreversible: method === 'POST', userHost: REACH_LOOPBACK_FAKES },
      ),
    );
    expect(failure).toMatchObject({
      code: 'platform.mastodon.redirect_refused',
      category: 'validation',
      caused_by: 'user',
      retryable: false,
      outcomeUnknown: false,
    });
    expect(failure.message).not.toContain('INTERNAL');
    expect(failure.message).not.toContain(String(internal.port));
    expect(internal.connections).toBe(0);
  });

  test('without the guard the same call would have read the internal service (the test is real)', async () => {
    const response = await platformFetch(`${instance.url}/x`, {}, { platform: 'mastodon', signal });
    expect(await response.text()).toBe(INTERNAL_BODY);
    expect(internal.requests).toBe(1);
  });

  test('a name that resolved to a public address at account creation and to 127.0.0.1 at publish is refused when connecting', async () => {
    const resolve = rebindingResolver();
    const url = `https://mastodon.rebind.test:${internal.port}/api/v1/statuses`;
    // At account creation the name looked public…
    expect(await checkOutboundUrl(url, false, resolve)).toBeUndefined();
    // …at publish it answers loopback, where the internal service listens.
    const failure = await failureOf(
      platformFetch(
        url,
        { method: 'POST', body: '{}' },
        { platform: 'mastodon', signal, irreversible: true, userHost: { allowPrivate: false, resolve } },
      ),
    );
    expect(resolve.calls).toBe(2);
    expect(failure).toMatchObject({
      code: 'platform.mastodon.address_refused',
      retryable: false,
      outcomeUnknown: false,
    });
    expect(failure.message).toMatch(/private or loopback/);
    expect(failure.message).not.toContain('127.0.0.1');
    expect(internal.connections).toBe(0);
  });

  test.each([
    ['a loopback IP literal', (port: number) => `https://127.0.0.1:${port}/api`],
    ['an IPv4-mapped loopback literal', (port: number) => `https://[::ffff:127.0.0.1]:${port}/api`],
    ['plain http', (port: number) => `http://localhost:${port}/api`],
  ])('%s is refused before any connection is opened', async (_name, url) => {
    const failure = await failureOf(
      platformFetch(
        url(internal.port),
        {},
        { platform: 'bluesky', signal, userHost: { allowPrivate: false } },
      ),
    );
    expect(failure).toMatchObject({ code: 'platform.bluesky.address_refused', retryable: false });
    expect(internal.connections).toBe(0);
  });
});

describe('the Mastodon adapter', () => {
  let fake: MastodonFake;
  beforeEach(async () => {
    fake = await new MastodonFake().start();
  });
  afterEach(() => fake.stop());

  const publish = (outbound: OutboundPolicy | undefined, credentials: Record<string, string>) =>
    failureOf(
      createMastodonAdapter(outbound ? { outbound } : {}).publish(
        publishRequest(
          { id: 'acc_m', platform: 'mastodon', name: 'M', credentials },
          { text: 'hello', media: [] },
          {},
          [],
        ),
        {},
      ),
    );

  test("publish refuses the instance's redirect to an internal address, and the failure quotes none of it", async () => {
    fake.inject(
      { method: 'POST', path: '/api/v1/statuses' },
      { status: 307, headers: { location: `${internal.url}/admin` }, body: INTERNAL_BODY },
    );
    const failure = await publish(REACH_LOOPBACK_FAKES, fake.credentials());
    expect(failure).toMatchObject({ code: 'platform.mastodon.redirect_refused', outcomeUnknown: false });
    expect(failure.message).not.toContain('INTERNAL');
    expect(failure.message).not.toContain(String(internal.port));
    expect(internal.connections).toBe(0);
    expect(fake.statuses).toHaveLength(0);
  });

  test('by default (production) an instance on a loopback address is never called', async () => {
    const failure = await publish(undefined, fake.credentials());
    expect(failure).toMatchObject({ code: 'platform.mastodon.address_refused', retryable: false });
    expect(fake.requests).toHaveLength(0);
  });

  test('an instance whose name rebinds to loopback is refused at publish', async () => {
    const resolve = rebindingResolver();
    resolve.calls = 1; // the account's creation check had the public answer
    const port = new URL(fake.url).port;
    const failure = await publish(
      { allowPrivate: false, resolve },
      { instance_url: `https://social.rebind.test:${port}`, access_token: 'tok' },
    );
    expect(failure).toMatchObject({ code: 'platform.mastodon.address_refused' });
    expect(failure.message).not.toContain('127.0.0.1');
    expect(fake.requests).toHaveLength(0);
  });

  test("a long error body from the instance is cut to the failure's message limit", async () => {
    fake.inject({ method: 'POST', path: '/api/v1/statuses' }, { status: 500, body: 'x'.repeat(20_000) });
    const failure = await publish(REACH_LOOPBACK_FAKES, fake.credentials());
    expect(failure.code).toBe('platform.mastodon.api_error');
    expect(failure.message.length).toBeLessThanOrEqual(300);
  });
});

describe('the Bluesky adapter', () => {
  test("guards the account's own service, not the PDS Postflow is configured with", async () => {
    const fake = await new BlueskyFake().start();
    try {
      // Default (production) policy; the fake is the operator's configured PDS and video service.
      const adapter = createBlueskyAdapter({
        baseUrl: fake.url,
        env: { POSTFLOW_BLUESKY_VIDEO_URL: fake.url },
      });
      const request = (credentials: Record<string, string>) =>
        publishRequest(
          { id: 'acc_b', platform: 'bluesky', name: 'B', credentials },
          { text: 'hi', media: [] },
          {},
          [],
        );
      const credentials = fake.credentials();
      await expect(adapter.publish(request(credentials), {})).resolves.toMatchObject({
        platformPostId: expect.stringMatching(/^at:\/\//),
      });
      const before = fake.requests.length;
      // The same server under a name the account chose: a server Postflow was not configured with.
      const own = { ...credentials, service: fake.url.replace('127.0.0.1', 'localhost') };
      const failure = await failureOf(adapter.publish(request(own), {}));
      expect(failure).toMatchObject({ code: 'platform.bluesky.address_refused' });
      expect(fake.requests).toHaveLength(before);
    } finally {
      await fake.stop();
    }
  });
});
