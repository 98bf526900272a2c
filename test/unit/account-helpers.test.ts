import type { AccountHelperJob, CreatorInfo } from '../../api/account-helpers';
import { ApiError } from '../../api/errors';
import type { AccountHelperCalls } from '../../gateway';
import { AccountHelperService, CREATOR_INFO_CACHE_MS, HELPER_CACHE_MS } from '../../services/account-helpers';
import type { Store } from '../../store/types';
import { tempStore } from '../helpers/fixtures';

/** The account helpers' rules and cache, over a recording stand-in for the worker. */
const USER = 'usr_default';
const creator: CreatorInfo = {
  platform: 'tiktok',
  nickname: 'N',
  avatar_url: '',
  can_post: true,
  max_video_duration_sec: 600,
  privacy_level_options: ['SELF_ONLY'],
  interaction_settings: { comment_disabled: false, duet_disabled: false, stitch_disabled: false },
};

let store: Store;
let clock: number;
let calls: AccountHelperJob[];
let answer: () => unknown;
let service: AccountHelperService;

beforeEach(async () => {
  ({ store } = await tempStore());
  clock = 1_000_000;
  calls = [];
  answer = () => [];
  const helpers = {
    run: async (_platform: string, job: AccountHelperJob) => {
      calls.push(job);
      return answer();
    },
  } as unknown as AccountHelperCalls;
  service = new AccountHelperService({ store, helpers, now: () => clock });
});

const account = async (platform: string, userId = USER) =>
  (await store.createAccount({ userId, platform, name: platform })).id;
const refusal = async (promise: Promise<unknown>) => {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return [(err as ApiError).status, (err as ApiError).code];
};

test('an answer is served again for a minute per account, then asked afresh', async () => {
  const pins = await account('pinterest');
  answer = () => [{ id: 'b', board_id: 'b', name: 'B', privacy: 'PUBLIC' }];
  await service.boards(USER, pins);
  clock += HELPER_CACHE_MS - 1;
  expect(await service.boards(USER, pins)).toEqual({
    data: [{ id: 'b', board_id: 'b', name: 'B', privacy: 'PUBLIC' }],
  });
  expect(calls).toHaveLength(1);
  clock += 1;
  await service.boards(USER, pins);
  expect(calls).toHaveLength(2);
});

test("TikTok's creator info is served again for ten minutes, as the contract caches it", async () => {
  const clips = await account('tiktok');
  answer = () => creator;
  await service.creatorInfo(USER, clips);
  expect(CREATOR_INFO_CACHE_MS).toBe(10 * 60_000);
  clock += CREATOR_INFO_CACHE_MS - 1;
  expect(await service.creatorInfo(USER, clips)).toEqual(creator);
  expect(await service.creatorInfoIfReachable(USER, clips)).toEqual(creator);
  expect(calls).toHaveLength(1);
  clock += 1;
  await service.creatorInfo(USER, clips);
  expect(calls).toHaveLength(2);
});

test('creating a board forgets the cached list; its body is checked before the worker is asked', async () => {
  const pins = await account('pinterest');
  await service.boards(USER, pins);
  expect(await refusal(service.createBoard(USER, pins, { name: 'x', colour: 'red' }))).toEqual([
    400,
    'validation.field_invalid',
  ]);
  expect(calls).toHaveLength(1);
  answer = () => ({ id: 'n', board_id: 'n', name: 'New', privacy: 'PUBLIC' });
  await service.createBoard(USER, pins, { name: 'New' });
  expect(calls[1]).toEqual({ kind: 'create_board', accountId: pins, board: { name: 'New' } });
  answer = () => [];
  await service.boards(USER, pins);
  expect(calls.map((c) => c.kind)).toEqual(['boards', 'create_board', 'boards']);
});

