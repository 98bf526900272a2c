import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type {
  DeliveryJob,
  DeliveryReceipt,
  PublishFailure,
  ReconcileResult,
  UnpublishJob,
  UnpublishResult,
} from '../api/types';
import type { MediaLibrary } from '../media';
import type { Store } from '../store/types';
import { resolveMedia } from './media';
import { RECONNECT_REQUIRED, toPublishFailure } from './errors';
import { createWebhookActivities } from './webhooks';
import { type AccountContext, PublishError, type PublishRequest } from './platforms/adapter';
import type { PlatformRegistry } from './platforms/registry';

export interface ActivityDeps {
  store: Store;
  platforms: PlatformRegistry;
  media: MediaLibrary;
  /** Allow webhook URLs on private networks and plain http (development, tests). @default false */
  allowPrivateUrls?: boolean;
}

/** How often a running publish call reports it is alive, so a dead worker is noticed quickly. */
const HEARTBEAT_EVERY_MS = 2_000;

/**
 * The activities of a post workflow. Credentials never travel through Temporal: each activity
 * loads them by account id when it runs.
 */
export function createActivities({ store, platforms, media, allowPrivateUrls = false }: ActivityDeps) {
  async function request(
    job: DeliveryJob,
    { withMedia }: { withMedia: boolean },
  ): Promise<{
    req: Omit<PublishRequest, 'signal'>;
    adapter: NonNullable<ReturnType<PlatformRegistry['get']>>;
  }> {
    const adapter = platforms.get(job.target.platform);
    const account = await store.getAccount(job.target.accountId);
    if (!adapter)
      throw publishError(
        'system',
        'internal',
        `platform.${job.target.platform}.unavailable`,
        `This Postflow cannot publish to ${job.target.platform}.`,
      );
    if (!account)
      throw publishError(
        'validation',
        'user',
        'account.not_found',
        `Account ${job.target.accountId} no longer exists.`,
      );
    if (account.status !== 'active') {
      throw publishError(
        'auth',
        'user',
        'account.reconnection_required',
        `Account ${account.id} must be reconnected before it can publish.`,
      );
    }
    const context: AccountContext = {
      id: account.id,
      platform: account.platform,
      name: account.name,
      credentials: await store.accountCredentials(account.id),
    };
    const content = { ...job.content, ...job.target.overrides };
    return {
      adapter,
      req: {
        postId: job.postId,
        account: context,
        target: job.target,
        content,
        media: withMedia
          ? await resolveMedia(content.media, account.userId, { store, library: media, allowPrivateUrls })
          : [],
        ref: `${job.postId}/${job.target.accountId}`,
      },
    };
  }

  return {
    ...createWebhookActivities({ store, allowPrivateUrls }),

    /** Makes the post public on one account. Irreversible: runs with a single attempt. */
    async publishTarget(job: DeliveryJob): Promise<DeliveryReceipt> {
      const ctx = Context.current();
      const beat = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
      try {
        const { adapter, req } = await request(job, { withMedia: true });
        return await adapter.publish({ ...req, signal: ctx.cancellationSignal });
      } catch (err) {
        throw toPublishFailure(err);
      } finally {
        clearInterval(beat);
      }
    },

    /** Looks for the post on the platform after an unknown outcome. Read-only: retried freely. */
    async findPublished(job: DeliveryJob): Promise<ReconcileResult> {
      const { adapter, req } = await request(job, { withMedia: false });
      if (!adapter.findExisting) return { searchable: false };
      return {
        searchable: true,
        receipt: await adapter.findExisting({ ...req, signal: Context.current().cancellationSignal }),
      };
    },

    /**
     * Deletes one published target from its platform and records it, so the Post resource leaves
     * it out. A failure the platform calls final is an outcome; a transient one is thrown, and retried.
     */
    async unpublishTarget(job: UnpublishJob): Promise<UnpublishResult> {
      const result = (outcome: UnpublishResult['outcome'], message?: string): UnpublishResult => ({
        platform: job.platform,
        account_id: job.accountId,
        outcome,
        ...(message ? { message } : {}),
      });
      const adapter = platforms.get(job.platform);
      const account = await store.getAccount(job.accountId);
      if (!adapter?.unpublish)
        return result('not_supported', `${job.platform} offers no way to delete posts.`);
      if (!account) return result('failed', `Account ${job.accountId} no longer exists.`);
      try {
        const outcome = await adapter.unpublish({
          account: {
            id: account.id,
            platform: account.platform,
            name: account.name,
            credentials: await store.accountCredentials(account.id),
          },
          platformPostId: job.platformPostId,
          signal: Context.current().cancellationSignal,
        });
        if (outcome === 'not_supported')
          return result('not_supported', `${job.platform} does not allow deleting this post.`);
        await store.unpublished.record(job.postId, job.accountId);
        return result('deleted');
      } catch (err) {
        if (err instanceof PublishError && !err.failure.retryable)
          return result('failed', err.failure.message);
        throw toPublishFailure(err);
      }
    },

    /**
     * Refreshes the account's access token. When the platform refuses for good, the account is
     * marked `reconnect_required` and a non-retryable `AccountReconnectRequired` is thrown.
     */
    async refreshAccount(accountId: string): Promise<void> {
      const account = await store.getAccount(accountId);
      const adapter = account && platforms.get(account.platform);
      if (!account || !adapter?.refresh) {
        throw ApplicationFailure.nonRetryable(
          `Account ${accountId} cannot refresh its token.`,
          RECONNECT_REQUIRED,
        );
      }
      try {
        const credentials = await store.accountCredentials(accountId);
        const fresh = await adapter.refresh({
          id: account.id,
          platform: account.platform,
          name: account.name,
          credentials,
        });
        await store.updateAccountCredentials(accountId, fresh);
      } catch (err) {
        if (err instanceof PublishError && !err.failure.retryable) {
          await store.setAccountStatus(accountId, 'reconnect_required', err.failure.message);
          throw ApplicationFailure.nonRetryable(err.failure.message, RECONNECT_REQUIRED);
        }
        throw err;
      }
    },
  };
}

export type PostflowActivities = ReturnType<typeof createActivities>;

function publishError(
  category: PublishFailure['category'],
  causedBy: PublishFailure['caused_by'],
  code: string,
  message: string,
) {
  return new PublishError({
    category,
    caused_by: causedBy,
    code,
    message,
    retryable: false,
    outcomeUnknown: false,
  });
}
