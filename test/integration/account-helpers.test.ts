import { InstagramFake } from '../../platforms/meta/instagram/fake';
import { PinterestFake } from '../../platforms/pinterest/fake';
import { TikTokFake } from '../../platforms/tiktok/fake';
import { TwitterFake } from '../../platforms/twitter/fake';
import { FAKE_MP4 } from '../contracts/run-delivery';
import { mp4Lasting } from '../helpers/mp4';
import { Stack } from '../helpers/stack';

/**
 * The account helpers through the real stack (Temporal dev server, `postflow worker`, `postflow
 * api`), each platform played by its fake: the API asks the platform through a worker.
 */
const pinterest = new PinterestFake();
const tiktok = new TikTokFake();
const instagram = new InstagramFake();
const x = new TwitterFake();
let stack: Stack;
const accounts: Record<string, string> = {};

beforeAll(async () => {
  await Promise.all([pinterest.start(), tiktok.start(), instagram.start(), x.start()]);
  x.dailyCaps = { user: 100, app: 1667 }; // X's Basic plan
  stack = await new Stack({
    POSTFLOW_PINTEREST_API_URL: pinterest.url,
    POSTFLOW_PINTEREST_CLIENT_ID: '1484362',
    POSTFLOW_PINTEREST_CLIENT_SECRET: 'app-secret-1',
    POSTFLOW_TIKTOK_API_URL: tiktok.url,
    POSTFLOW_TIKTOK_CLIENT_ID: 'client-key-1',
    POSTFLOW_TIKTOK_CLIENT_SECRET: 'client-secret-1',
    POSTFLOW_INSTAGRAM_API_URL: instagram.url,
    POSTFLOW_TWITTER_API_URL: x.url,
  }).start();
  const credentials = {
    pinterest: pinterest.credentials(),
    tiktok: tiktok.credentials(),
    instagram: instagram.credentials(),
    twitter: x.credentials(),
  };
  for (const [platform, creds] of Object.entries(credentials)) {
    const { status, body } = await stack.request('POST', '/v1/accounts', {
      platform,
      name: platform,
      credentials: creds,
    });
    expect(status).toBe(201);
    accounts[platform] = body.id;
  }
  accounts.sandbox = await stack.createSandboxAccount();
});

afterAll(async () => {
  await stack?.stop();
  await Promise.all([pinterest.stop(), tiktok.stop(), instagram.stop(), x.stop()]);
});

const errorOf = (res: { status: number; body: { error: { code: string } } }) => [
  res.status,
  res.body.error.code,
];

test("boards: listed from Pinterest, a new one created there and listed next (the cache doesn't hide it)", async () => {
  const listed = await stack.request('GET', `/v1/accounts/${accounts.pinterest}/boards`);
  expect(listed.status).toBe(200);
  expect(listed.body).toEqual({
    data: [
      {
        id: '1022106146619113835',
        board_id: '1022106146619113835',
        name: 'Board 1022106146619113835',
        privacy: 'PUBLIC',
      },
    ],
  });

  const made = await stack.request('POST', `/v1/accounts/${accounts.pinterest}/boards`, {
    name: 'Recipes',
    description: 'Weeknight dinners',
    privacy: 'SECRET',
  });
  expect(made.status).toBe(201);
  expect(made.body).toEqual({
    id: made.body.board_id,
    board_id: expect.stringMatching(/^\d+$/),
    name: 'Recipes',
    privacy: 'SECRET',
  });
  expect(pinterest.boards.has(made.body.board_id)).toBe(true);

  const again = await stack.request('GET', `/v1/accounts/${accounts.pinterest}/boards`);
  expect(again.body.data.map((b: { name: string }) => b.name)).toEqual([
    'Board 1022106146619113835',
    'Recipes',
  ]);

  // Within the minute the list is served again without asking Pinterest.
  const asked = pinterest.requests.filter((r) => r.path === '/v5/boards' && r.method === 'GET').length;
  await stack.request('GET', `/v1/accounts/${accounts.pinterest}/boards`);
  expect(pinterest.requests.filter((r) => r.path === '/v5/boards' && r.method === 'GET')).toHaveLength(asked);

  // Pinterest refusing a second board of the same name is the platform's error, named.
  const twice = await stack.request('POST', `/v1/accounts/${accounts.pinterest}/boards`, { name: 'Recipes' });
  expect(errorOf(twice)).toEqual([400, 'platform.pinterest.conflict']);
});

