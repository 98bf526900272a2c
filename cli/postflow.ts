#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { ApiError } from '../api/errors';
import { loadConfig } from '../runtime/config';
import { createLogger, installLogger, loggingOptionsFrom, processLogger } from '../runtime/logging';
import { installTemporalRuntime } from '../runtime/runtime';
import { runDev } from './dev';
import { keysCommand } from './keys';
import { parsePlatformList } from '../runtime/platform-queues';
import {
  connectClient,
  openConfiguredStore,
  type Service,
  startApi,
  startPlatformWorkers,
  startWorker,
} from './services';
import { startTelemetry } from './telemetry';

const USAGE = `postflow — durable social publishing on Temporal

Usage:
  postflow dev                      Temporal dev server + worker + HTTP API (what npm start runs)
  postflow worker                   a worker, against TEMPORAL_ADDRESS (default 127.0.0.1:7233)
  postflow worker --platforms youtube,tiktok
                                    a worker for those platforms' own task queues only
                                    (POSTFLOW_PLATFORM_QUEUES; see docs/deploy.md)
  postflow worker --uploads         a worker for long uploads only (POSTFLOW_UPLOAD_QUEUE;
                                    with --platforms, both; see docs/platforms.md)
  postflow api                      the HTTP API, against TEMPORAL_ADDRESS
  postflow post create --file F [--idempotency-key K]
                                    create a post from a POST /v1/posts JSON body
  postflow post get <post id>       print a post
  postflow keys create [--user U] [--scopes posts:read,…] [--name N]
                                    create an API key (printed once)
  postflow keys list [--user U]     list keys (never the keys themselves)
  postflow keys revoke <key id>     revoke a key at once

Configuration comes from the environment; see the README.`;

/** Commands that run services: they log to stdout. The others answer on stdout and log to stderr. */
const SERVICE_NAMES: Record<string, string> = {
  dev: 'postflow',
  worker: 'postflow-worker',
  api: 'postflow-api',
};

/** The services' progress lines (docs/observability.md: JSON, or pretty in `postflow dev`). */
const log = (line: string) => processLogger().info(line);
/** A command's answer (`keys`), for people and scripts: plain stdout. */
const print = (line: string) => console.log(line);

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const service = command ? SERVICE_NAMES[command] : undefined;
  const logger = installLogger(
    createLogger({ ...loggingOptionsFrom(process.env, command), fd: service ? 1 : 2 }),
  );
  const config = loadConfig();
  // Only processes with a worker use Temporal's native runtime (the client is plain JS). Installed
  // there alone: its log forwarding keeps a process alive, and `keys`/`post` must exit when done.
  if (command === 'dev' || command === 'worker') {
    const metricsAddress = process.env.POSTFLOW_WORKER_METRICS_ADDR || undefined;
    installTemporalRuntime({ logger, metricsAddress });
    if (metricsAddress) log(`Temporal worker metrics on http://${metricsAddress}/metrics.`);
  }
  const address = config.temporalAddress ?? `127.0.0.1:${config.devServerPort}`;

  switch (command) {
    case 'dev':
      return runUntilSignal(async () => [
        ...(await startTelemetry(service!)),
        ...(await runDev(config, log)),
      ]);
    case 'worker': {
      // Checked before anything starts, so a typo fails at once with the list of platforms.
      const platforms = rest.includes('--platforms')
        ? parsePlatformList(option(rest, '--platforms'), '--platforms')
        : config.workerPlatforms;
      if (rest.includes('--platforms') && !platforms.length)
        throw new Error('--platforms needs a list of platforms, e.g. --platforms youtube,tiktok.');
      const uploads = rest.includes('--uploads');
      return runUntilSignal(async () => {
        const telemetry = await startTelemetry(service!);
        const store = await openConfiguredStore(config);
        return [
          ...telemetry,
          { name: 'store', stop: () => store.close() },
          platforms.length || uploads
            ? await startPlatformWorkers(config, address, store, log, platforms, { uploads })
            : await startWorker(config, address, store, log),
        ];
      });
    }
    case 'api':
      return runUntilSignal(async () => {
        const telemetry = await startTelemetry(service!);
        const store = await openConfiguredStore(config);
        return [
          ...telemetry,
          { name: 'store', stop: () => store.close() },
          await startApi(config, address, store, log),
        ];
      });
    case 'post':
      return postCommand(rest, config, address);
    case 'keys': {
      const store = await openConfiguredStore(config);
      try {
        process.exitCode = await keysCommand(rest, store, print);
      } finally {
        await store.close();
      }
      return;
    }
    default:
      console.log(USAGE);
      if (command && command !== 'help' && command !== '--help') process.exitCode = 2;
  }
}

async function postCommand(
  args: string[],
  config: ReturnType<typeof loadConfig>,
  address: string,
): Promise<void> {
  const store = await openConfiguredStore(config);
  const { connection, client } = await connectClient(config, address, store);
  try {
    const [sub, ...params] = args;
    if (sub === 'create') {
      const file = option(params, '--file');
      if (!file) throw new Error('post create needs --file <payload.json>.');
      const key = option(params, '--idempotency-key');
      const { post } = await client.posts.create(JSON.parse(readFileSync(file, 'utf8')), {
        ...(key ? { idempotencyKey: key } : {}),
        waitMs: config.syncWaitMs,
      });
      console.log(JSON.stringify(post, null, 2));
    } else if (sub === 'get' && params[0]) {
      console.log(JSON.stringify(await client.posts.get(params[0]), null, 2));
    } else {
      console.log(USAGE);
      process.exitCode = 2;
    }
  } finally {
    await connection.close();
    await store.close();
  }
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Starts services, then stops them in reverse order on SIGINT/SIGTERM (a second signal forces exit). */
async function runUntilSignal(start: () => Promise<Service[]>): Promise<void> {
  let services: Service[] = [];
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      log(`${signal} again: exiting now.`);
      process.exit(1);
    }
    stopping = true;
    log(`${signal}: stopping…`);
    for (const service of [...services].reverse()) {
      await service
        .stop()
        .catch((err: unknown) => processLogger().error({ err }, `Stopping ${service.name} failed.`));
    }
    log('Stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  services = await start();
  log('Postflow is running. Ctrl-C stops it.');
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const message =
    err instanceof ApiError
      ? `${err.code}: ${err.message}`
      : err instanceof Error
        ? err.message
        : String(err);
  // A service that cannot start says so in its log; a command, to the person who ran it.
  if (SERVICE_NAMES[process.argv[2] ?? '']) processLogger().fatal({ err }, message);
  else console.error(message);
  process.exit(1);
});
