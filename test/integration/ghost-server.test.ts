import { createGhostAdapter, tokenOf } from '../../platforms/ghost/adapter';
import { PublishError } from '../../platforms/kit/adapter';
import { MediaHost, PNG_1X1, publishRequest, runDelivery } from '../contracts/run-delivery';
import { FaultProxy } from '../helpers/fault-proxy';
import { type RunningGhost, startGhost } from '../helpers/ghost';

/** The global setup installs Ghost (~6 min, once); starting and setting up a site takes ~20 s. */
const SETUP_TIMEOUT_MS = 3 * 60_000;
const POSTS = '/ghost/api/admin/posts/';

/**
 * The Ghost adapter against a real Ghost 5: a post with a feature image, tags and options
 * published through a proxy that loses Ghost's answer, found by reconcile (so the retried delivery
 * takes it rather than posting twice), read back through the Admin API, a draft, and deletion.
 */
describe('ghost adapter on a real Ghost', () => {
  let ghost: RunningGhost;
  let proxy: FaultProxy;
  const host = new MediaHost();
  // Ghost listens on loopback over plain http, which the SSRF guard refuses by default.
  const adapter = createGhostAdapter({ outbound: { allowPrivate: true }, timeoutMs: 30_000 });
  const account = () => ({
    id: 'acc_ghost_server',
    platform: 'ghost',
    name: 'Ghost',
    credentials: { admin_url: proxy.url, admin_api_key: ghost.adminApiKey },
  });

  /** The Admin API, read directly (not through the proxy) with the integration's key. */
  const api = async (path: string) => {
    const response = await fetch(`${ghost.url}/ghost/api/admin${path}`, {
      headers: { authorization: `Ghost ${tokenOf(account())}`, 'accept-version': 'v5.0' },
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const titled = async (title: string) =>
    (await api(`/posts/?filter=${encodeURIComponent(`title:'${title}'`)}&limit=all`)).body.posts;

  beforeAll(async () => {
    ghost = await startGhost();
    proxy = await new FaultProxy(ghost.url).start();
    await host.start();
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await proxy?.stop();
    await ghost?.stop();
    await host.stop();
  });

  test('publishes once through a lost answer, reads the post back and deletes it', async () => {
    const title = `Postflow on a real Ghost ${Date.now()}`;
    const media = host.serve([{ contentType: 'image/png', bytes: PNG_1X1 }]);
    const req = publishRequest(
      account(),
      {
        title,
        text: '<p>Hello from <strong>Postflow</strong> &amp; friends 🌱</p>',
        media: media.map((m) => m.ref),
      },
      {
        tags: ['Postflow', 'Real servers'],
        custom_excerpt: 'How Postflow ships',
        featured: true,
        feature_image_alt: 'A pixel',
      },
      media,
    );

    // Ghost makes the post, its answer is lost: the outcome is unknown, and reconcile finds it.
    proxy.add({ method: 'POST', path: POSTS, marker: title, fault: { kind: 'lose-answer' } });
    const lost = await runDelivery(adapter, req).catch((err: unknown) => err);
    expect(lost).toBeInstanceOf(PublishError);
    expect((lost as PublishError).failure.outcomeUnknown).toBe(true);
    expect(proxy.hits.get(title)).toBe(1);
    const receipt = (await adapter.findExisting!(req))!;
    expect(receipt).not.toBeNull();
    expect(await titled(title)).toHaveLength(1);
    expect(
      await adapter.findExisting!({ ...req, content: { ...req.content, title: `${title} (another)` } }),
    ).toBeNull();

    // Read back: what the adapter asked for is what Ghost keeps.
    const { body } = await api(`/posts/${receipt.platformPostId}/?formats=html&include=tags`);
    const post = body.posts[0];
    expect(post).toMatchObject({
      id: receipt.platformPostId,
      title,
      status: 'published',
      custom_excerpt: 'How Postflow ships',
      featured: true,
      feature_image_alt: 'A pixel',
      visibility: 'public',
    });
    expect(post.html).toContain('Hello from <strong>Postflow</strong> &amp; friends 🌱');
    expect(post.tags.map((t: { name: string }) => t.name)).toEqual(['Postflow', 'Real servers']);
    expect(receipt.permalink).toBe(post.url);
    expect(post.url.startsWith(ghost.url)).toBe(true);
    const image = await fetch(post.feature_image);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await image.arrayBuffer()).equals(PNG_1X1)).toBe(true);
    expect((await fetch(post.url)).status).toBe(200);

    const del = {
      account: account(),
      platformPostId: receipt.platformPostId,
      signal: new AbortController().signal,
    };
    expect(await adapter.unpublish!(del)).toBe('deleted');
    expect((await api(`/posts/${receipt.platformPostId}/`)).status).toBe(404);
    expect(await adapter.unpublish!(del)).toBe('deleted');
    expect(await titled(title)).toHaveLength(0);
  });

  test('saves a draft when asked to, which reconcile also finds', async () => {
    const title = `A Postflow draft ${Date.now()}`;
    const req = publishRequest(
      account(),
      { title, text: 'Plain text, kept as a paragraph.', media: [] },
      { status: 'draft', slug: 'postflow-draft' },
      [],
    );
    const receipt = await runDelivery(adapter, req);
    const post = (await api(`/posts/${receipt.platformPostId}/?formats=html`)).body.posts[0];
    expect(post).toMatchObject({ title, status: 'draft', slug: 'postflow-draft', published_at: null });
    expect(post.html).toBe('<p>Plain text, kept as a paragraph.</p>');
    expect((await adapter.findExisting!(req))?.platformPostId).toBe(receipt.platformPostId);
    expect(
      await adapter.unpublish!({
        account: account(),
        platformPostId: receipt.platformPostId,
        signal: new AbortController().signal,
      }),
    ).toBe('deleted');
  });
});
