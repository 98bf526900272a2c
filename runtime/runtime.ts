import { Runtime } from '@temporalio/worker';
import type { Logger } from './logging';
import { TemporalPinoLogger } from './temporal-logger';

export interface TemporalRuntimeOptions {
  logger: Logger;
  /**
   * `host:port` where the Temporal SDK serves its own metrics (workers, pollers, workflow and
   * activity tasks, gRPC requests) for Prometheus at `/metrics`. Unset: none.
   */
  metricsAddress?: string;
}

/**
 * Installs the Temporal runtime of this process (once, before any worker connection): every SDK
 * line, the Rust Core's included, goes to Postflow's logger; Temporal's metrics go to Prometheus
 * when an address is given.
 */
export function installTemporalRuntime({ logger, metricsAddress }: TemporalRuntimeOptions): Runtime {
  return Runtime.install({
    logger: new TemporalPinoLogger(logger),
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      ...(metricsAddress ? { metrics: { prometheus: { bindAddress: metricsAddress } } } : {}),
    },
  });
}
