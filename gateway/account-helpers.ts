import { randomUUID } from 'node:crypto';
import { type Client, WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/common';
import type { AccountHelperAnswer, AccountHelperJob } from '../api/account-helpers';
import { ApiError } from '../api/errors';
import { PUBLISH_ERROR_TYPE, type PublishFailure } from '../api/types';
import type { PlatformQueues } from '../runtime/platform-queues';

/** The account helper's workflow type (workflows/account-helper.ts). */
export const ACCOUNT_HELPER_WORKFLOW_TYPE = 'accountHelper';

/**
 * How long a helper may take, a worker picking it up included: a person is waiting. Past it the
 * run is timed out by Temporal and the caller gets 503.
 */
const HELPER_TIMEOUT_MS = 45_000;

/** Account helpers as Temporal runs them: one short workflow per call, answered when it ends. */
export class AccountHelperCalls {
  constructor(
    private readonly options: { temporal: Client; taskQueue: string; platformQueues?: PlatformQueues },
  ) {}

  /**
   * Runs `job` for an account of `platform`; a platform's failure becomes the contract's error.
   * `timeoutMs` bounds the run, a worker picking it up included (then 503).
   */
  async run(
    platform: string,
    job: AccountHelperJob,
    timeoutMs = HELPER_TIMEOUT_MS,
  ): Promise<AccountHelperAnswer> {
    const queue = this.options.platformQueues?.[platform];
    try {
      return await this.options.temporal.workflow.execute(ACCOUNT_HELPER_WORKFLOW_TYPE, {
        taskQueue: this.options.taskQueue,
        workflowId: `account-helper-${randomUUID()}`,
        args: [queue ? { ...job, queue } : job],
        workflowExecutionTimeout: timeoutMs,
      });
    } catch (err) {
      throw helperError(platform, err);
    }
  }
}

/** A failed helper in the contract's terms (docs/api.md "Account helpers"). */
function helperError(platform: string, err: unknown): unknown {
  if (!(err instanceof WorkflowFailedError)) return err;
  let cause: unknown = err.cause;
  if (cause instanceof ActivityFailure) cause = cause.cause;
  if (cause instanceof ApplicationFailure && cause.type === PUBLISH_ERROR_TYPE && cause.details?.[0]) {
    const failure = cause.details[0] as PublishFailure;
    return new ApiError(statusOf(failure), failure.code, failure.message, { platform });
  }
  if (cause instanceof ApplicationFailure && cause.type === 'AccountReconnectRequired')
    return reconnect(platform);
  if (cause instanceof TimeoutFailure || err.cause instanceof TimeoutFailure || isTimeout(err))
    return new ApiError(
      503,
      'system.unavailable',
      `No Postflow worker answered for ${platform} in time; try again shortly.`,
      { platform },
    );
  return err;
}

const isTimeout = (err: WorkflowFailedError) => /timed? ?out/i.test(err.message);

const reconnect = (platform: string) =>
  new ApiError(
    403,
    'account.reconnection_required',
    `The ${platform} account's token cannot be renewed; reconnect it (POST /v1/accounts/connect).`,
    { platform },
  );

function statusOf(failure: PublishFailure): number {
  if (failure.code === 'account.not_found' || failure.code === 'resource.not_found') return 404;
  // The platform refuses this account the thing (a board another user shared): not a bad token.
  if (failure.code.endsWith('.forbidden')) return 403;
  if (failure.code === 'resource.not_supported') return 501;
  if (failure.code === 'account.reconnection_required') return 403;
  switch (failure.category) {
    case 'auth':
      return 401;
    case 'rate_limit':
      return 429;
    case 'validation':
      return 400;
    default:
      return 502;
  }
}
