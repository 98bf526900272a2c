import type { Client } from '@temporalio/client';
import { ulid } from 'ulid';
import type { CredentialCheckJob, CredentialCheckResult } from '../api/credential-check';

/** The credential check's workflow type (workflows/credential-check.ts). */
export const CREDENTIAL_CHECK_WORKFLOW_TYPE = 'credentialCheck';

/** Credential checks as Temporal runs them: one short workflow each, awaited by connect. */
export class CredentialChecks {
  constructor(private readonly options: { temporal: Client; taskQueue: string }) {}

  /** Asks the worker to check `job`'s sealed credentials with the platform, and waits for the answer. */
  async check(job: CredentialCheckJob): Promise<CredentialCheckResult> {
    return this.options.temporal.workflow.execute(CREDENTIAL_CHECK_WORKFLOW_TYPE, {
      taskQueue: this.options.taskQueue,
      workflowId: `credcheck_${ulid()}`,
      args: [job],
      // The API answers within its request; a stuck check fails it rather than hangs it.
      workflowExecutionTimeout: '60 seconds',
    });
  }
}
