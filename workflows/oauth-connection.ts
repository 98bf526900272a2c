import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  defineUpdate,
  log,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';
import { connectedEvent } from '../api/account-events';
import {
  CALLBACK_REFUSALS,
  type OAuthCallback,
  type OAuthCallbackAnswer,
  type OAuthConnected,
  type OAuthConnectionJob,
  type OAuthConnectionOutcome,
  type OAuthConnectionResult,
} from '../api/oauth-connection';
import type { PostflowActivities } from '../activities';
import { startDeliveries } from './webhook-delivery';

/** The platform's redirect came back: the connection finishes and answers with its outcome. */
export const oauthCallbackUpdate = defineUpdate<OAuthCallbackAnswer, [OAuthCallback]>('oauthCallback');

/** Redeeming a code is retried on network trouble for a minute (codes live about ten). */
const { redeemOAuthConnection } = proxyActivities<PostflowActivities>({
  startToCloseTimeout: '45 seconds',
  scheduleToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '15 seconds' },
});

/** Looking up the event's subscribers is a quick read of the store (as for post events). */
const { webhookSubscribers } = proxyLocalActivities<PostflowActivities>({
  startToCloseTimeout: '10 seconds',
  scheduleToCloseTimeout: '1 minute',
});

/**
 * One pending connection: consent → callback → code exchange → profile → account. It waits for
 * the callback until the state expires; the first callback is the only one (the state is single
 * use: later ones, and ones from another user or naming another redirect URI, are refused before
 * they touch it). A worker crash mid-exchange resumes from history: the code is redeemed by one
 * activity, which keeps the token in the store before anything else can fail (a retry never sends
 * the code again), and the account it makes has an id chosen up front.
 */
export async function oauthConnection(job: OAuthConnectionJob): Promise<OAuthConnectionResult> {
  let callback: OAuthCallback | undefined;
  // Set once the code is redeemed (or refused); the update's handler waits for it.
  const settled: { outcome?: OAuthConnectionOutcome } = {};
  let expired = false;
  setHandler(
    oauthCallbackUpdate,
    async (input) => {
      callback = input;
      await condition(() => settled.outcome !== undefined);
      const { platform, redirectUri, callerState, metadata } = job;
      return {
        ...settled.outcome!,
        platform,
        ...(redirectUri !== undefined ? { redirectUri } : {}),
        ...(callerState !== undefined ? { callerState } : {}),
        ...(metadata !== undefined ? { metadata } : {}),
      };
    },
    {
      validator: (input) => {
        if (expired)
          throw ApplicationFailure.nonRetryable('This connection expired.', CALLBACK_REFUSALS.expired);
        if (callback)
          throw ApplicationFailure.nonRetryable(
            'This connection was already completed.',
            CALLBACK_REFUSALS.used,
          );
        const otherPlatform = input.platform !== undefined && input.platform !== job.platform;
        if (otherPlatform || (input.userId !== undefined && input.userId !== job.userId))
          throw ApplicationFailure.nonRetryable('No such connection.', CALLBACK_REFUSALS.wrongUser);
        if (input.redirectUri !== undefined && input.redirectUri !== job.redirectUri)
          throw ApplicationFailure.nonRetryable(
            'redirect_uri is not the one this connection was started with.',
            CALLBACK_REFUSALS.wrongRedirect,
          );
      },
    },
  );
  if (!(await condition(() => callback !== undefined, job.ttlMs))) {
    expired = true;
    return { status: 'expired' };
  }
  settled.outcome = await finish(job, callback!);
  if (settled.outcome.status === 'connected') await announceConnected(job, settled.outcome);
  // The update's handler answers the caller before the run closes.
  await condition(allHandlersFinished);
  return settled.outcome;
}

/**
 * `account.connected` to each subscribed endpoint, through the durable delivery workflow. Its ids
 * come from the connection, so a worker crash replays to the same children: one event per
 * connection, never none, never two. Webhooks never fail a connection: a lookup that fails drops
 * the event, as for post events.
 */
async function announceConnected(job: OAuthConnectionJob, connected: OAuthConnected): Promise<void> {
  const event = connectedEvent(connected, job);
  try {
    const endpointIds = await webhookSubscribers(job.userId, event.event);
    await startDeliveries(
      event,
      endpointIds,
      (endpointId) => `dlv_${job.connectionId}_${endpointId.replace(/^wh_/, '')}`,
    );
  } catch (err) {
    log.warn('account event dropped: subscribers could not be looked up', {
      event: event.event,
      error: String(err),
    });
  }
}

async function finish(job: OAuthConnectionJob, callback: OAuthCallback): Promise<OAuthConnectionOutcome> {
  if (!callback.sealedCode) {
    return {
      status: 'failed',
      code: 'oauth.consent_denied',
      message: `The person did not grant access on ${job.platform} (${callback.error ?? 'no code'}); start a new connection to try again.`,
    };
  }
  try {
    return { status: 'connected', ...(await redeemOAuthConnection(job, callback.sealedCode)) };
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof ApplicationFailure && cause.type?.startsWith('oauth.'))
      return { status: 'failed', code: cause.type, message: cause.message };
    if (err instanceof ActivityFailure) {
      // Retries ran out (the platform down): the person may try again with a new connection.
      return {
        status: 'failed',
        code: 'oauth.exchange_failed',
        message: `${job.platform} could not be reached to finish the connection; start a new connection to try again.`,
      };
    }
    throw err;
  }
}
