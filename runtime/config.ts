import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DEFAULT_IDEMPOTENCY_KEY_DAYS } from '../store/types';
import type { PreStage } from '../api/types';
import type { S3Config } from '../media/s3-storage';
import { type PayloadKey, payloadKeysFrom } from '../codec/keys';
import { parsePlatformList } from './platform-queues';
import { type TemporalSecurity, temporalSecurityFrom } from './temporal-connection';
import { parseMetricsSchedule } from '../api/metrics-schedule';

/**
 * Postflow's configuration, from the environment. Every variable is documented in docs/configuration.md.
 */
export interface PostflowConfig {
  /** State of the embedded setup: SQLite store, Temporal's SQLite file, the secret key, media files. */
  home: string;
  /** PostgreSQL for Postflow's store (`postgres://…`); unset: the SQLite file in `home`. */
  databaseUrl: string | undefined;
  /** An existing Temporal frontend (`host:port`). Unset: `postflow dev` starts the dev server. */
  temporalAddress: string | undefined;
  namespace: string;
  /** TLS, mTLS or an API key for a secured cluster or Temporal Cloud (`TEMPORAL_TLS_*`, `TEMPORAL_API_KEY`). */
  temporalSecurity: TemporalSecurity;
  taskQueue: string;
  /** `POSTFLOW_PLATFORM_QUEUES`: platforms whose calls new posts send to `<taskQueue>-<platform>`. */
  platformQueues: string[];
  /**
   * `POSTFLOW_UPLOAD_QUEUE=true`: new posts with media send their long uploads to
   * `<taskQueue>-uploads`, served by `postflow worker --uploads`. @default off
   */
  uploadQueue: boolean;
  /**
   * Platforms whose videos new posts send as files in a resumable upload step: `tiktok` with
   * `POSTFLOW_TIKTOK_VIDEO_SOURCE=upload` (its worker checks the value at start). @default none
   */
  fileUploads: string[];
  /** `POSTFLOW_WORKER_PLATFORMS`: `postflow worker` serves only these platforms' queues (`--platforms` wins). */
  workerPlatforms: string[];
  /** gRPC and UI ports of the embedded dev server. */
  devServerPort: number;
  devServerUiPort: number;
  /** HTTP API. */
  host: string;
  port: number;
  publicUrl: string;
  /** An API key to accept (created for the default user if unknown). */
  apiKey: string | undefined;
  /** How long `POST /v1/posts` waits for a publish-now post to settle before answering. */
  syncWaitMs: number;
  /** How long the store remembers a post's idempotency key (days, at least 1). */
  idempotencyKeyDays: number;
  /** Project-local tools (the Temporal CLI build). */
  toolsDir: string;
  /** Let webhook and media URLs use plain http and private or loopback addresses (development, tests). */
  allowPrivateUrls: boolean;
  /** Folder of uploaded media files (API and workers must share it). @default `<home>/media` */
  mediaDir: string;
  /** Per-user media storage quota in bytes; unset: unlimited. */
  storageLimitBytes: number | undefined;
  /** Largest single file a signed upload takes (whole or in parts), and a worker fetches from a media URL. @default 4 GiB */
  maxFileBytes: number;
  /** An S3-compatible bucket for media instead of `mediaDir` (POSTFLOW_S3_BUCKET set). */
  s3: S3Config | undefined;
  /** `POSTFLOW_PAYLOAD_KEYS`: encrypt Temporal payloads (the first key encrypts, all decrypt); empty: off. */
  payloadKeys: PayloadKey[];
  /** Browser origins (the Temporal UI) allowed to call the codec endpoint `/codec`. */
  codecCorsOrigins: string[];
  /** `POSTFLOW_OAUTH_REDIRECT_URIS`: where `POST /v1/accounts/connect` may send people back (exact URIs). */
  oauthRedirectUris: string[];
  /** `POSTFLOW_OAUTH_STATE_TTL_SECONDS`: how long a connection waits for consent. */
  oauthStateTtlMs: number;
  /** False with `POSTFLOW_METRICS_SCHEDULE=off`: the posts this process starts collect no metrics. */
  collectMetrics: boolean;
  /**
   * `POSTFLOW_PRE_DISPATCH_SECONDS` in ms: how long before its instant each delivery of a new
   * scheduled post is dispatched (0: at the instant). @default 0: off
   */
  preDispatchMs: number;
  /**
   * `POSTFLOW_PRE_STAGE`: with pre-dispatch on, whether deliveries that prepare start earlier
   * still: `on`, by a lead per platform and media (gateway/stage-leads.ts); a number of seconds,
   * by that lead for every one of them (here in ms); `off`. @default on
   */
  preStage: PreStage;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): PostflowConfig {
  // Read by the worker when a collection starts; a typo should stop the process now, not fail
  // every published post's collection later.
  const metricsSchedule = parseMetricsSchedule(env.POSTFLOW_METRICS_SCHEDULE);
  const port = intFrom(env, 'POSTFLOW_PORT', 8080);
  const devServerPort = intFrom(env, 'POSTFLOW_TEMPORAL_PORT', 7233);
  const home = resolve(env.POSTFLOW_HOME ?? join(projectRoot(), '.postflow'));
  const devServerUiPort = intFrom(env, 'POSTFLOW_TEMPORAL_UI_PORT', devServerPort + 1000);
  return {
    home,
    databaseUrl: env.DATABASE_URL || undefined,
    temporalAddress: env.TEMPORAL_ADDRESS || undefined,
    namespace: env.TEMPORAL_NAMESPACE || 'default',
    temporalSecurity: temporalSecurityFrom(env),
    taskQueue: env.POSTFLOW_TASK_QUEUE || 'postflow',
    platformQueues: parsePlatformList(env.POSTFLOW_PLATFORM_QUEUES, 'POSTFLOW_PLATFORM_QUEUES'),
    workerPlatforms: parsePlatformList(env.POSTFLOW_WORKER_PLATFORMS, 'POSTFLOW_WORKER_PLATFORMS'),
    uploadQueue: env.POSTFLOW_UPLOAD_QUEUE === 'true',
    fileUploads: env.POSTFLOW_TIKTOK_VIDEO_SOURCE?.trim() === 'upload' ? ['tiktok'] : [],
    devServerPort,
    devServerUiPort,
    host: env.POSTFLOW_HOST || '127.0.0.1',
    port,
    publicUrl: (env.POSTFLOW_PUBLIC_URL || `http://localhost:${port}`).replace(/\/$/, ''),
    apiKey: env.POSTFLOW_API_KEY || undefined,
    syncWaitMs: intFrom(env, 'POSTFLOW_SYNC_WAIT_MS', 30_000),
    idempotencyKeyDays: positiveIntFrom(env, 'POSTFLOW_IDEMPOTENCY_KEY_DAYS', DEFAULT_IDEMPOTENCY_KEY_DAYS),
    toolsDir: resolve(env.POSTFLOW_TOOLS_DIR ?? join(projectRoot(), '.tools')),
    allowPrivateUrls: env.POSTFLOW_ALLOW_PRIVATE_URLS === 'true',
    mediaDir: resolve(env.POSTFLOW_MEDIA_DIR || join(home, 'media')),
    s3: env.POSTFLOW_S3_BUCKET
      ? {
          bucket: env.POSTFLOW_S3_BUCKET,
          ...(env.POSTFLOW_S3_ENDPOINT ? { endpoint: env.POSTFLOW_S3_ENDPOINT } : {}),
          region: env.POSTFLOW_S3_REGION || env.AWS_REGION || 'us-east-1',
          prefix: env.POSTFLOW_S3_PREFIX ?? '',
          // S3-compatible servers mostly want path-style URLs; AWS itself wants virtual hosts.
          forcePathStyle: (env.POSTFLOW_S3_FORCE_PATH_STYLE ?? String(!!env.POSTFLOW_S3_ENDPOINT)) === 'true',
        }
      : undefined,
    payloadKeys: payloadKeysFrom(env),
    codecCorsOrigins: (
      env.POSTFLOW_CODEC_CORS_ORIGINS ||
      `http://localhost:${devServerUiPort},http://127.0.0.1:${devServerUiPort}`
    )
      .split(',')
      .map((o) => o.trim().replace(/\/$/, ''))
      .filter(Boolean),
    oauthRedirectUris: (env.POSTFLOW_OAUTH_REDIRECT_URIS ?? '')
      .split(',')
      .map((uri) => uri.trim())
      .filter(Boolean),
    oauthStateTtlMs: positiveIntFrom(env, 'POSTFLOW_OAUTH_STATE_TTL_SECONDS', 600) * 1000,
    storageLimitBytes: env.POSTFLOW_STORAGE_LIMIT_BYTES
      ? intFrom(env, 'POSTFLOW_STORAGE_LIMIT_BYTES', 0)
      : undefined,
    maxFileBytes: positiveIntFrom(env, 'POSTFLOW_MEDIA_MAX_FILE_BYTES', 4 * 1024 ** 3),
    collectMetrics: metricsSchedule.length > 0,
    preDispatchMs: preDispatchFrom(env) * 1000,
    preStage: preStageFrom(env),
  };
}

