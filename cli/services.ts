import { Client, Connection } from '@temporalio/client';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PostflowClient } from '../client';
import { CredentialChecks, OAuthConnections } from '../gateway';
import { postflowDataConverter } from '../codec/data-converter';
import { EncryptionCodec } from '../codec/encryption-codec';
import { OAuthSecrets } from '../codec/oauth-secrets';
import { buildApp } from '../server/app';
import { visibilityPostCounter } from '../server/post-counts';
import { type MediaLibrary, openMediaLibrary } from '../media';
import { loadSecretKey, openStore } from '../store';
import type { Store } from '../store/types';
import { KeyService } from '../services/keys';
import type { PostflowConfig } from '../runtime/config';
import { ensureSearchAttributes } from '../runtime/search-attributes';
import { POST_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { keepTokenUpkeepScheduled } from '../worker/token-upkeep-schedule';
import { NativeConnection, createPostflowWorker } from '../worker/worker';
import { maxCachedWorkflowsFrom } from '../worker/workflow-cache';
import { platformQueuesFrom, uploadQueueName } from '../runtime/platform-queues';
import { platformWorkerSettings, uploadWorkerSettings } from '../worker/platform-worker-settings';
import { createPlatformWorkers } from '../worker/platform-worker';
import { describeSecurity, temporalConnectionOptions } from '../runtime/temporal-connection';
import { processLogger } from '../runtime/logging';
import { UPLOADS, warnAboutUnservedQueues } from './queue-check';
import { processMetrics } from '../runtime/metrics';
import { activeTracing } from '../runtime/tracing';

/** The user every key and resource belongs to until multi-user key management lands. */
export const DEFAULT_USER = 'usr_default';

export type Log = (line: string) => void;

/** A running part of Postflow, stopped in reverse order of starting. */
export interface Service {
  name: string;
  stop(): Promise<void>;
}

export function openConfiguredStore(config: PostflowConfig): Promise<Store> {
  return openStore(config.home, config.databaseUrl);
}

/** Where the store lives, for the startup log: never the password of a database URL. */
export function describeStore(config: PostflowConfig): string {
  if (!config.databaseUrl) return `SQLite ${join(config.home, 'postflow.db')}`;
  const url = new URL(config.databaseUrl);
  return `PostgreSQL ${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`;
}

function describeMedia(config: PostflowConfig): string {
  return config.s3 ? `s3://${config.s3.bucket}/${config.s3.prefix}` : config.mediaDir;
}

/** Media storage and URL signing as configured (the same secret key as the store's). */
export function configuredMediaLibrary(config: PostflowConfig): MediaLibrary {
  return openMediaLibrary(config, loadSecretKey(config.home));
}

/** The embedded dev server is local and plaintext; any other Temporal gets the configured security. */
function connectionOptions(config: PostflowConfig, address: string) {
  return temporalConnectionOptions(
    address,
    config.namespace,
    config.temporalAddress ? config.temporalSecurity : { tls: false },
  );
}

/** Starts a worker on `address`; resolves once it polls. */
export async function startWorker(
  config: PostflowConfig,
  address: string,
  store: Store,
  log: Log,
): Promise<Service> {
  // Read before connecting: a bad value stops the worker with its error, not half started.
  const maxCachedWorkflows = maxCachedWorkflowsFrom();
  const options = connectionOptions(config, address);
  const admin = await Connection.connect(options);
  try {
    await ensureSearchAttributes(admin, config.namespace, POST_SEARCH_ATTRIBUTES);
    // The token-upkeep job's schedule: idempotent, so every worker may ensure it.
    await keepTokenUpkeepScheduled(
      new Client({ connection: admin, namespace: config.namespace }),
      config.taskQueue,
      log,
    );
  } finally {
    await admin.close();
  }
  const connection = await NativeConnection.connect(options);
  log(`Store: ${describeStore(config)}; media in ${describeMedia(config)}.`);
  const worker = await createPostflowWorker({
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    store,
    media: configuredMediaLibrary(config),
    publicUrl: config.publicUrl,
    allowPrivateUrls: config.allowPrivateUrls,
    dataConverter: postflowDataConverter(config.payloadKeys),
    maxCachedWorkflows,
    oauthSecrets: new OAuthSecrets(loadSecretKey(config.home)),
    preDispatch: config.preDispatchMs > 0,
  });
  const running = worker.run();
  log(
    `Worker polling task queue "${config.taskQueue}" on ${address} (namespace ${config.namespace}, ${describeSecurity(config.temporalSecurity)}, ${describePayloads(config)}, workflow cache ${maxCachedWorkflows}).`,
  );
  return {
    name: 'worker',
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

/**
 * Starts `postflow worker --platforms … [--uploads]`: activity-only workers on the given platforms'
 * queues (docs/deploy.md, "Sizing per platform"), and on the upload queue with `uploads`
 * (docs/platforms.md "Uploads that survive a crash"); resolves once they poll.
 */
export async function startPlatformWorkers(
  config: PostflowConfig,
  address: string,
  store: Store,
  log: Log,
  platforms: string[],
  { uploads = false }: { uploads?: boolean } = {},
): Promise<Service> {
  const queues = [
    ...platforms.map((p) => platformWorkerSettings(p, config.taskQueue)),
    ...(uploads ? [uploadWorkerSettings(config.taskQueue)] : []),
  ];
  const connection = await NativeConnection.connect(connectionOptions(config, address));
  log(`Store: ${describeStore(config)}; media in ${describeMedia(config)}.`);
  const workers = await createPlatformWorkers({
    connection,
    namespace: config.namespace,
    store,
    media: configuredMediaLibrary(config),
    publicUrl: config.publicUrl,
    allowPrivateUrls: config.allowPrivateUrls,
    dataConverter: postflowDataConverter(config.payloadKeys),
    queues,
  });
  const running = workers.map((w) => w.run());
  for (const q of queues) {
    log(
      `Worker polling task queue "${q.taskQueue}" on ${address} (${q.platform} activities only, at most ${q.maxConcurrentActivityTaskExecutions} at once in this worker, ${q.maxTaskQueueActivitiesPerSecond === undefined ? 'no queue rate' : `${q.maxTaskQueueActivitiesPerSecond}/s across the queue`}; namespace ${config.namespace}, ${describeSecurity(config.temporalSecurity)}, ${describePayloads(config)}).`,
    );
  }
  return {
    name: `worker ${platforms.join(',')}`,
    async stop() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.all(running);
      await connection.close();
    },
  };
}

export async function connectClient(config: PostflowConfig, address: string, store: Store) {
  const connection = await Connection.connect(connectionOptions(config, address));
  const added = await ensureSearchAttributes(connection, config.namespace, POST_SEARCH_ATTRIBUTES);
  const dataConverter = postflowDataConverter(config.payloadKeys);
  const temporal = new Client({
    connection,
    namespace: config.namespace,
    ...(dataConverter ? { dataConverter } : {}),
    // With tracing on, each start, update and query is a span, and the workflow continues its trace.
    ...(activeTracing() ? { interceptors: { workflow: activeTracing()!.clientInterceptors() } } : {}),
  });
  if (added.length)
    processLogger().info(
      `Registered search attributes ${added.join(', ')} in namespace ${config.namespace}.`,
    );
  return {
    connection,
    temporal,
    client: new PostflowClient({
      temporal,
      store,
      taskQueue: config.taskQueue,
      platformQueues: platformQueuesFrom(config.platformQueues, config.taskQueue),
      ...(config.uploadQueue ? { uploadQueue: uploadQueueName(config.taskQueue) } : {}),
      fileUploads: config.fileUploads,
      userId: DEFAULT_USER,
      allowPrivateUrls: config.allowPrivateUrls,
      // Search attributes are not encrypted by the codec, so with it on the text is not indexed.
      indexText: !dataConverter,
      idempotencyKeyDays: config.idempotencyKeyDays,
      collectMetrics: config.collectMetrics,
      preDispatchMs: config.preDispatchMs,
      preStage: config.preStage,
    }),
  };
}

/** For logs: whether payloads are encrypted, and with which key id (never the key). */
function describePayloads(config: PostflowConfig): string {
  return config.payloadKeys.length
    ? `payloads encrypted with key "${config.payloadKeys[0].id}"`
    : 'payloads not encrypted';
}

/** Starts the HTTP API on `address`'s Temporal; resolves once it listens. */
/** How long a stopping API waits for requests in flight before it cuts their connections. */
const API_STOP_GRACE_MS = 10_000;

export async function startApi(
  config: PostflowConfig,
  address: string,
  store: Store,
  log: Log,
): Promise<Service> {
  const { connection, client, temporal } = await connectClient(config, address, store);
  await ensureApiKey(config, store, log);
  const metrics = processMetrics();
  metrics.countPostsWith(visibilityPostCounter(temporal));
  const app = buildApp({
    client,
    store,
    logger: processLogger(),
    metrics,
    media: configuredMediaLibrary(config),
    syncWaitMs: config.syncWaitMs,
    publicUrl: config.publicUrl,
    allowPrivateUrls: config.allowPrivateUrls,
    oauth: {
      connections: new OAuthConnections({ temporal, taskQueue: config.taskQueue }),
      credentialChecks: new CredentialChecks({ temporal, taskQueue: config.taskQueue }),
      secrets: new OAuthSecrets(loadSecretKey(config.home)),
      redirectUris: config.oauthRedirectUris,
      stateTtlMs: config.oauthStateTtlMs,
    },
    ...(config.payloadKeys.length
      ? { codec: { codec: new EncryptionCodec(config.payloadKeys), corsOrigins: config.codecCorsOrigins } }
      : {}),
  });
  await app.listen({ host: config.host, port: config.port });
  const cancelQueueCheck = warnAboutUnservedQueues(
    connection,
    config.namespace,
    {
      ...platformQueuesFrom(config.platformQueues, config.taskQueue),
      ...(config.uploadQueue ? { [UPLOADS]: uploadQueueName(config.taskQueue) } : {}),
    },
    (line) => processLogger().warn(line),
  );
  log(
    `HTTP API on http://${config.host}:${config.port} (public URL ${config.publicUrl}, ${describePayloads(config)}${config.payloadKeys.length ? ', codec endpoint /codec' : ''}).`,
  );
  return {
    name: 'api',
    async stop() {
      cancelQueueCheck();
      // close() ends the connections idle at that moment; one whose request is still in flight
      // stays open once answered (keep-alive) and would hold the process for Fastify's 72 s
      // keep-alive timeout. Closing each as it goes idle lets SIGTERM end in seconds.
      const sweep = setInterval(() => app.server.closeIdleConnections(), 200);
      // A request still unanswered after the grace (an upload part from a client that stopped
      // sending, a request whose body the server refused before reading it all) is cut: a part
      // upload resumes from the bytes stored, and nothing else takes that long.
      const cut = setTimeout(() => app.server.closeAllConnections(), API_STOP_GRACE_MS);
      try {
        await app.close();
      } finally {
        clearInterval(sweep);
        clearTimeout(cut);
      }
      await connection.close();
    },
  };
}

/**
 * A new key is shown to the person at the terminal, never written into the log: logs are shipped
 * to collectors, and a key there is a key leaked. Without a terminal it is only in the key file.
 */
function showOnTerminal(key: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\n    Your API key: ${key}\n\n`);
}

/**
 * Makes sure there is a key to call the API with: the one in POSTFLOW_API_KEY, or, on first start,
 * a new one, shown once on the terminal and kept in `<home>/api-key` (mode 0600) for the embedded setup.
 * Either gets the user scopes only: `payloads:decode` keys are minted on purpose (`postflow keys create
 * --scopes payloads:decode`).
 */
export async function ensureApiKey(
  config: PostflowConfig,
  store: Store,
  log: Log,
  showOnce: (key: string) => void = showOnTerminal,
): Promise<void> {
  const keyFile = join(config.home, 'api-key');
  const keys = new KeyService({ store });
  if (config.apiKey) {
    await keys.adopt(DEFAULT_USER, config.apiKey, 'POSTFLOW_API_KEY');
    log('API key: the one in POSTFLOW_API_KEY.');
  } else if (await keys.none()) {
    const { key } = await keys.create(DEFAULT_USER, { name: 'first start' });
    writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
    log(`Created an API key, saved in ${keyFile} (read it there; keys are never logged).`);
    showOnce(key);
  } else if (existsSync(keyFile)) {
    log(`API key: the one in ${keyFile}.`);
  }
}