test('one board is cached like the list; changing or deleting one forgets both; a change body is checked first', async () => {
  const pins = await account('pinterest');
  const recipes = { id: 'r', board_id: 'r', name: 'Recipes', privacy: 'PUBLIC' };
  answer = () => [recipes];
  await service.boards(USER, pins);
  answer = () => recipes;
  expect(await service.board(USER, pins, 'r')).toEqual(recipes);
  expect(await service.board(USER, pins, 'r')).toEqual(recipes);
  expect(calls).toEqual([
    { kind: 'boards', accountId: pins },
    { kind: 'board', accountId: pins, boardId: 'r' },
  ]);
  expect(await refusal(service.updateBoard(USER, pins, 'r', {}))).toEqual([400, 'validation.field_required']);
  expect(await refusal(service.updateBoard(USER, pins, 'r', { privacy: 'PROTECTED' }))).toEqual([
    400,
    'validation.field_invalid',
  ]);
  expect(calls).toHaveLength(2);
  answer = () => ({ ...recipes, name: 'Dinners' });
  await service.updateBoard(USER, pins, 'r', { name: 'Dinners' });
  expect(calls[2]).toEqual({
    kind: 'update_board',
    accountId: pins,
    boardId: 'r',
    changes: { name: 'Dinners' },
  });
  await service.board(USER, pins, 'r');
  await service.boards(USER, pins);
  answer = () => ({ board_id: 'r', deleted: true });
  await service.deleteBoard(USER, pins, 'r');
  await service.board(USER, pins, 'r');
  expect(calls.map((c) => c.kind)).toEqual([
    'boards',
    'board',
    'update_board',
    'board',
    'boards',
    'delete_board',
    'board',
  ]);
});

test("another user's account is not found; a platform without the helper is 501; reconnect_required is 403", async () => {
  const theirs = await account('pinterest', 'usr_other');
  expect(await refusal(service.boards(USER, theirs))).toEqual([404, 'account.not_found']);
  const clips = await account('tiktok');
  expect(await refusal(service.boards(USER, clips))).toEqual([501, 'resource.not_supported']);
  const pins = await account('pinterest');
  expect(await refusal(service.creatorInfo(USER, pins))).toEqual([501, 'resource.not_supported']);
  await store.setAccountStatus(clips, 'reconnect_required', 'token revoked');
  expect(await refusal(service.creatorInfo(USER, clips))).toEqual([403, 'account.reconnection_required']);
  expect(calls).toEqual([]);
});

test('limits: {} without asking for a platform that reports none; asked for Instagram', async () => {
  const sandbox = await account('sandbox');
  expect(await service.limits(USER, sandbox)).toEqual({});
  expect(calls).toEqual([]);
  const ig = await account('instagram');
  answer = () => ({ posts_remaining: 7 });
  expect(await service.limits(USER, ig)).toEqual({ posts_remaining: 7 });
  expect(calls).toEqual([{ kind: 'limits', accountId: ig }]);
});

test("limits: X's allowances as its latest post answer reported them, whole again once their window reset", async () => {
  const x = await account('twitter');
  expect(await service.limits(USER, x)).toEqual({});
  const reset = Math.floor(clock / 1000) + 3600;
  const reported = { posts_24h_limit: 100, posts_24h_remaining: 0, posts_24h_reset: reset };
  await store.accountLimits.observe(x, reported, '2026-12-05T10:00:00.000Z');
  // An answer read earlier (another delivery's, slower) does not replace a later one.
  await store.accountLimits.observe(x, { ...reported, posts_24h_remaining: 5 }, '2026-12-05T09:59:00.000Z');
  expect(await service.limits(USER, x)).toEqual(reported);
  expect(calls).toEqual([]);
  clock = reset * 1000;
  expect(await service.limits(USER, x)).toEqual({ ...reported, posts_24h_remaining: 100 });
  // Deleting the account forgets them.
  await store.deleteAccount(x);
  expect(await store.accountLimits.get(x)).toBeUndefined();
});

test("the post check's creator info is undefined when the platform or the worker fails, and not cached", async () => {
  const clips = await account('tiktok');
  answer = () => {
    throw new ApiError(503, 'system.unavailable', 'no worker');
  };
  expect(await service.creatorInfoIfReachable(USER, clips)).toBeUndefined();
  answer = () => creator;
  expect(await service.creatorInfoIfReachable(USER, clips)).toEqual(creator);
  expect(calls).toHaveLength(2);
});
