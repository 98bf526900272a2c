import { createHash } from 'node:crypto';
import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { ApiError } from '../api/errors';
import {
  CALLBACK_REFUSALS,
  type OAuthCallback,
  type OAuthConnectionJob,
  type OAuthCallbackAnswer,
  type OAuthConnectionResult,
} from '../api/oauth-connection';
import { oauthCallbackUpdate } from '../workflows/oauth-connection';

/** The pending connection's workflow type (workflows/oauth-connection.ts). */
export const OAUTH_WORKFLOW_TYPE = 'oauthConnection';

/**
 * The workflow id of a connection: a hash of its `state`, so the callback finds it by state while
 * the state itself (the proof a callback belongs to this consent) is never in Temporal.
 */
export const oauthWorkflowId = (state: string) =>
  `oauth_${createHash('sha256').update(state).digest('hex').slice(0, 40)}`;

/** Pending OAuth connections as Temporal holds them: started by connect, completed by the callback. */
export class OAuthConnections {
  constructor(private readonly options: { temporal: Client; taskQueue: string }) {}

  async start(state: string, job: OAuthConnectionJob): Promise<void> {
    await this.options.temporal.workflow.start(OAUTH_WORKFLOW_TYPE, {
      taskQueue: this.options.taskQueue,
      workflowId: oauthWorkflowId(state),
      args: [job],
      // Closed connections stay to refuse their state again; a new state is a new workflow.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  }

  /**
   * Hands the callback to the connection named by `state` and waits for its outcome. A state that
   * names no connection, an expired one, one used already, another user's, or a redirect URI other
   * than the connection's is refused with the contract's error (docs/api.md "Connecting accounts").
   */
  async complete(state: string, callback: OAuthCallback): Promise<OAuthCallbackAnswer> {
    const handle = this.options.temporal.workflow.getHandle(oauthWorkflowId(state));
    try {
      return await handle.executeUpdate(oauthCallbackUpdate, { args: [callback] });
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure)
        throw refusal(err.cause);
      if (!(err instanceof WorkflowNotFoundError) && !isClosed(err)) throw err;
    }
    // No such workflow, or it is closed: say which.
    let closed: OAuthConnectionResult;
    try {
      closed = await handle.result();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw stateInvalid();
      throw err;
    }
    if (closed.status === 'expired') throw stateExpired();
    throw stateUsed();
  }
}

const stateExpired = () =>
  new ApiError(
    410,
    'oauth.state_expired',
    'This connection expired before the platform sent the person back; start a new one with POST /v1/accounts/connect.',
    { field: 'state' },
  );

const stateUsed = () =>
  new ApiError(
    409,
    'oauth.state_used',
    'This connection was already completed (a state is used once); start a new one with POST /v1/accounts/connect.',
    { field: 'state' },
  );

const stateInvalid = () =>
  new ApiError(
    400,
    'oauth.state_invalid',
    'state names no pending connection of yours; use the state POST /v1/accounts/connect answered.',
    { field: 'state' },
  );

function refusal(failure: ApplicationFailure): ApiError {
  switch (failure.type) {
    case CALLBACK_REFUSALS.used:
      return stateUsed();
    case CALLBACK_REFUSALS.expired:
      return stateExpired();
    case CALLBACK_REFUSALS.wrongRedirect:
      return new ApiError(
        400,
        'oauth.redirect_uri_mismatch',
        'redirect_uri is not the one the connection was started with; send the same redirect_uri as to POST /v1/accounts/connect.',
        { field: 'metadata.redirect_uri' },
      );
    default:
      return stateInvalid();
  }
}

/** Temporal's answer to an update of a closed workflow. */
const isClosed = (err: unknown) =>
  /already completed|workflow execution already completed/i.test(String((err as Error)?.message ?? ''));
