import { PublishError } from '../../platforms/kit/adapter';
import { createBlueskyAdapter } from '../../platforms/bluesky/adapter';
import { startPds, type RunningPds } from '../helpers/pds';
import { commentRequest, MediaHost, PNG_1X1, publishRequest, runDelivery } from '../contracts/run-delivery';

/** First run installs Node 24 and the PDS from npm (a few minutes); later runs start in seconds. */
const SETUP_TIMEOUT_MS = 15 * 60_000;

/** A second image, different bytes from PNG_1X1 (a 1×1 red pixel), so the two blobs differ. */
const RED_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * The Bluesky adapter against a real PDS (@atproto/pds, the reference implementation) with its
 * own in-memory PLC directory: the account signs in with an app password, publishes a post with
 * two images, mentions and links, and the post and its blobs are read back from the PDS.
 */
describe('bluesky adapter on a real PDS', () => {
  let pds: RunningPds;
  const host = new MediaHost();
  // The PDS listens on loopback over http, which the SSRF guard refuses by default.
  const adapter = createBlueskyAdapter({ outbound: { allowPrivate: true } });

  beforeAll(async () => {
    pds = await startPds();
    await host.start();
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await pds?.stop();
    await host.stop();
  });

  const get = async (nsid: string, query: Record<string, string>) => {
    const response = await fetch(`${pds.url}/xrpc/${nsid}?${new URLSearchParams(query)}`);
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      bytes: Buffer.from(await response.arrayBuffer()),
    };
  };
  const json = async (nsid: string, query: Record<string, string>) =>
    JSON.parse((await get(nsid, query)).bytes.toString());

  test('signs in, publishes text, facets and two images exactly once, and deletes it', async () => {
    const alice = await pds.createAccount('alice.test');
    const me = await pds.createAccount('postflow.test');
    const connected = {
      id: 'acc_pds',
      platform: 'bluesky',
      name: 'PDS',
      credentials: { service: pds.url, identifier: me.handle, app_password: me.appPassword },
    };
    const session = await adapter.refresh!(connected);
    expect(session).toMatchObject({ did: me.did, handle: me.handle, pds_url: pds.url });
    const account = { ...connected, credentials: { ...connected.credentials, ...session } };

    const text = 'Hello from Postflow 🦋 @alice.test — https://example.com/post #postflow';
    const req = publishRequest(
      account,
      { text, media: [] },
      { alt_texts: ['A white pixel', 'A red pixel'], langs: ['en'] },
      host.serve([
        { contentType: 'image/png', bytes: PNG_1X1 },
        { contentType: 'image/png', bytes: RED_PNG },
      ]),
    );
    const receipt = await runDelivery(adapter, req);
    const [, did, collection, rkey] = /^at:\/\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(receipt.platformPostId)!;
    expect({ did, collection }).toEqual({ did: me.did, collection: 'app.bsky.feed.post' });
    expect(receipt.permalink).toBe(`https://bsky.app/profile/${me.did}/post/${rkey}`);

    const stored = await json('com.atproto.repo.getRecord', {
      repo: me.did,
      collection: collection!,
      rkey: rkey!,
    });
    expect(stored.value).toMatchObject({ $type: 'app.bsky.feed.post', text, langs: ['en'] });
    const bytes = Buffer.from(text);
    const facets = stored.value.facets.map(
      (f: { index: { byteStart: number; byteEnd: number }; features: Array<Record<string, string>> }) => ({
        span: bytes.subarray(f.index.byteStart, f.index.byteEnd).toString(),
        feature: f.features[0],
      }),
    );
    expect(facets).toEqual([
      { span: '@alice.test', feature: { $type: 'app.bsky.richtext.facet#mention', did: alice.did } },
      {
        span: 'https://example.com/post',
        feature: { $type: 'app.bsky.richtext.facet#link', uri: 'https://example.com/post' },
      },
      { span: '#postflow', feature: { $type: 'app.bsky.richtext.facet#tag', tag: 'postflow' } },
    ]);
    const images = stored.value.embed.images as Array<{
      alt: string;
      image: { ref: { $link: string }; mimeType: string };
      aspectRatio: { width: number; height: number };
    }>;
    expect(images.map((i) => i.alt)).toEqual(['A white pixel', 'A red pixel']);
    for (const [i, expected] of [PNG_1X1, RED_PNG].entries()) {
      const blob = await get('com.atproto.sync.getBlob', { did: me.did, cid: images[i]!.image.ref.$link });
      expect(blob.status).toBe(200);
      expect(blob.bytes.equals(expected)).toBe(true);
      expect(images[i]).toMatchObject({
        image: { mimeType: 'image/png' },
        aspectRatio: { width: 1, height: 1 },
      });
    }

    // The same delivery again: the PDS refuses a second record at the key, nothing is duplicated,
    // and the outcome-unknown failure leads the engine to reconcile, which finds the one post.
    const again = await adapter.publish(req, {}).then(
      () => undefined,
      (err: PublishError) => err.failure,
    );
    expect(again).toMatchObject({ category: 'platform', outcomeUnknown: true });
    const list = await json('com.atproto.repo.listRecords', { repo: me.did, collection: collection! });
    expect(list.records).toHaveLength(1);
    expect((await adapter.findExisting!(req))?.platformPostId).toBe(receipt.platformPostId);

    // The cached session renews with its refresh token (refreshSession rotates it); the new
    // access token is the one the delete below uses.
    const renewed = await adapter.refresh!(account);
    expect(renewed.refresh_token).not.toBe(session.refresh_token);

    // A token the PDS does not accept asks for a refresh (InvalidToken), and deletes nothing.
    const bogus = { ...account, credentials: { ...account.credentials, access_token: 'e30.e30.bogus' } };
    const refused = await adapter.unpublish!({
      account: bogus,
      platformPostId: receipt.platformPostId,
      signal: new AbortController().signal,
    }).then(
      () => undefined,
      (err: PublishError) => err.failure,
    );
    expect(refused).toMatchObject({ category: 'auth', refreshable: true });
    expect(await adapter.findExisting!(req)).not.toBeNull();

    const current = { ...account, credentials: { ...account.credentials, ...renewed } };
    const del = {
      account: current,
      platformPostId: receipt.platformPostId,
      signal: new AbortController().signal,
    };
    expect(await adapter.unpublish!(del)).toBe('deleted');
    expect(await adapter.findExisting!(req)).toBeNull();
    expect(await adapter.unpublish!(del)).toBe('deleted');
  });

  test('a first comment is a reply the PDS accepts, once: a repeat is refused, and it is found at its key', async () => {
    const me = await pds.createAccount('replier.test');
    const connected = {
      id: 'acc_pds_reply',
      platform: 'bluesky',
      name: 'PDS',
      credentials: { service: pds.url, identifier: me.handle, app_password: me.appPassword },
    };
    const account = {
      ...connected,
      credentials: { ...connected.credentials, ...(await adapter.refresh!(connected)) },
    };
    const req = publishRequest(account, { text: 'A post with a first comment', media: [] }, {}, []);
    const receipt = await runDelivery(adapter, req);
    const first = commentRequest(req, receipt, 'The first comment https://example.com');
    const made = await adapter.comment!(first);

    const [, , collection, rkey] = /^at:\/\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(made.commentId)!;
    const post = await json('com.atproto.repo.getRecord', {
      repo: me.did,
      collection: collection!,
      rkey: receipt.platformPostId.split('/').at(-1)!,
    });
    const stored = await json('com.atproto.repo.getRecord', {
      repo: me.did,
      collection: collection!,
      rkey: rkey!,
    });
    const ref = { uri: receipt.platformPostId, cid: post.cid };
    expect(stored.value).toMatchObject({
      text: 'The first comment https://example.com',
      reply: { root: ref, parent: ref },
    });

    const again = await adapter.comment!(first).then(
      () => undefined,
      (err: PublishError) => err.failure,
    );
    expect(again).toMatchObject({ category: 'platform', outcomeUnknown: true });
    const list = await json('com.atproto.repo.listRecords', { repo: me.did, collection: collection! });
    expect(list.records).toHaveLength(2);
    expect((await adapter.findComment!(first))?.commentId).toBe(made.commentId);
    expect(await adapter.findComment!(commentRequest(req, receipt, 'Never made'))).toBeNull();
  });
});
