import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type LogFormat = 'json' | 'pretty';
export type { Logger };

export interface LoggingOptions {
  /** `json` (one object per line, for collectors) or `pretty` (for a terminal). */
  format: LogFormat;
  /** pino level: trace, debug, info, warn, error, fatal or silent. */
  level: string;
  /** Where lines go: stdout (services) or stderr (commands whose stdout is their answer). @default 1 */
  fd?: 1 | 2;
  /** A stream instead of `fd` (tests). */
  destination?: DestinationStream;
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/**
 * Defence in depth: objects that may carry a secret (an account's credentials, a request's
 * Authorization header) are never logged on purpose; if one slips into a line, its value is masked.
 */
const REDACTED_PATHS = [
  'authorization',
  'cookie',
  'credentials',
  'access_token',
  'refresh_token',
  'app_password',
  'password',
  'apiKey',
  'api_key',
  'token',
  'secret',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
].flatMap((path) => [path, `*.${path}`]);

/** `POSTFLOW_LOG_FORMAT` and `POSTFLOW_LOG_LEVEL`; `postflow dev` is pretty unless told otherwise. */
export function loggingOptionsFrom(env: NodeJS.ProcessEnv, command?: string): LoggingOptions {
  const format = env.POSTFLOW_LOG_FORMAT || (command === 'dev' ? 'pretty' : 'json');
  if (format !== 'json' && format !== 'pretty') {
    throw new Error(`POSTFLOW_LOG_FORMAT must be json or pretty, got "${format}".`);
  }
  const level = (env.POSTFLOW_LOG_LEVEL || 'info').toLowerCase();
  if (!LEVELS.includes(level)) {
    throw new Error(`POSTFLOW_LOG_LEVEL must be one of ${LEVELS.join(', ')}, got "${level}".`);
  }
  return { format, level };
}

/** A pino logger writing synchronously, so nothing is lost when the process exits right after. */
export function createLogger(options: LoggingOptions): Logger {
  const destination =
    options.destination ??
    (options.format === 'pretty'
      ? pretty({
          sync: true,
          destination: options.fd ?? 1,
          colorize: !!process.stdout.isTTY,
          ignore: 'pid,hostname,service',
          singleLine: true,
        })
      : pino.destination({ dest: options.fd ?? 1, sync: true }));
  return pino(
    {
      level: options.level,
      base: { service: 'postflow' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      // `err` and `error` both hold errors in Postflow's and the Temporal SDK's lines.
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

let processLog: Logger | undefined;

/** Sets the logger every part of this process writes to (the CLI calls it once at start). */
export function installLogger(logger: Logger): Logger {
  processLog = logger;
  return logger;
}

/** This process's logger; JSON at `info` until the CLI installs the configured one. */
export function processLogger(): Logger {
  return (processLog ??= createLogger({ format: 'json', level: 'info' }));
}
