import { schnorr } from '@noble/curves/secp256k1';
import { createNostrAdapter, RATE_LIMIT_WAIT_MS } from '../../platforms/nostr/adapter';
import { nostrDescriptor } from '../../platforms/nostr/descriptor';
import { verifyEvent } from '../../platforms/nostr/event';
import { NostrRelayFake } from '../../platforms/nostr/fake';
import { bech32Decode, bech32Encode, noteId, parseSecretKey, toHex } from '../../platforms/nostr/keys';
import { noteOf } from '../../platforms/nostr/note';
import { REACH_LOOPBACK_FAKES } from '../../platforms/kit/fake-platform';
import { PublishError } from '../../platforms/kit/adapter';
import { adapterContract } from './adapter-contract';
import { commentRequest, MediaHost, PNG_1X1, publishRequest, runDelivery } from './run-delivery';

const SECRET = toHex(schnorr.utils.randomSecretKey());
const text = (t: string) => ({ text: t, media: [] });
const library = { source_type: 'media_id' as const, source: 'med_1' };
const account = (relays: string, secret = SECRET) => ({
  id: 'acc_nostr',
  platform: 'nostr',
  name: 'Nostr',
  credentials: { secret_key: secret, relays },
});

adapterContract({
  platform: 'nostr',
  startFake: () => new NostrRelayFake().start(),
  adapter: ({ timeoutMs }) => createNostrAdapter({ timeoutMs, outbound: REACH_LOOPBACK_FAKES }),
  account: (fake) => account(fake.relayUrl),
  post: {
    content: { text: 'Hello from Postflow #nostr', media: [] },
    options: { alt_text: 'A single pixel' },
    media: [{ contentType: 'image/png', bytes: PNG_1X1 }],
  },
  invalid: [
    { name: 'a note over 4,096 characters', content: text('x'.repeat(4097)), fields: ['text'] },
    {
      name: 'library media (its URL expires)',
      content: { text: 'hi', media: [library] },
      fields: ['media[0]'],
    },
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