test('one board: read, changed (only the fields given) and deleted on Pinterest; unknown and shared boards refused', async () => {
  const made = await stack.request('POST', `/v1/accounts/${accounts.pinterest}/boards`, { name: 'Soups' });
  expect(made.status).toBe(201);
  const path = `/v1/accounts/${accounts.pinterest}/boards/${made.body.board_id}`;
  const read = await stack.request('GET', path);
  expect(read.status).toBe(200);
  expect(read.body).toEqual(made.body);

  const changed = await stack.request('PATCH', path, {
    name: 'Winter soups',
    description: 'Warm',
    privacy: 'SECRET',
  });
  expect(changed.status).toBe(200);
  expect(changed.body).toEqual({ ...made.body, name: 'Winter soups', privacy: 'SECRET' });
  expect(pinterest.boardDetails.get(made.body.board_id)).toEqual({
    name: 'Winter soups',
    description: 'Warm',
    privacy: 'SECRET',
  });
  // The change is seen at once: neither the board nor the list is served from before it.
  expect((await stack.request('GET', path)).body.name).toBe('Winter soups');
  const listed = await stack.request('GET', `/v1/accounts/${accounts.pinterest}/boards`);
  expect(listed.body.data.map((b: { name: string }) => b.name)).toContain('Winter soups');

  // Checked before Pinterest is asked: PROTECTED is not a privacy a board can be changed to.
  const patches = () => pinterest.requests.filter((r) => r.method === 'PATCH').length;
  const before = patches();
  expect(errorOf(await stack.request('PATCH', path, { privacy: 'PROTECTED' }))).toEqual([
    400,
    'validation.field_invalid',
  ]);
  expect(errorOf(await stack.request('PATCH', path, {}))).toEqual([400, 'validation.field_required']);
  expect(patches()).toBe(before);

  const deleted = await stack.request('DELETE', path);
  expect(deleted.status).toBe(204);
  expect(pinterest.boards.has(made.body.board_id)).toBe(false);
  expect(errorOf(await stack.request('GET', path))).toEqual([404, 'resource.not_found']);
  expect(errorOf(await stack.request('DELETE', path))).toEqual([404, 'resource.not_found']);

  // A group board another user shared: readable, not this account's to change or delete.
  pinterest.sharedBoards.add('4242');
  const shared = `/v1/accounts/${accounts.pinterest}/boards/4242`;
  expect((await stack.request('GET', shared)).status).toBe(200);
  expect(errorOf(await stack.request('PATCH', shared, { name: 'Mine now' }))).toEqual([
    403,
    'platform.pinterest.forbidden',
  ]);
  expect(errorOf(await stack.request('DELETE', shared))).toEqual([403, 'platform.pinterest.forbidden']);
  // Another platform's account has no boards.
  expect(errorOf(await stack.request('GET', `/v1/accounts/${accounts.tiktok}/boards/4242`))).toEqual([
    501,
    'resource.not_supported',
  ]);
});

test('a board body is checked before Pinterest is asked; unknown fields are refused by name', async () => {
  const bad = await stack.request('POST', `/v1/accounts/${accounts.pinterest}/boards`, {
    name: '',
    privacy: 'OPEN',
    colour: 'red',
  });
  expect(bad.status).toBe(400);
  expect(bad.body.error.code).toMatch(/^validation\./);
  const fields = bad.body.error.meta.errors.map((e: { field: string }) => e.field).sort();
  expect(fields).toEqual(expect.arrayContaining(['name', 'privacy']));
});

test('creator-info: TikTok creator_info in the contract shape', async () => {
  const res = await stack.request('GET', `/v1/accounts/${accounts.tiktok}/creator-info`);
  expect(res.status).toBe(200);
  expect(res.body).toEqual({
    platform: 'tiktok',
    nickname: 'Postflow',
    avatar_url: 'https://p16.tiktokcdn.example/avatar.jpeg',
    can_post: true,
    max_video_duration_sec: 600,
    privacy_level_options: ['PUBLIC_TO_EVERYONE', 'MUTUAL_FOLLOW_FRIENDS', 'SELF_ONLY'],
    interaction_settings: { comment_disabled: false, duet_disabled: false, stitch_disabled: false },
  });
});

