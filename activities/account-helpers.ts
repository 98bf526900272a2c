import { Context } from '@temporalio/activity';
import type { AccountHelperAnswer, AccountHelperJob } from '../api/account-helpers';
import type { PublishFailure } from '../api/types';
import { type AccountHelpers, type HelperRequest, PublishError } from '../platforms/kit/adapter';
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
}: {
  store: Store;
  platforms: PlatformRegistry;
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
        return await run(helpers, job, req, account.platform);
      } catch (err) {
        // Never retried in place: a person is waiting on the answer, and creating a board twice
        // would make two. The workflow refreshes an expired token once.
        throw toPublishFailure(await settleRevokedToken(store, job.accountId, err));
      }
    },
  };
}

function run(
  helpers: AccountHelpers | undefined,
  job: AccountHelperJob,
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
    case 'creator_info':
      if (!helpers?.creatorInfo) throw missing();
      return helpers.creatorInfo(req);
    case 'limits':
      return helpers?.limits ? helpers.limits(req) : Promise.resolve({});
  }
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