/**
 * `POSTFLOW_PRE_DISPATCH_SECONDS`: at most MAX_PRE_DISPATCH_SECONDS, since a dispatched call holds
 * a worker's activity slot while it waits (a worker shutting down lets waits of up to its 20 s
 * grace end, and cancels longer ones, which are dispatched again elsewhere).
 */
function preDispatchFrom(env: NodeJS.ProcessEnv): number {
  const seconds = intFrom(env, 'POSTFLOW_PRE_DISPATCH_SECONDS', DEFAULT_PRE_DISPATCH_SECONDS);
  if (seconds > MAX_PRE_DISPATCH_SECONDS) {
    throw new Error(
      `POSTFLOW_PRE_DISPATCH_SECONDS must be at most ${MAX_PRE_DISPATCH_SECONDS} (0 turns pre-dispatch off), got "${env.POSTFLOW_PRE_DISPATCH_SECONDS}".`,
    );
  }
  return seconds;
}

/** How long before their instant new scheduled posts' deliveries are dispatched, by default. */
export const DEFAULT_PRE_DISPATCH_SECONDS = 0;
/** The longest pre-dispatch lead `POSTFLOW_PRE_DISPATCH_SECONDS` takes. */
export const MAX_PRE_DISPATCH_SECONDS = 60;

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number, got "${raw}".`);
  return value;
}

/** `POSTFLOW_PRE_STAGE`: `on` (the default), `off`, or one lead in seconds, at most MAX_PRE_STAGE_SECONDS. */
function preStageFrom(env: NodeJS.ProcessEnv): PreStage {
  const raw = env.POSTFLOW_PRE_STAGE;
  if (raw === undefined || raw === '' || raw === 'on') return true;
  if (raw === 'off') return false;
  const seconds = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_PRE_STAGE_SECONDS)
    throw new Error(
      `POSTFLOW_PRE_STAGE must be "on", "off" or a whole number of seconds from 1 to ${MAX_PRE_STAGE_SECONDS}, got "${raw}".`,
    );
  return seconds * 1000;
}

/** The longest lead `POSTFLOW_PRE_STAGE` takes: well inside the 24 hours Meta keeps a container. */
export const MAX_PRE_STAGE_SECONDS = 3_600;

function positiveIntFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = intFrom(env, name, fallback);
  if (value < 1) throw new Error(`${name} must be at least 1, got "${env[name]}".`);
  return value;
}

/** The folder holding Postflow's package.json (works from sources and from dist/). */
export function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}