test('a TikTok post whose privacy level the creator is not offered is refused at creation, naming the field', async () => {
  const form = new FormData();
  form.set('file', new Blob([FAKE_MP4], { type: 'video/mp4' }), 'clip.mp4');
  const uploaded = await fetch(`${stack.baseUrl}/v1/media/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.apiKey}` },
    body: form,
  });
  expect(uploaded.status).toBe(201);
  const { media_id: video } = (await uploaded.json()) as { media_id: string };
  const post = (privacy: string) => ({
    text: 'From the helpers suite',
    media: [{ source_type: 'media_id', source: video }],
    scheduled_at: new Date(Date.now() + 86_400_000).toISOString(),
    targets: [{ account_id: accounts.tiktok, platform_data: { privacy_level: privacy } }],
  });
  const refused = await stack.request('POST', '/v1/posts', post('FOLLOWER_OF_CREATOR'));
  expect(errorOf(refused)).toEqual([400, 'validation.field_invalid']);
  expect(refused.body.error.meta.field).toBe('targets[0].platform_data.privacy_level');
  expect(refused.body.error.message).toContain('PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS, SELF_ONLY');

  const checked = await stack.request('POST', '/v1/posts/validate', post('FOLLOWER_OF_CREATOR'));
  expect(checked.body).toMatchObject({
    valid: false,
    errors: [
      {
        platform: 'tiktok',
        field: 'targets[0].platform_data.privacy_level',
        code: 'validation.field_invalid',
      },
    ],
  });

  const accepted = await stack.request('POST', '/v1/posts', post('SELF_ONLY'));
  expect(accepted.status).toBe(201);
  expect((await stack.request('DELETE', `/v1/posts/${accepted.body.id}`)).status).toBeLessThan(300);
});

test("a TikTok video longer than the creator's max_video_duration_sec is refused at creation, naming its media", async () => {
  const uploadVideo = (bytes: Buffer) => stack.upload(bytes, 'video/mp4', 'clip.mp4');
  const post = (video: string) => ({
    text: 'Too long?',
    media_ids: [video],
    scheduled_at: new Date(Date.now() + 86_400_000).toISOString(),
    targets: [{ account_id: accounts.tiktok, platform_data: { privacy_level: 'SELF_ONLY' } }],
  });
  const long = await uploadVideo(mp4Lasting(600.5)); // the fake creator may post 600 s
  const refused = await stack.request('POST', '/v1/posts', post(long));
  expect(errorOf(refused)).toEqual([400, 'validation.field_invalid']);
  expect(refused.body.error.meta.field).toBe('media_ids[0]');
  expect(refused.body.error.message).toContain('600.5 s long');
  expect(refused.body.error.message).toContain('at most 600 s');
  const checked = await stack.request('POST', '/v1/posts/validate', post(long));
  expect(checked.body).toMatchObject({
    valid: false,
    errors: [{ platform: 'tiktok', field: 'media_ids[0]', code: 'validation.field_invalid' }],
  });

  const accepted = await stack.request('POST', '/v1/posts', post(await uploadVideo(mp4Lasting(600))));
  expect(accepted.status).toBe(201);
  expect((await stack.request('DELETE', `/v1/posts/${accepted.body.id}`)).status).toBeLessThan(300);
});

