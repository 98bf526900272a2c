import type { AccountContext } from '../../platforms/kit/adapter';
import { PublishError } from '../../platforms/kit/adapter';
import { createInstagramAdapter } from '../../platforms/meta/instagram/adapter';
import { InstagramFake } from '../../platforms/meta/instagram/fake';
import { createPinterestAdapter } from '../../platforms/pinterest/adapter';
import { PinterestFake } from '../../platforms/pinterest/fake';
import { createTikTokAdapter } from '../../platforms/tiktok/adapter';
import { TikTokFake } from '../../platforms/tiktok/fake';
import { createTwitterAdapter } from '../../platforms/twitter/adapter';
import { PLATFORM_DESCRIPTORS } from '../../platforms/descriptors';
import { ADAPTER_FACTORIES } from '../../platforms/adapters';

/** The account helpers (boards, creator info, limits) of each adapter that has them, against its fake. */

const signal = new AbortController().signal;
const helperRequest = (platform: string, credentials: Record<string, string>) => ({
  account: { id: `acc_${platform}`, platform, name: platform, credentials } satisfies AccountContext,
  signal,
});
const failureOf = async (promise: Promise<unknown>) => {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PublishError);
  return (err as PublishError).failure;
};

test('every descriptor that lists a helper has an adapter that answers it, and no other does', () => {
  const method = { boards: 'boards', creator_info: 'creatorInfo', limits: 'limits' } as const;
  for (const descriptor of PLATFORM_DESCRIPTORS) {
    const factory = ADAPTER_FACTORIES[descriptor.slug];
    const helpers: Record<string, unknown> = {
      ...factory?.({}, { store: {} as never, publicUrl: '' })?.helpers,
    };
    for (const [name, fn] of Object.entries(method)) {
      const listed = descriptor.accountHelpers?.includes(name as keyof typeof method) ?? false;
      expect([descriptor.slug, name, typeof helpers[fn] === 'function']).toEqual([
        descriptor.slug,
        name,
        listed,
      ]);
    }
  }
});

describe('pinterest boards', () => {
  let fake: PinterestFake;
  const env = { POSTFLOW_PINTEREST_CLIENT_ID: '1484362', POSTFLOW_PINTEREST_CLIENT_SECRET: 'app-secret-1' };
  const adapter = () => createPinterestAdapter({ baseUrl: fake.url, timeoutMs: 2_000, env });
  const req = () => helperRequest('pinterest', fake.credentials());
  beforeEach(async () => {
    fake = await new PinterestFake().start();
  });
  afterEach(() => fake.stop());

  test('lists every board through GET /v5/boards, page after page', async () => {
    for (let i = 0; i < 300; i++) fake.boards.add(`90000000000000${String(i).padStart(4, '0')}`);
    const boards = await adapter().helpers!.boards!(req());
    expect(boards).toHaveLength(301);
    expect(boards[0]).toEqual({
      id: '1022106146619113835',
      board_id: '1022106146619113835',
      name: 'Board 1022106146619113835',
      privacy: 'PUBLIC',
    });
    expect(fake.requests.filter((r) => r.method === 'GET' && r.path === '/v5/boards')).toHaveLength(2);
  });

  test('creates a board with POST /v5/boards, then lists it', async () => {
    const made = await adapter().helpers!.createBoard!(req(), {
      name: 'Recipes',
      description: 'Weeknight dinners',
      privacy: 'SECRET',
    });
    expect(made).toEqual({ id: made.board_id, board_id: made.board_id, name: 'Recipes', privacy: 'SECRET' });
    expect(fake.boardDetails.get(made.board_id)).toEqual({
      name: 'Recipes',
      description: 'Weeknight dinners',
      privacy: 'SECRET',
    });
    expect((await adapter().helpers!.boards!(req())).map((b) => b.name)).toContain('Recipes');
  });

  test("a name Pinterest refuses (a board of that name exists) is the platform's validation failure", async () => {
    await adapter().helpers!.createBoard!(req(), { name: 'Recipes' });
    const failure = await failureOf(adapter().helpers!.createBoard!(req(), { name: 'Recipes' }));
    expect(failure).toMatchObject({ category: 'validation', code: 'platform.pinterest.conflict' });
  });

  test('reads, changes and deletes one board through GET, PATCH and DELETE /v5/boards/{board_id}', async () => {
    const helpers = adapter().helpers!;
    const made = await helpers.createBoard!(req(), { name: 'Recipes', privacy: 'PUBLIC' });
    expect(await helpers.board!(req(), made.board_id)).toEqual(made);
    const changed = await helpers.updateBoard!(req(), made.board_id, {
      name: 'Dinners',
      description: 'Weeknight',
      privacy: 'SECRET',
    });
    expect(changed).toEqual({
      id: made.board_id,
      board_id: made.board_id,
      name: 'Dinners',
      privacy: 'SECRET',
    });
    expect(fake.boardDetails.get(made.board_id)).toEqual({
      name: 'Dinners',
      description: 'Weeknight',
      privacy: 'SECRET',
    });
    // Only the fields given change.
    expect(await helpers.updateBoard!(req(), made.board_id, { privacy: 'PUBLIC' })).toMatchObject({
      name: 'Dinners',
      privacy: 'PUBLIC',
    });
    expect(
      fake.requests.filter((r) => r.method === 'PATCH' && r.path === `/v5/boards/${made.board_id}`),
    ).toHaveLength(2);
    fake.pinFromApp(made.board_id, 'a pin on it');
    await helpers.deleteBoard!(req(), made.board_id);
    expect(fake.boards.has(made.board_id)).toBe(false);
    expect(fake.pins.some((p) => p.boardId === made.board_id)).toBe(false);
  });

  test("a board the account lacks is resource.not_found; one shared with it is Pinterest's forbidden", async () => {
    const helpers = adapter().helpers!;
    for (const call of [
      helpers.board!(req(), '999'),
      helpers.updateBoard!(req(), '999', { name: 'x' }),
      helpers.deleteBoard!(req(), '999'),
    ]) {
      expect(await failureOf(call)).toMatchObject({ category: 'validation', code: 'resource.not_found' });
    }
    fake.sharedBoards.add('777');
    expect(await helpers.board!(req(), '777')).toMatchObject({ board_id: '777' });
    expect(await failureOf(helpers.updateBoard!(req(), '777', { name: 'x' }))).toMatchObject({
      category: 'auth',
      code: 'platform.pinterest.forbidden',
      message: expect.stringContaining('Not authorized to update the board.'),
    });
    expect(await failureOf(helpers.deleteBoard!(req(), '777'))).toMatchObject({
      code: 'platform.pinterest.forbidden',
      message: expect.stringContaining('Not authorized to delete the board.'),
    });
  });

  test('a token Pinterest refuses is an auth failure the engine may refresh', async () => {
    const failure = await failureOf(
      adapter().helpers!.boards!(
        helperRequest('pinterest', { access_token: 'nope', expires_at: '2999-01-01T00:00:00Z' }),
      ),
    );
    expect(failure).toMatchObject({ category: 'auth', code: 'platform.pinterest.auth', refreshable: true });
  });
});

