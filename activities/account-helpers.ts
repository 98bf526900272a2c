import { Context } from '@temporalio/activity';
import type { AccountHelperAnswer, AccountHelperJob, PagesRead } from '../api/account-helpers';
import type { PublishFailure } from '../api/types';
import { grantedPages } from '../platforms/descriptor';
import { PLATFORM_DESCRIPTORS } from '../platforms/descriptors';
import { rereadGrant, withPagesRead } from '../platforms/grant-reread';
import { type AccountHelpers, type HelperRequest, PublishError } from '../platforms/kit/adapter';
import { ConnectRefused } from '../platforms/kit/oauth-connect';
import type { Store } from '../store/types';
import { toPublishFailure } from './errors';
import type { PlatformRegistry } from './platforms/registry';
import { settleRevokedToken } from './token-upkeep';

/**
 * The worker's side of an account helper (workflows/account-helper.ts): loads the account and its
 * credentials, asks its platform through the adapter, and classifies every failure as a publish's
 * (a revoked token marks the account for reconnection, as in a delivery).
 */
export function createAccountHelperActivities({
  store,
  platforms,
  env,
}: {
  store: Store;
  platforms: PlatformRegistry;
  /** The operator's OAuth clients and endpoint overrides, for re-reading a grant's pages. */
  env: Record<string, string | undefined>;
}) {
  return {
    async runAccountHelper(job: AccountHelperJob): Promise<AccountHelperAnswer> {
      try {
        const account = await store.getAccount(job.accountId);
        if (!account)
          throw refused('validation', 'account.not_found', `Account ${job.accountId} no longer exists.`);
        const helpers = platforms.get(account.platform)?.helpers;
        const req: HelperRequest = {
          account: {
            id: account.id,
            platform: account.platform,
            name: account.name,
            credentials: await store.accountCredentials(account.id),
          },
          signal: Context.current().cancellationSignal,
        };
        if (job.kind === 'pages') return await rereadPages(store, env, req);
        return await run(helpers, job, req, account.platform);
      } catch (err) {
        // Never retried in place: a person is waiting on the answer, and creating a board twice
        // would make two (changing or deleting one is not repeated blindly either). The workflow refreshes an expired token once.
        throw toPublishFailure(await settleRevokedToken(store, job.accountId, err));
      }
    },
  };
}

function run(
  helpers: AccountHelpers | undefined,
  job: Exclude<AccountHelperJob, { kind: 'pages' }>,
  req: HelperRequest,
  platform: string,
): Promise<AccountHelperAnswer> {
  const missing = () =>
    refused('validation', 'resource.not_supported', `${platform} accounts have no ${job.kind} helper.`);
  switch (job.kind) {
    case 'boards':
      if (!helpers?.boards) throw missing();
      return helpers.boards(req);
    case 'create_board':
      if (!helpers?.createBoard) throw missing();
      return helpers.createBoard(req, job.board);
    case 'board':
      if (!helpers?.board) throw missing();
      return helpers.board(req, job.boardId);
    case 'update_board':
      if (!helpers?.updateBoard) throw missing();
      return helpers.updateBoard(req, job.boardId, job.changes);
    case 'delete_board':
      if (!helpers?.deleteBoard) throw missing();
      return helpers.deleteBoard(req, job.boardId).then(() => ({ board_id: job.boardId, deleted: true }));
    case 'creator_info':
      if (!helpers?.creatorInfo) throw missing();
      return helpers.creatorInfo(req);
    case 'limits':
      return helpers?.limits ? helpers.limits(req) : Promise.resolve({});
  }
}

/**
 * The account's grant read again (platforms/grant-reread.ts) and kept in its credentials, which
 * GET /v1/accounts/{id}/pages lists: the credentials are read once more just before the write,
 * so a token refreshed meanwhile is not overwritten by the one this read started with.
 */
async function rereadPages(
  store: Store,
  env: Record<string, string | undefined>,
  req: HelperRequest,
): Promise<PagesRead> {
  const { id, platform, credentials } = req.account;
  const activeKey = PLATFORM_DESCRIPTORS.find((d) => d.slug === platform)?.oauth?.pages?.activeKey;
  let read;
  try {
    read = activeKey && (await rereadGrant(platform, credentials, env, req.signal));
  } catch (err) {
    if (!(err instanceof ConnectRefused)) throw err;
    // No page left in the grant: only a new consent can give one.
    if (err.code === 'oauth.no_assets') throw refused('auth', 'account.reconnection_required', err.message);
    throw new PublishError({
      category: 'platform',
      caused_by: 'platform',
      code: `platform.${platform}.pages_unavailable`,
      message: `${platform} did not list the account's pages: ${err.message}`,
      retryable: false,
      outcomeUnknown: false,
    });
  }
  if (!activeKey || !read) return { pages_read: grantedPages(credentials).length };
  await store.updateAccountCredentials(
    id,
    withPagesRead(activeKey, await store.accountCredentials(id), read),
  );
  return { pages_read: grantedPages(read).length };
}

function refused(category: PublishFailure['category'], code: string, message: string): PublishError {
  return new PublishError({
    category,
    caused_by: 'user',
    code,
    message,
    retryable: false,
    outcomeUnknown: false,
  });
}
