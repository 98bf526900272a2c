import { schnorr } from '@noble/curves/secp256k1';
import { createNostrAdapter, RATE_LIMIT_WAIT_MS } from '../../platforms/nostr/adapter';
import { nostrDescriptor } from '../../platforms/nostr/descriptor';
import { verifyEvent } from '../../platforms/nostr/event';
import { NostrRelayFake } from '../../platforms/nostr/fake';
import {
  bech32Decode,
  bech32Encode,
  fromHex,
  noteId,
  parseSecretKey,
  toHex,
} from '../../platforms/nostr/keys';
import { noteOf } from '../../platforms/nostr/note';
import { REACH_LOOPBACK_FAKES } from '../../platforms/kit/fake-platform';
import { type MediaFile, PublishError } from '../../platforms/kit/adapter';
import { FAKE_MAX_BYTES, NostrMediaServerFake } from '../../platforms/nostr/fake-media-server';
import { httpAuth, sha256Hex } from '../../platforms/nostr/nip98';
import { adapterContract } from './adapter-contract';
import { commentRequest, MediaHost, PNG_1X1, publishRequest, runDelivery } from './run-delivery';

const SECRET = toHex(schnorr.utils.randomSecretKey());
const text = (t: string) => ({ text: t, media: [] });
const account = (relays: string, secret = SECRET, extra: Record<string, string> = {}) => ({
  id: 'acc_nostr',
  platform: 'nostr',
  name: 'Nostr',
  credentials: { secret_key: secret, relays, ...extra },
});
/** Media as library media reaches the adapter: a `media_id` ref, bytes on demand. */
const fromLibrary = (files: MediaFile[]): MediaFile[] =>
  files.map((f, i) => ({ ...f, ref: { source_type: 'media_id', source: `med_${i}` } }));

adapterContract({
  platform: 'nostr',
  startFake: () => new NostrRelayFake().start(),
  adapter: ({ timeoutMs }) => createNostrAdapter({ timeoutMs, outbound: REACH_LOOPBACK_FAKES }),
  account: (fake) => account(fake.relayUrl),
  verify: {
    credentials: (fake) => account(fake.relayUrl).credentials,
    wrong: (credentials) => ({ ...credentials, secret_key: 'nsec1notakeyatall' }),
    profile: () => ({
      id: toHex(schnorr.getPublicKey(fromHex(SECRET))),
      username: expect.stringMatching(/^npub1/),
    }),
  },
  post: {
    content: { text: 'Hello from Postflow #nostr', media: [] },
    options: { alt_text: 'A single pixel' },
    media: [{ contentType: 'image/png', bytes: PNG_1X1 }],
  },
  invalid: [
    { name: 'a note over 4,096 characters', content: text('x'.repeat(4097)), fields: ['text'] },
    {
      name: 'an unknown option',
      content: text('hi'),
      options: { title: 'T' },
      fields: ['platform_data.title'],
    },
    {
      name: 'a content warning that is not text',
      content: text('hi'),
      options: { content_warning: true },
      fields: ['platform_data.content_warning'],
    },
    { name: 'nothing to say', content: text(' '), fields: ['text'] },
  ],
  publishCall: { method: 'EVENT', path: '/' },
  published: (fake) => fake.notes(),
  thread: {
    call: { method: 'EVENT', path: '/' },
    posts: (fake) => fake.thread(),
  },
  errors: {
    validation: { status: 200, body: 'invalid: event creation date is too far off from the current time' },
    auth: { status: 200, body: 'restricted: this relay only accepts events from paying members' },
    rateLimit: {
      status: 200,
      body: 'rate-limited: slow down there chief',
      expectedRetryAfterMs: RATE_LIMIT_WAIT_MS,
    },
    server: { status: 200, body: 'error: could not connect to the database' },
  },
  comments: {
    call: { method: 'EVENT', path: '/' },
    under: (fake, postId) => fake.comments(postId),
  },
  reconciles: true,
  refreshes: false,
  unpublishes: true,
});

