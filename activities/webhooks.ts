import { ApplicationFailure } from '@temporalio/common';
import type { AccountEvent } from '../api/account-events';
import type { PostEvent } from '../api/post-events';
import type { Store } from '../store/types';
import { checkOutboundUrl } from '../net/guard';
import { postSigned } from '../net/signed-post';

/** One event on its way to one endpoint. */
export interface WebhookJob {
  deliveryId: string;
  endpointId: string;
  event: PostEvent | AccountEvent;
}

export interface WebhookDeps {
  store: Store;
  allowPrivateUrls: boolean;
}

export function createWebhookActivities({ store, allowPrivateUrls }: WebhookDeps) {
  return {
    /**
     * The endpoints of a user that want this event (run as a local activity: cheap, read-only).
     * Without `postId` (an account event), only the user's endpoints for every post answer.
     */
    async webhookSubscribers(userId: string, event: string, postId?: string): Promise<string[]> {
      return (await store.webhooks.subscribers(userId, event, postId)).map((e) => e.id);
    },

    /**
     * One delivery attempt. Throws (for the delivery workflow's schedule to retry) unless the
     * receiver answered 2xx; an endpoint that is gone or disabled ends the delivery quietly.
     */
    async sendWebhook(job: WebhookJob): Promise<'delivered' | 'skipped'> {
      const endpoint = await store.webhooks.get(job.endpointId);
      const secret = endpoint && (await store.webhooks.secret(endpoint.id));
      if (!endpoint || !endpoint.isActive || !secret) return 'skipped';
      const delivery = { id: job.deliveryId, endpointId: endpoint.id, event: job.event.event };
      const refused = await checkOutboundUrl(endpoint.url, allowPrivateUrls);
      if (refused) {
        await store.webhooks.recordAttempt(delivery, {
          statusCode: null,
          error: `URL ${refused}`,
          succeeded: false,
        });
        throw ApplicationFailure.nonRetryable(`Webhook URL ${refused}`, 'WebhookUrlRefused');
      }
      let status: number | null = null;
      let error: string | null = null;
      try {
        status = await postSigned(
          endpoint.url,
          secret,
          JSON.stringify(job.event),
          {
            'X-SocialAPI-Event': job.event.event,
            'X-SocialAPI-Delivery': job.deliveryId,
          },
          allowPrivateUrls,
        );
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
      }
      const succeeded = status !== null && status >= 200 && status < 300;
      await store.webhooks.recordAttempt(delivery, {
        statusCode: status,
        error: succeeded ? null : (error ?? `answered ${status}`),
        succeeded,
      });
      if (!succeeded)
        throw ApplicationFailure.retryable(
          `Webhook endpoint answered ${status ?? error}`,
          'WebhookNotAccepted',
        );
      return 'delivered';
    },

    /** Marks a delivery failed after its last attempt. */
    async failWebhookDelivery(deliveryId: string): Promise<void> {
      await store.webhooks.finish(deliveryId, 'failed');
    },
  };
}
