import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { PostflowConfig } from '../runtime/config';
import { startDevServer } from '../runtime/dev-server';
import { ensureTemporalCli } from '../runtime/temporal-cli';
import { POST_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import {
  type Log,
  type Service,
  openConfiguredStore,
  startApi,
  startPlatformWorkers,
  startWorker,
} from './services';

/**
 * `postflow dev`: everything on one machine. The Temporal dev server (state in
 * `<home>/temporal.db`) unless TEMPORAL_ADDRESS names one, a worker, and the HTTP API.
 */
export async function runDev(config: PostflowConfig, log: Log): Promise<Service[]> {
  const services: Service[] = [];
  let address = config.temporalAddress;
  if (!address) {
    const binary = await ensureTemporalCli(config.toolsDir, log);
    mkdirSync(config.home, { recursive: true });
    log(
      `Starting the Temporal dev server (gRPC ${config.devServerPort}, UI ${config.devServerUiPort}, state in ${config.home})…`,
    );
    const server = await startDevServer({
      binary,
      dbFile: join(config.home, 'temporal.db'),
      port: config.devServerPort,
      uiPort: config.devServerUiPort,
      namespace: config.namespace,
      searchAttributes: POST_SEARCH_ATTRIBUTES,
    });
    services.push({ name: 'temporal', stop: () => server.stop() });
    address = server.address;
    log(`Temporal UI on http://localhost:${config.devServerUiPort}`);
  }
  const store = await openConfiguredStore(config);
  services.push({ name: 'store', stop: () => store.close() });
  services.push(await startWorker(config, address, store, log));
  // One machine serves every queue: platforms routed to their own queue get their workers here too.
  if (config.platformQueues.length || config.uploadQueue)
    services.push(
      await startPlatformWorkers(config, address, store, log, config.platformQueues, {
        uploads: config.uploadQueue,
      }),
    );
  services.push(await startApi(config, address, store, log));
  return services;
}