test("a video past its platform's documented limits is refused at creation, naming it (X: 140 s)", async () => {
  const post = (video: string) => ({
    text: 'Within X limits?',
    media_ids: [video],
    scheduled_at: new Date(Date.now() + 86_400_000).toISOString(),
    account_ids: [accounts.twitter],
  });
  const long = await stack.upload(mp4Lasting(141), 'video/mp4', 'clip.mp4');
  const refused = await stack.request('POST', '/v1/posts', post(long));
  expect(errorOf(refused)).toEqual([400, 'validation.field_invalid']);
  expect(refused.body.error.message).toContain('lasts 141 s; twitter takes videos up to 140 s');
  const constraints = await stack.request('GET', '/v1/posts/validate?platform=twitter');
  expect(constraints.body.data.twitter.media.limits).toEqual({
    video: { max_bytes: 512 * 1024 * 1024, min_duration_sec: 0.5, max_duration_sec: 140 },
  });

  const accepted = await stack.request(
    'POST',
    '/v1/posts',
    post(await stack.upload(mp4Lasting(140), 'video/mp4', 'clip.mp4')),
  );
  expect(accepted.status).toBe(201);
  expect((await stack.request('DELETE', `/v1/posts/${accepted.body.id}`)).status).toBeLessThan(300);
});

test("limits: Instagram's content publishing limit; {} for a platform that reports none", async () => {
  instagram.apiPublishedAt.push(Date.now() - 60_000);
  const ig = await stack.request('GET', `/v1/accounts/${accounts.instagram}/limits`);
  expect([ig.status, ig.body]).toEqual([200, { posts_remaining: 99 }]);
  const none = await stack.request('GET', `/v1/accounts/${accounts.sandbox}/limits`);
  expect([none.status, none.body]).toEqual([200, {}]);
});

test("limits: X's 24-hour post allowances, as the answer to the account's last post reported them", async () => {
  expect((await stack.request('GET', `/v1/accounts/${accounts.twitter}/limits`)).body).toEqual({});
  const made = await stack.request('POST', '/v1/posts', { account_ids: [accounts.twitter], text: 'counted' });
  expect(made.status).toBe(201);
  await stack.waitForPost(made.body.id, (p) => p.status === 'published');
  const reset = Math.floor(x.day.resetsAt / 1000);
  const limits = await stack.request('GET', `/v1/accounts/${accounts.twitter}/limits`);
  expect([limits.status, limits.body]).toEqual([
    200,
    {
      posts_24h_limit: 100,
      posts_24h_remaining: 99,
      posts_24h_reset: reset,
      app_posts_24h_limit: 1667,
      app_posts_24h_remaining: 1666,
      app_posts_24h_reset: reset,
    },
  ]);
});

test('the contract errors: no such account 404, a platform without the helper 501, a platform failure classified', async () => {
  expect(errorOf(await stack.request('GET', '/v1/accounts/acc_nope/boards'))).toEqual([
    404,
    'account.not_found',
  ]);
  expect(errorOf(await stack.request('GET', `/v1/accounts/${accounts.tiktok}/boards`))).toEqual([
    501,
    'resource.not_supported',
  ]);
  expect(errorOf(await stack.request('GET', `/v1/accounts/${accounts.pinterest}/creator-info`))).toEqual([
    501,
    'resource.not_supported',
  ]);
  // A second Instagram account, so that no cached answer stands in for the platform.
  const second = await stack.request('POST', '/v1/accounts', {
    platform: 'instagram',
    name: 'second',
    credentials: instagram.credentials(),
  });
  instagram.inject(
    { path: /content_publishing_limit$/ },
    {
      status: 500,
      body: { error: { message: 'An unknown error occurred', type: 'OAuthException', code: 1 } },
    },
  );
  const failed = await stack.request('GET', `/v1/accounts/${second.body.id}/limits`);
  expect(failed.status).toBe(502);
  expect(failed.body.error.code).toMatch(/^platform\.instagram\./);
  expect(failed.body.error.meta).toEqual({ platform: 'instagram' });
});

test("an expired token is refreshed once by the helper's workflow, then the platform is asked", async () => {
  const expired = { ...pinterest.credentials(), expires_at: new Date(Date.now() - 60_000).toISOString() };
  const created = await stack.request('POST', '/v1/accounts', {
    platform: 'pinterest',
    name: 'expired',
    credentials: expired,
  });
  const refreshes = () => pinterest.requests.filter((r) => r.path === '/v5/oauth/token').length;
  const before = refreshes();
  const listed = await stack.request('GET', `/v1/accounts/${created.body.id}/boards`);
  expect(listed.status).toBe(200);
  expect(listed.body.data.length).toBeGreaterThan(0);
  expect(refreshes()).toBe(before + 1);
});
