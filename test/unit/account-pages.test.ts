import type { AccountHelperJob } from '../../api/account-helpers';
import { ApiError } from '../../api/errors';
import type { AccountHelperCalls } from '../../gateway';
import { PAGES_CREDENTIAL } from '../../platforms/descriptor';
import { HELPER_CACHE_MS } from '../../services/account-helpers';
import { AccountPagesService } from '../../services/account-pages';
import type { Store } from '../../store/types';
import { tempStore } from '../helpers/fixtures';

/**
 * GET /v1/accounts/{id}/pages reads the grant again through a worker (a recording stand-in here,
 * which plays the worker's part of writing what it read), at most once a minute per account.
 */
const USER = 'usr_default';
const page = (id: string, name: string) => ({ id, name, accessToken: `tok-${id}` });

let store: Store;
let clock: number;
let calls: AccountHelperJob[];
let reread: (accountId: string) => Promise<void>;
let service: AccountPagesService;

beforeEach(async () => {
  ({ store } = await tempStore());
  clock = 1_000_000;
  calls = [];
  reread = async () => undefined;
  const helpers = {
    run: async (_platform: string, job: AccountHelperJob) => {
      calls.push(job);
      await reread(job.accountId);
      return { pages_read: 0 };
    },
  } as unknown as AccountHelperCalls;
  service = new AccountPagesService({ store, helpers, now: () => clock });
});

const facebookAccount = async (pages: ReturnType<typeof page>[]) =>
  (
    await store.createAccount({
      userId: USER,
      platform: 'facebook',
      name: 'Person',
      credentials: {
        page_id: pages[0]!.id,
        access_token: pages[0]!.accessToken,
        [PAGES_CREDENTIAL]: JSON.stringify(pages),
      },
    })
  ).id;

test('the list is read from the platform, then served from what it wrote for a minute', async () => {
  const id = await facebookAccount([page('1', 'One')]);
  reread = async (accountId) => {
    const now = await store.accountCredentials(accountId);
    await store.updateAccountCredentials(accountId, {
      ...now,
      [PAGES_CREDENTIAL]: JSON.stringify([page('1', 'One'), page('2', 'Two')]),
    });
  };
  const listed = await service.list(USER, id);
  expect(listed).toEqual({
    count: 2,
    data: [
      { id: '1', name: 'One', picture_url: null, is_default: true },
      { id: '2', name: 'Two', picture_url: null, is_default: false },
    ],
  });
  expect(calls).toEqual([{ kind: 'pages', accountId: id }]);

  clock += HELPER_CACHE_MS - 1;
  expect(await service.list(USER, id)).toEqual(listed);
  expect(calls).toHaveLength(1);
  clock += 1;
  await service.list(USER, id);
  expect(calls).toHaveLength(2);
});

test('the platform refusing the read is the answer, and the next list asks again', async () => {
  const id = await facebookAccount([page('1', 'One')]);
  reread = async () => {
    throw new ApiError(502, 'platform.facebook.pages_unavailable', 'facebook did not list the pages');
  };
  await expect(service.list(USER, id)).rejects.toMatchObject({ status: 502 });
  reread = async () => undefined;
  expect((await service.list(USER, id)).count).toBe(1);
  expect(calls).toHaveLength(2);
});

test('no read for an account without a recorded grant, one to reconnect, or with no worker to ask', async () => {
  const plain = (
    await store.createAccount({
      userId: USER,
      platform: 'facebook',
      name: 'Page by credentials',
      credentials: { page_id: '9', access_token: 't' },
    })
  ).id;
  expect(await service.list(USER, plain)).toEqual({
    count: 1,
    data: [{ id: '9', name: 'Page by credentials', picture_url: null, is_default: true }],
  });

  const stale = await facebookAccount([page('1', 'One')]);
  await store.setAccountStatus(stale, 'reconnect_required');
  expect((await service.list(USER, stale)).count).toBe(1);
  expect(calls).toEqual([]);

  const offline = new AccountPagesService({ store });
  expect((await offline.list(USER, await facebookAccount([page('1', 'One')]))).count).toBe(1);
});
