import { FacebookFake } from '../../platforms/meta/facebook/fake';
import { MetaGraphFake } from '../../platforms/meta/fake-graph';
import { TwitterFake, X_CLIENT_FORBIDDEN } from '../../platforms/twitter/fake';
import { scheduledActivities } from '../helpers/history';
import { openApiChecker } from '../helpers/openapi';
import { WebhookReceiver } from '../helpers/receiver';
import { Stack } from '../helpers/stack';

/**
 * "Once the platform has the post, the target is published", through the real stack (Temporal
 * dev server, `postflow worker`, `postflow api`): an X thread whose reply step is refused for good
 * and a Facebook post whose permalink read is refused end `published`, each posted once, with
 * their metadata and warnings in GET /v1/posts/{id} and in the `post.published` webhook.
 */
const twitter = new TwitterFake();
const facebook = new FacebookFake();
let receiver: WebhookReceiver;
let stack: Stack;

beforeAll(async () => {
  await Promise.all([twitter.start(), facebook.start()]);
  receiver = await new WebhookReceiver().start();
  stack = await new Stack({
    POSTFLOW_TWITTER_API_URL: twitter.url,
    POSTFLOW_TWITTER_CLIENT_ID: 'client-1',
    POSTFLOW_TWITTER_CLIENT_SECRET: 'secret-1',
    POSTFLOW_FACEBOOK_API_URL: facebook.url,
    // The receiver runs on loopback over http, which only this setting allows.
    POSTFLOW_ALLOW_PRIVATE_URLS: 'true',
  }).start();
});

afterAll(async () => {
  await stack?.stop();
  await receiver?.stop();
  await Promise.all([twitter.stop(), facebook.stop()]);
});

async function account(platform: string, credentials: Record<string, string>): Promise<string> {
  const { status, body } = await stack.request('POST', '/v1/accounts', {
    platform,
    name: `${platform} account`,
    credentials,
  });
  expect(status).toBe(201);
  return body.id;
}

test('a thread cut short and a permalink denied are published once, with metadata and warnings', async () => {
  const hook = await stack.request('POST', '/v1/webhooks', { url: receiver.url, events: ['post.published'] });
  expect(hook.status).toBe(201);
  const x = await account('twitter', twitter.credentials());
  const page = await account('facebook', facebook.credentials());

  // X: the lookup before the first reply is refused for good (an app without read access).
  twitter.inject({ method: 'GET', path: /^\/2\/users\/\d+\/tweets$/ }, X_CLIENT_FORBIDDEN);
  // Facebook: both reads of the new post's permalink are refused (the token lacks the permission).
  facebook.inject(
    { method: 'GET', path: /\/\d+_\d+$/ },
    MetaGraphFake.error(400, 10, 'Application does not have permission for this action'),
    2,
  );

  const created = await stack.request('POST', '/v1/posts', {
    text: 'Live is published',
    targets: [{ account_id: x, platform_data: { thread: ['and a reply'] } }, { account_id: page }],
    publish_now: true,
  });
  expect([200, 201, 202]).toContain(created.status);
  const post = await stack.waitForPost(
    created.body.id,
    (p) => !['scheduled', 'publishing'].includes(p.status),
    180_000,
  );

  expect(post.status).toBe('published');
  expect(post.error_message).toBe('');
  const root = twitter.posts.filter((p) => p.text === 'Live is published');
  expect(root).toHaveLength(1);
  expect(twitter.posts.filter((p) => p.replyTo === root[0]!.id)).toHaveLength(0);
  const fbPosts = facebook.published.filter((p) => p.message === 'Live is published');
  expect(fbPosts).toHaveLength(1);
  const [pageId, postId] = fbPosts[0]!.id.split('_');

  expect(post.targets).toEqual([
    expect.objectContaining({
      platform: 'twitter',
      status: 'published',
      error: null,
      attempts: 1,
      platform_post_id: root[0]!.id,
      metadata: {
        thread_post_ids: [root[0]!.id],
        thread_failed_at_index: 1,
        warnings: [
          { code: 'platform.twitter.thread_incomplete', message: expect.stringContaining('part 2') },
        ],
      },
    }),
    expect.objectContaining({
      platform: 'facebook',
      status: 'published',
      error: null,
      attempts: 1,
      platform_post_id: fbPosts[0]!.id,
      permalink: `https://www.facebook.com/${pageId}/posts/${postId}`,
      metadata: {
        // The Page it went to (a delete uses that Page's token).
        page_id: pageId,
        warnings: [
          { code: 'platform.facebook.permalink_unavailable', message: expect.stringContaining('code 10') },
        ],
      },
    }),
  ]);
  (await openApiChecker(stack.baseUrl))('Post', post);

  // One publish call per target: nothing was published again.
  const activities = await scheduledActivities(stack.client, post.id);
  expect(activities.filter((a) => a === 'publishTarget')).toHaveLength(2);

  const event = await receiver.waitFor(
    (r) => r.json?.event === 'post.published' && r.json?.data?.post_id === post.id,
    60_000,
  );
  expect(event.json.data.results.map((r: { metadata: unknown }) => r.metadata)).toEqual(
    post.targets.map((t: { metadata: unknown }) => t.metadata),
  );
});
