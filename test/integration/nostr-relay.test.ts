import { schnorr } from '@noble/curves/secp256k1';
import { createNostrAdapter } from '../../platforms/nostr/adapter';
import { type NostrEvent, signEvent, verifyEvent } from '../../platforms/nostr/event';
import { bech32Encode, toHex } from '../../platforms/nostr/keys';
import { queryEvents, sendEvent } from '../../platforms/nostr/relay';
import { startNostrRelay, type RunningRelay } from '../helpers/nostr-relay';
import { commentRequest, MediaHost, PNG_1X1, publishRequest, runDelivery } from '../contracts/run-delivery';

/** First run installs nostr-relay from PyPI into .tools (about a minute); later runs start in seconds. */
const SETUP_TIMEOUT_MS = 10 * 60_000;

/**
 * The Nostr adapter against a real relay (nostr-relay, which verifies ids and signatures): a note
 * with an image is published, read back by id, published again as the same event, found by
 * reconcile, and deleted with a NIP-09 request the relay honours.
 */
describe('nostr adapter on a real relay', () => {
  let relay: RunningRelay;
  const host = new MediaHost();
  // The relay listens on loopback over ws://, which the SSRF guard refuses by default.
  const outbound = { allowPrivate: true };
  const adapter = createNostrAdapter({ outbound, timeoutMs: 10_000 });
  const secret = schnorr.utils.randomSecretKey();

  beforeAll(async () => {
    relay = await startNostrRelay();
    await host.start();
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await relay?.stop();
    await host.stop();
  });

  const read = async (filter: object): Promise<NostrEvent[]> => {
    const answer = await queryEvents(relay.url, filter, {
      policy: outbound,
      timeoutMs: 10_000,
      signal: new AbortController().signal,
    });
    if (answer.kind !== 'events') throw new Error(`the relay did not answer: ${JSON.stringify(answer)}`);
    return answer.events;
  };

  test('publishes a signed note once, finds it, and deletes it', async () => {
    const account = {
      id: 'acc_relay',
      platform: 'nostr',
      name: 'Relay',
      credentials: { secret_key: bech32Encode('nsec', secret), relays: relay.url },
    };
    const media = host.serve([{ contentType: 'image/png', bytes: PNG_1X1 }]);
    const text = 'Hello from Postflow ⚡ #postflow';
    const req = publishRequest(
      account,
      { text, media: media.map((m) => m.ref) },
      { alt_text: 'A pixel' },
      media,
    );

    const receipt = await runDelivery(adapter, req);
    const [stored] = await read({ ids: [receipt.platformPostId] });
    expect(stored).toMatchObject({
      kind: 1,
      pubkey: toHex(schnorr.getPublicKey(secret)),
      content: `${text}\n${media[0]!.ref.source}`,
      tags: [
        ['imeta', `url ${media[0]!.ref.source}`, 'm image/png', 'alt A pixel'],
        ['t', 'postflow'],
      ],
    });
    expect(verifyEvent(stored!)).toBe(true);

    // The same delivery again: the same event, which the relay answers as a duplicate and keeps once.
    expect((await runDelivery(adapter, req)).platformPostId).toBe(receipt.platformPostId);
    expect(await read({ authors: [stored!.pubkey], kinds: [1] })).toHaveLength(1);
    expect(await adapter.findExisting!({ ...req, media: [] })).toMatchObject({
      platformPostId: receipt.platformPostId,
    });

    // Metrics: a reader's reaction (NIP-25), found by the relay's #e index; gone once deleted.
    const reaction = signEvent(schnorr.utils.randomSecretKey(), {
      kind: 7,
      created_at: Math.floor(Date.now() / 1000),
      tags: [
        ['e', receipt.platformPostId],
        ['p', stored!.pubkey],
      ],
      content: '+',
    });
    const call = { policy: outbound, timeoutMs: 10_000, signal: new AbortController().signal };
    expect(await sendEvent(relay.url, reaction, call)).toMatchObject({ kind: 'accepted' });
    const metrics = { account, post: receipt, signal: new AbortController().signal };
    expect(await adapter.fetchMetrics!(metrics)).toEqual({
      likes: 1,
      comments: 0,
      shares: 0,
      saves: 0,
      extra: { dislikes: 0, zaps: 0 },
    });

    const signal = new AbortController().signal;
    expect(await adapter.unpublish!({ account, platformPostId: receipt.platformPostId, signal })).toBe(
      'deleted',
    );
    expect(await read({ ids: [receipt.platformPostId] })).toEqual([]);
    expect(await adapter.fetchMetrics!(metrics)).toBeNull();
    expect(await adapter.findExisting!({ ...req, media: [] })).toBeNull();
  });

  test('a first comment is a reply note the relay keeps once, found by its id', async () => {
    const account = {
      id: 'acc_relay',
      platform: 'nostr',
      name: 'Relay',
      credentials: { secret_key: toHex(secret), relays: relay.url },
    };
    const req = publishRequest(account, { text: 'A post with a comment', media: [] }, {}, []);
    const post = await runDelivery(adapter, req);
    const first = commentRequest(req, post, 'The first comment');
    const made = await adapter.comment!(first);
    // A repeated call is the same event: the relay answers it as a duplicate and keeps one.
    expect(await adapter.comment!(first)).toEqual(made);
    const replies = await read({ kinds: [1], '#e': [post.platformPostId] });
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({ id: made.commentId, content: 'The first comment' });
    expect(verifyEvent(replies[0]!)).toBe(true);
    expect(await adapter.findComment!(first)).toEqual(made);
    expect(await adapter.findComment!(commentRequest(req, post, 'Never made'))).toBeNull();
  });

  test('an event the relay refuses fails for good, quoting the relay', async () => {
    const account = {
      id: 'acc_relay',
      platform: 'nostr',
      name: 'Relay',
      credentials: { secret_key: toHex(secret), relays: relay.url },
    };
    // Two years ago: nostr-relay refuses events older than a year (`invalid: … is too old`).
    const since = new Date(Date.now() - 2 * 365 * 86_400_000).toISOString();
    const req = { ...publishRequest(account, { text: 'From long ago', media: [] }, {}, []), since };
    const err = await runDelivery(adapter, req).catch((e: { failure?: unknown }) => e.failure);
    expect(err).toMatchObject({
      category: 'validation',
      code: 'platform.nostr.rejected',
      retryable: false,
      outcomeUnknown: false,
      message: expect.stringContaining('too old'),
    });
  });
});
