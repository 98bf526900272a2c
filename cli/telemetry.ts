import { processLogger } from '../runtime/logging';
import { processMetrics } from '../runtime/metrics';
import { serveMetrics } from '../runtime/metrics-server';
import { startTracing } from '../runtime/tracing';
import type { Service } from './services';

/**
 * What a Postflow process exports besides its logs, started before its worker or API (they pick
 * tracing up when created) and stopped after them (so their last spans are sent):
 * - traces by OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `…_TRACES_ENDPOINT`) is set;
 * - Postflow's metrics at `http://$POSTFLOW_METRICS_ADDR/metrics` when that is set.
 * Temporal's own worker metrics are the runtime's (runtime/runtime.ts, `POSTFLOW_WORKER_METRICS_ADDR`).
 */
export async function startTelemetry(
  serviceName: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Service[]> {
  const log = processLogger();
  const services: Service[] = [];
  const tracing = startTracing(serviceName, env);
  if (tracing) {
    services.push({ name: 'tracing', stop: () => tracing.shutdown() });
    log.info(`Traces of ${serviceName} exported by OTLP/HTTP to ${describeEndpoint(env)}.`);
  }
  if (env.POSTFLOW_METRICS_ADDR) {
    const server = await serveMetrics(
      processMetrics().registry,
      env.POSTFLOW_METRICS_ADDR,
      'POSTFLOW_METRICS_ADDR',
    );
    services.push({ name: 'metrics', stop: () => server.close() });
    log.info(`Postflow metrics on http://${server.address}/metrics.`);
  }
  return services;
}

/** The collector's address for the startup line: scheme, host and path, never credentials in the URL. */
function describeEndpoint(env: NodeJS.ProcessEnv): string {
  const raw = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT || '';
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return 'the configured endpoint';
  }
}