describe('nostr', () => {
  const fakes: NostrRelayFake[] = [];
  const host = new MediaHost();
  const adapter = createNostrAdapter({ timeoutMs: 2_000, outbound: REACH_LOOPBACK_FAKES });
  let a: NostrRelayFake;
  let b: NostrRelayFake;
  beforeAll(async () => {
    await host.start();
    a = await new NostrRelayFake().start();
    b = await new NostrRelayFake().start();
    fakes.push(a, b);
  });
  afterAll(async () => {
    for (const fake of fakes) await fake.stop();
    await host.stop();
  });

  const failure = async (promise: Promise<unknown>) => {
    const err = await promise.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublishError);
    return (err as PublishError).failure;
  };

  test('a repeated publish of one delivery is the same event: relays keep one note', async () => {
    const req = publishRequest(account(`${a.relayUrl}, ${b.relayUrl}`), text('Once only'), {}, []);
    const first = await runDelivery(adapter, req);
    const again = await runDelivery(adapter, req);
    expect(again.platformPostId).toBe(first.platformPostId);
    for (const relay of [a, b]) expect(relay.notes().filter((n) => n.text === 'Once only')).toHaveLength(1);
    expect(first.metadata).toMatchObject({ relays: [a.relayUrl, b.relayUrl] });
    expect(first.permalink).toBe(`https://njump.me/${noteId(first.platformPostId)}`);
    expect(first.publishedAt).toBe(new Date(Math.floor(Date.parse(req.since) / 1000) * 1000).toISOString());
  });

  test('one relay accepting is enough; its refusals are quoted when none accepts', async () => {
    a.inject({ method: 'EVENT', path: '/' }, { status: 200, body: 'blocked: not on the whitelist' });
    const req = publishRequest(account(`${a.relayUrl},${b.relayUrl}`), text('Half the relays'), {}, []);
    const receipt = await runDelivery(adapter, req);
    expect(receipt.metadata).toMatchObject({ relays: [b.relayUrl] });

    a.inject({ method: 'EVENT', path: '/' }, { status: 200, body: 'blocked: not on the whitelist' });
    b.inject({ method: 'EVENT', path: '/' }, { status: 200, body: 'rate-limited: slow down' });
    const refused = await failure(
      runDelivery(adapter, publishRequest(account(`${a.relayUrl},${b.relayUrl}`), text('No relay'), {}, [])),
    );
    // The rate limit is what a retry can change: it decides the class.
    expect(refused).toMatchObject({ category: 'rate_limit', retryable: true, outcomeUnknown: false });
    expect(refused.message).toContain('blocked: not on the whitelist');
  });

  test('a relay that hangs after another accepted does not hold the note back', async () => {
    a.inject({ method: 'EVENT', path: '/' }, { kind: 'hang' });
    const started = Date.now();
    const req = publishRequest(account(`${a.relayUrl},${b.relayUrl}`), text('Slow relay'), {}, []);
    expect((await runDelivery(adapter, req)).metadata).toMatchObject({ relays: [b.relayUrl] });
    expect(Date.now() - started).toBeLessThan(2_000 + 1_000);
  });

  test('media go as URLs in the text and imeta tags with their type and alt text', async () => {
    const media = host.serve([{ contentType: 'image/png', bytes: PNG_1X1 }]);
    const content = { text: 'A pixel #Pixel', media: media.map((m) => m.ref) };
    const req = publishRequest(
      account(a.relayUrl),
      content,
      { alt_text: 'One pixel', content_warning: 'tiny' },
      media,
    );
    const receipt = await runDelivery(adapter, req);
    const event = a.events.find((e) => e.id === receipt.platformPostId)!;
    const url = media[0]!.ref.source;
    expect(event.content).toBe(`A pixel #Pixel\n${url}`);
    expect(event.tags).toEqual([
      ['imeta', `url ${url}`, 'm image/png', 'alt One pixel'],
      ['t', 'pixel'],
      ['content-warning', 'tiny'],
    ]);
    expect(verifyEvent(event)).toBe(true);
  });

  test('a first comment is a NIP-10 reply to the post, the same event on every try', async () => {
    const req = publishRequest(account(`${a.relayUrl},${b.relayUrl}`), text('Comment below'), {}, []);
    const post = await runDelivery(adapter, req);
    const first = commentRequest(req, post, 'First! #Nostr');
    const made = await adapter.comment!(first);
    expect(await adapter.comment!(first)).toEqual(made);
    for (const relay of [a, b]) expect(relay.comments(post.platformPostId)).toHaveLength(1);
    const event = a.events.find((e) => e.id === made.commentId)!;
    expect(event).toMatchObject({
      kind: 1,
      content: 'First! #Nostr',
      created_at: Math.floor(Date.parse(first.since) / 1000),
      tags: [
        ['t', 'nostr'],
        ['e', post.platformPostId, '', 'root', event.pubkey],
        ['p', event.pubkey],
      ],
    });
    expect(verifyEvent(event)).toBe(true);
    expect(made.permalink).toBe(`https://njump.me/${noteId(made.commentId)}`);

    // A lookup no relay can answer cannot say "absent": it fails, retryably.
    a.inject({ method: 'REQ', path: '/' }, { kind: 'reset' });
    const lost = await failure(adapter.findComment!({ ...first, account: account(a.relayUrl) }));
    expect(lost).toMatchObject({ retryable: true, outcomeUnknown: false });
  });

  describe("library media: uploaded to the account's NIP-96 server in prepare", () => {
    let server: NostrMediaServerFake;
    beforeAll(async () => {
      server = await new NostrMediaServerFake().start();
    });
    afterAll(() => server.stop());
    const withServer = () => account(a.relayUrl, SECRET, { media_server: server.mediaServer });
    const libraryPost = (t: string, bytes = PNG_1X1, options: Record<string, unknown> = {}) => {
      const media = fromLibrary(host.serve([{ contentType: 'image/png', bytes }]));
      return publishRequest(withServer(), { text: t, media: media.map((m) => m.ref) }, options, media);
    };

    test('the note links the uploaded file, its imeta tag carries the NIP-94 tags; a repeat is the same event', async () => {
      const req = libraryPost('From the library', PNG_1X1, { alt_text: 'One pixel' });
      const receipt = await runDelivery(adapter, req);
      const hash = sha256Hex(PNG_1X1);
      const url = `${server.url}/media/${hash}.png`;
      const event = a.events.find((e) => e.id === receipt.platformPostId)!;
      expect(event.content).toBe(`From the library\n${url}`);
      expect(event.tags[0]).toEqual([
        'imeta',
        `url ${url}`,
        'm image/png',
        `x ${hash}`,
        `ox ${hash}`,
        'dim 1x1',
        'alt One pixel',
      ]);
      expect(server.uploads()).toContainEqual(
        expect.objectContaining({ hash, owner: event.pubkey, alt: 'One pixel', contentType: 'image/png' }),
      );
      // The server names the file by its hash: a second upload answers the same URL, so a
      // repeated delivery makes the same event, and the lookup with prepare's state finds it.
      const again = await runDelivery(adapter, req);
      expect(again.platformPostId).toBe(receipt.platformPostId);
      const prepared = await adapter.prepare!(req);
      expect('ready' in prepared && (await adapter.findExisting!(req, prepared.ready))?.platformPostId).toBe(
        receipt.platformPostId,
      );
    });

    test('an upload the server processes is polled at its processing_url until done', async () => {
      server.processingPolls = 2;
      const bytes = Buffer.concat([PNG_1X1, Buffer.from('processing')]);
      try {
        const receipt = await runDelivery(adapter, libraryPost('Processed', bytes));
        const event = a.events.find((e) => e.id === receipt.platformPostId)!;
        expect(event.tags[0]).toContain(`x ${sha256Hex(bytes)}`);
        expect(server.requests.filter((r) => r.path.includes('/processing/'))).toHaveLength(3);
      } finally {
        server.processingPolls = 0;
      }
    });

    test("the server's refusals: 413 too large and 401 bad auth for good, 5xx retryable; nothing published", async () => {
      const notes = a.notes().length;
      const big = await failure(
        runDelivery(adapter, libraryPost('Too big', Buffer.alloc(FAKE_MAX_BYTES + 1, 1))),
      );
      expect(big).toMatchObject({
        code: 'platform.nostr.media_too_large',
        category: 'validation',
        retryable: false,
      });
      expect(big.message).toContain('File too large');

      server.inject(
        { method: 'POST', path: '/api/v2/media' },
        { status: 401, body: { status: 'error', message: 'Unauthorized' } },
      );
      expect(await failure(runDelivery(adapter, libraryPost('Refused')))).toMatchObject({
        code: 'platform.nostr.media_auth',
        category: 'auth',
        retryable: false,
      });
      server.inject(
        { method: 'POST', path: '/api/v2/media' },
        { status: 500, body: { status: 'error', message: 'disk full' } },
      );
      expect(await failure(runDelivery(adapter, libraryPost('Broken')))).toMatchObject({
        category: 'platform',
        retryable: true,
        outcomeUnknown: false,
      });
      expect(a.notes()).toHaveLength(notes);
    });

    test('the fake checks NIP-98 as servers do: signature, u, method and the payload hash', async () => {
      const api = `${server.url}/api/v2/media`;
      const post = (authorization: string, bytes = PNG_1X1) => {
        const form = new FormData();
        form.append('file', new Blob([bytes], { type: 'image/png' }), 'a.png');
        return fetch(api, { method: 'POST', body: form, headers: { authorization } });
      };
      const key = parseSecretKey(SECRET)!;
      expect((await post(httpAuth(key, `${api}?x=1`, 'POST'))).status).toBe(401);
      expect((await post(httpAuth(key, api, 'PUT'))).status).toBe(401);
      const forged = JSON.parse(Buffer.from(httpAuth(key, api, 'POST').slice(6), 'base64').toString());
      forged.tags.push(['extra', '1']);
      expect((await post(`Nostr ${Buffer.from(JSON.stringify(forged)).toString('base64')}`)).status).toBe(
        401,
      );
      const wrongHash = await post(httpAuth(key, api, 'POST', Buffer.from('other')));
      expect(wrongHash.status).toBe(403);
      expect(await wrongHash.json()).toMatchObject({ status: 'error' });
      expect((await post(httpAuth(key, api, 'POST', PNG_1X1))).status).toBeLessThan(300);
    });

    test('without a media_server, library media is refused before any call, saying to set one', async () => {
      const media = fromLibrary(host.serve([{ contentType: 'image/png', bytes: PNG_1X1 }]));
      const req = publishRequest(
        account(a.relayUrl),
        { text: 'x', media: media.map((m) => m.ref) },
        {},
        media,
      );
      const refused = await failure(runDelivery(adapter, req));
      expect(refused).toMatchObject({ code: 'platform.nostr.media_server_missing', retryable: false });
      expect(refused.message).toContain('media_server');
    });

    test('the media server is SSRF-guarded like the relays, and checked as an address', async () => {
      const guarded = createNostrAdapter({ timeoutMs: 2_000 });
      const refused = await failure(runDelivery(guarded, libraryPost('Guarded')));
      expect(refused).toMatchObject({ code: 'platform.nostr.address_refused', retryable: false });
      const issues = (media_server: string) =>
        nostrDescriptor.checkCredentials!({ secret_key: SECRET, relays: 'wss://r.example', media_server });
      expect(issues('https://files.example.com')).toEqual([]);
      expect(issues('ftp://files.example.com').map((i) => i.field)).toEqual(['credentials.media_server']);
    });
  });

  test('the secret key is taken as nsec or hex, and is never quoted', async () => {
    const nsec = bech32Encode('nsec', parseSecretKey(SECRET)!);
    const req = publishRequest(account(a.relayUrl, nsec), text('Signed by nsec'), {}, []);
    const byNsec = await runDelivery(adapter, req);
    const byHex = await runDelivery(adapter, { ...req, account: account(a.relayUrl) });
    expect(byNsec.platformPostId).toBe(byHex.platformPostId);
    expect(nostrDescriptor.checkCredentials!({ secret_key: nsec, relays: a.relayUrl })).toEqual([]);

    const bad = nostrDescriptor.checkCredentials!({
      secret_key: `${SECRET.slice(0, 62)}zz`,
      relays: 'https://x.y',
    });
    expect(bad.map((i) => i.field)).toEqual(['credentials.secret_key', 'credentials.relays']);
    a.inject({ method: 'EVENT', path: '/' }, { status: 200, body: 'invalid: nope' });
    const refused = await failure(
      runDelivery(adapter, publishRequest(account(a.relayUrl), text('x'), {}, [])),
    );
    expect(JSON.stringify(refused)).not.toContain(SECRET);
  });

  test('relays are SSRF-guarded: ws:// and private addresses only where the policy allows', async () => {
    const guarded = createNostrAdapter({ timeoutMs: 2_000 });
    const plain = await failure(runDelivery(guarded, publishRequest(account(a.relayUrl), text('x'), {}, [])));
    expect(plain).toMatchObject({ code: 'platform.nostr.address_refused', retryable: false });
    const loopback = await failure(
      runDelivery(guarded, publishRequest(account('wss://127.0.0.1:1'), text('x'), {}, [])),
    );
    expect(loopback).toMatchObject({ code: 'platform.nostr.address_refused', category: 'validation' });
  });

  test('the event is NIP-01: the id of a known event, bech32 of NIP-19', () => {
    // NIP-19's own example.
    const npubHex = '3bf0c63fcb93463407af97a5e5ee64fa883d107ef9e558472c4eb9aaaefa459d';
    expect(bech32Encode('npub', Buffer.from(npubHex, 'hex'))).toBe(
      'npub180cvv07tjdrrgpa0j7j7tmnyl2yr6yr7l8j4s3evf6u64th6gkwsyjh6w6',
    );
    expect(
      toHex(bech32Decode('npub', 'npub180cvv07tjdrrgpa0j7j7tmnyl2yr6yr7l8j4s3evf6u64th6gkwsyjh6w6')!),
    ).toBe(npubHex);
    expect(
      bech32Decode('npub', 'npub180cvv07tjdrrgpa0j7j7tmnyl2yr6yr7l8j4s3evf6u64th6gkwsyjh6w7'),
    ).toBeUndefined();
    const note = noteOf(text('same'), {}, '2026-01-01T00:00:00.900Z');
    expect(note.created_at).toBe(Date.parse('2026-01-01T00:00:00Z') / 1000);
    expect(parseSecretKey('0'.repeat(64))).toBeUndefined();
  });
});
