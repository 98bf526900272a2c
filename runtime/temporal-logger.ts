import type { Logger as SdkLogger, LogLevel, LogMetadata } from '@temporalio/common';
import type { Logger } from './logging';

/** The workflow type of posts (gateway/post-workflows.ts `WORKFLOW_TYPE`): its workflow id is the post id. */
const POST_WORKFLOW_TYPE = 'publishPost';

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * The Temporal SDK's logger (worker, workflow `log`, activity `Context.log`, forwarded Core lines)
 * writing to Postflow's pino logger. The SDK's metadata is kept as it names it (`workflowId`,
 * `runId`, `activityId`, …), with `post_id` added on a post workflow's lines, `runId` also on
 * activity lines (the SDK calls it `workflowRunId` there), and the activity task token left out:
 * it is noise to a reader and lets anyone holding it complete the activity.
 */
export class TemporalPinoLogger implements SdkLogger {
  constructor(private readonly logger: Logger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    this.logger[PINO_LEVEL[level] ?? 'info'](fieldsOf(meta), message);
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }

  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }

  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }

  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }

  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

export function fieldsOf(meta: LogMetadata = {}): Record<string, unknown> {
  // Symbol keys (the SDK's internal timestamp) are not fields of a JSON line.
  const { taskToken: _taskToken, ...fields } = Object.fromEntries(Object.entries(meta));
  if (fields.workflowType === POST_WORKFLOW_TYPE && fields.workflowId && !fields.post_id) {
    fields.post_id = fields.workflowId;
  }
  if (fields.workflowRunId && !fields.runId) fields.runId = fields.workflowRunId;
  return fields;
}
