import type { PublishError } from '../../platforms/kit/adapter';
import { createWordpressAdapter } from '../../platforms/wordpress/adapter';
import { commentRequest, MediaHost, PNG_1X1, publishRequest, runDelivery } from '../contracts/run-delivery';
import { type RunningWordPress, startWordPress } from '../helpers/wordpress';

/** First run installs Debian's WordPress, PHP and MariaDB (a minute or two); later runs start in seconds. */
const SETUP_TIMEOUT_MS = 10 * 60_000;

/**
 * The WordPress adapter against a real WordPress (Debian's package on PHP's built-in server and a
 * private MariaDB): a post with a featured image, categories, tags, an excerpt and a slug
 * published and read back through the REST API, found again by reconcile (WordPress has no
 * idempotency key: reconcile is what keeps a retried delivery from posting twice), a draft, a
 * first comment (and core's duplicate-comment answer), the post deleted.
 */
describe('wordpress adapter on a real WordPress', () => {
  let wp: RunningWordPress;
  const host = new MediaHost();
  // PHP's built-in server listens on loopback over plain http, which the SSRF guard refuses by default.
  const adapter = createWordpressAdapter({ outbound: { allowPrivate: true }, timeoutMs: 30_000 });

  const api = async (method: string, path: string, body?: unknown) => {
    const auth = Buffer.from(`${wp.username}:${wp.applicationPassword}`).toString('base64');
    const response = await fetch(`${wp.url}/wp-json${path}`, {
      method,
      headers: { authorization: `Basic ${auth}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : {} };
  };
  const ok = async (method: string, path: string, body?: unknown) => {
    const answer = await api(method, path, body);
    if (answer.status >= 300)
      throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const account = () => ({
    id: 'acc_wordpress_real',
    platform: 'wordpress',
    name: 'WordPress',
    credentials: {
      site_url: `${wp.url}/`,
      username: wp.username,
      application_password: wp.applicationPassword,
    },
  });

  beforeAll(async () => {
    wp = await startWordPress();
    await host.start();
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await wp?.stop();
    await host.stop();
  });

  test('publishes a post with its featured image and terms, reconciles it, comments and deletes it', async () => {
    const category = await ok('POST', '/wp/v2/categories', { name: 'Releases' });
    const tags = [
      await ok('POST', '/wp/v2/tags', { name: 'postflow' }),
      await ok('POST', '/wp/v2/tags', { name: 'news' }),
    ];
    const media = host.serve([{ contentType: 'image/png', bytes: PNG_1X1 }]);
    const req = publishRequest(
      account(),
      {
        title: 'Shipping posts everywhere',
        text: '<p>Hello from <strong>Postflow</strong> &amp; friends.</p>',
        media: media.map((m) => m.ref),
      },
      {
        categories: [category.id],
        tags: tags.map((t) => t.id),
        excerpt: 'How Postflow ships',
        slug: 'shipping-everywhere',
        alt_text: 'A pixel',
      },
      media,
    );

    const receipt = await runDelivery(adapter, req);
    expect(receipt.permalink).toBe(`${wp.url}/shipping-everywhere/`);

    // Read back: the post as WordPress keeps it, and its featured image with the file's bytes.
    const post = await ok('GET', `/wp/v2/posts/${receipt.platformPostId}?context=edit`);
    expect(post).toMatchObject({
      status: 'publish',
      author: wp.userId,
      slug: 'shipping-everywhere',
      title: { raw: 'Shipping posts everywhere' },
      content: { raw: '<p>Hello from <strong>Postflow</strong> &amp; friends.</p>' },
      excerpt: { raw: 'How Postflow ships' },
      categories: [category.id],
    });
    // WordPress lists a post's terms by name, not in the order given.
    expect([...post.tags].sort()).toEqual(tags.map((t) => t.id).sort());
    expect(new Date(`${post.date_gmt}Z`).toISOString()).toBe(receipt.publishedAt);
    const image = await ok('GET', `/wp/v2/media/${post.featured_media}`);
    expect(image).toMatchObject({ media_type: 'image', mime_type: 'image/png', alt_text: 'A pixel' });
    const file = await fetch(image.source_url);
    expect(Buffer.from(await file.arrayBuffer()).equals(PNG_1X1)).toBe(true);

    // No idempotency key exists: a retried delivery whose outcome is unknown is found by reconcile
    // (and so never published twice), while one that began after the post was made (beyond the two
    // minutes of clock skew reconcile allows) finds nothing.
    expect(await adapter.findExisting!({ ...req, media: [] })).toEqual(receipt);
    const later = new Date(Date.parse(receipt.publishedAt) + 3 * 60_000).toISOString();
    expect(await adapter.findExisting!({ ...req, since: later, media: [] })).toBeNull();
    expect(await ok('GET', '/wp/v2/posts?status=any&search=Shipping&context=edit')).toHaveLength(1);

    // The first comment: WordPress's own rendering (a paragraph, curly quotes) still matches.
    const first = commentRequest(req, receipt, "Postflow's first comment -- with quotes");
    const comment = await adapter.comment!(first);
    expect(await ok('GET', `/wp/v2/comments/${comment.commentId}?context=edit`)).toMatchObject({
      post: Number(receipt.platformPostId),
      author: wp.userId,
      status: 'approved',
      content: { raw: "Postflow's first comment -- with quotes" },
    });
    expect(comment.permalink).toBe(`${wp.url}/shipping-everywhere/#comment-${comment.commentId}`);
    expect(await adapter.findComment!(first)).toEqual(comment);
    // Core refuses the same comment twice: a validation failure, never a second comment.
    const again = (await adapter.comment!(first).catch((e: unknown) => e)) as PublishError;
    expect(again.failure).toMatchObject({
      category: 'validation',
      code: 'platform.wordpress.comment_duplicate',
    });
    expect(await ok('GET', `/wp/v2/comments?post=${receipt.platformPostId}`)).toHaveLength(1);

    // Metrics: core counts the post's approved comments (X-WP-Total), nothing else; gone: null.
    const metrics = { account: account(), post: receipt, signal: new AbortController().signal };
    expect(await adapter.fetchMetrics!(metrics)).toEqual({
      likes: 0,
      comments: 1,
      shares: 0,
      saves: 0,
      extra: {},
    });

    const del = {
      account: account(),
      platformPostId: receipt.platformPostId,
      signal: new AbortController().signal,
    };
    expect(await adapter.unpublish!(del)).toBe('deleted');
    expect((await api('GET', `/wp/v2/posts/${receipt.platformPostId}?context=edit`)).status).toBe(404);
    expect(await adapter.fetchMetrics!(metrics)).toBeNull();
    expect(await adapter.unpublish!(del)).toBe('deleted');
  });

  test('saves a draft, which reconcile finds and readers do not see', async () => {
    const req = publishRequest(
      account(),
      { title: 'A draft from Postflow', text: 'Plain text, no image.', media: [] },
      { status: 'draft' },
      [],
    );
    const receipt = await runDelivery(adapter, req);
    expect(await ok('GET', `/wp/v2/posts/${receipt.platformPostId}?context=edit`)).toMatchObject({
      status: 'draft',
      featured_media: 0,
      categories: [1],
    });
    expect(await adapter.findExisting!(req)).toEqual(receipt);
    const anonymous = await fetch(`${wp.url}/wp-json/wp/v2/posts/${receipt.platformPostId}`);
    expect(anonymous.status).toBe(401);
  });

  test('an unknown category id, which WordPress drops without a word, is refused before posting', async () => {
    // WordPress itself: the post is made, in no category at all.
    const dropped = await ok('POST', '/wp/v2/posts', {
      title: 'Direct',
      categories: [9999],
      status: 'draft',
    });
    expect(dropped.categories).toEqual([]);

    const req = publishRequest(
      account(),
      { title: 'Unknown terms', text: 'Body', media: [] },
      { categories: [1, 9999] },
      [],
    );
    const err = (await runDelivery(adapter, req).catch((e: unknown) => e)) as PublishError;
    expect(err.failure).toMatchObject({ category: 'validation', code: 'platform.wordpress.unknown_term' });
    expect(await ok('GET', '/wp/v2/posts?status=any&search=Unknown&context=edit')).toEqual([]);
  });

  test('an image that is not what its type says is refused for good', async () => {
    const media = host.serve([{ contentType: 'image/png', bytes: Buffer.from('not a png') }]);
    const req = publishRequest(
      account(),
      { title: 'Bad image', text: 'Body', media: media.map((m) => m.ref) },
      {},
      media,
    );
    const err = (await runDelivery(adapter, req).catch((e: unknown) => e)) as PublishError;
    expect(err.failure).toMatchObject({
      category: 'validation',
      code: 'platform.wordpress.media_rejected',
      retryable: false,
    });
  });

  test('a wrong application password is an auth failure that asks to reconnect', async () => {
    const req = publishRequest(
      {
        ...account(),
        credentials: { ...account().credentials, application_password: 'abcd efgh ijkl mnop qrst uvwx' },
      },
      { title: 'Never posted', text: 'Body', media: [] },
      {},
      [],
    );
    const err = (await adapter.publish(req, {}).catch((e: unknown) => e)) as PublishError;
    // WordPress answers as to a visitor (rest_cannot_create), never naming the password.
    expect(err.failure).toMatchObject({ category: 'auth', code: 'platform.wordpress.auth', reconnect: true });
    expect(err.failure.message).toContain('rest_cannot_create, HTTP 401');
  });
});