describe('tiktok creator info', () => {
  let fake: TikTokFake;
  const env = { POSTFLOW_TIKTOK_CLIENT_ID: 'client-key-1', POSTFLOW_TIKTOK_CLIENT_SECRET: 'client-secret-1' };
  const adapter = () => createTikTokAdapter({ baseUrl: fake.url, timeoutMs: 2_000, env });
  beforeEach(async () => {
    fake = await new TikTokFake().start();
  });
  afterEach(() => fake.stop());

  test("answers creator_info/query in the contract's shape", async () => {
    fake.creator = {
      ...fake.creator,
      privacy_level_options: ['SELF_ONLY'],
      duet_disabled: true,
      max_video_post_duration_sec: 180,
    };
    const info = await adapter().helpers!.creatorInfo!(helperRequest('tiktok', fake.credentials()));
    expect(info).toEqual({
      platform: 'tiktok',
      nickname: 'Postflow',
      avatar_url: 'https://p16.tiktokcdn.example/avatar.jpeg',
      can_post: true,
      max_video_duration_sec: 180,
      privacy_level_options: ['SELF_ONLY'],
      interaction_settings: { comment_disabled: false, duet_disabled: true, stitch_disabled: false },
    });
  });

  test("a creator at TikTok's daily cap can_post false, not an error", async () => {
    fake.postingCapReached = true;
    const info = await adapter().helpers!.creatorInfo!(helperRequest('tiktok', fake.credentials()));
    expect(info).toMatchObject({ can_post: false, privacy_level_options: [] });
  });

  test('TikTok rate limiting is classified as a rate limit', async () => {
    fake.inject(
      { path: '/v2/post/publish/creator_info/query/' },
      {
        status: 429,
        body: { data: {}, error: { code: 'rate_limit_exceeded', message: 'slow down', log_id: 'x' } },
      },
    );
    const failure = await failureOf(
      adapter().helpers!.creatorInfo!(helperRequest('tiktok', fake.credentials())),
    );
    expect(failure).toMatchObject({ category: 'rate_limit', code: 'platform.tiktok.rate_limit' });
  });
});

describe('instagram limits', () => {
  let fake: InstagramFake;
  beforeEach(async () => {
    fake = await new InstagramFake().start();
  });
  afterEach(() => fake.stop());

  test('content_publishing_limit becomes posts_remaining', async () => {
    fake.publishingQuota = 100;
    // Two posts through the API within the day, one a day and a half ago (no longer counted).
    fake.apiPublishedAt.push(Date.now() - 36 * 3_600_000, Date.now() - 60_000, Date.now());
    fake.postFromApp('IMAGE', 'made in the app');
    const limits = await createInstagramAdapter({ baseUrl: fake.url }).helpers!.limits!(
      helperRequest('instagram', fake.credentials()),
    );
    expect(limits).toEqual({ posts_remaining: 98 });
    expect(fake.requests.some((r) => r.path.endsWith(`/${fake.userId}/content_publishing_limit`))).toBe(true);
  });
});

test('X has no account helpers: the adapter offers none', () => {
  expect(createTwitterAdapter({}).helpers).toBeUndefined();
});
