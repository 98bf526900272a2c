import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { envDetectorSync, Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';

/** What a worker needs to trace: the pieces of the SDK's `OpenTelemetryPlugin`, to put first. */
export interface WorkerTracing {
  /** Activity spans (and trace ids on activity log lines). */
  activity: ActivityInterceptorsFactory[];
  /** Workflow spans, continuing the trace the starter sent in headers. */
  workflowModules: string[];
  /** Workflow spans leave the sandbox through this sink. */
  sinks: InjectedSinks<OpenTelemetrySinks>;
}

/** The tracing of this process: spans go by OTLP/HTTP to the collector the standard variables name. */
export interface Tracing {
  /**
   * For `Worker.create`. The same as the SDK's `OpenTelemetryPlugin`, but as parts, because a
   * plugin's interceptors run inside the worker's own: Postflow's activity interceptor must run
   * inside the activity's span for its lines to carry the trace id.
   */
  worker(): WorkerTracing;
  /** For the API's Temporal client: a span per start, update and query, carried to the workflow in headers. */
  clientInterceptors(): WorkflowClientInterceptor[];
  /** Exports the spans still buffered. */
  shutdown(): Promise<void>;
}

/** Tracing is on when an OTLP endpoint is configured, unless the standard variables turn it off. */
export function tracingConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return !!endpoint && env.OTEL_SDK_DISABLED !== 'true' && env.OTEL_TRACES_EXPORTER !== 'none';
}

let active: Tracing | undefined;

/** This process's tracing, when `startTracing` turned it on. */
export function activeTracing(): Tracing | undefined {
  return active;
}

/**
 * Turns tracing on for this process when configured: registers the global tracer provider (so
 * `@opentelemetry/api` tracers record, with async-context propagation and W3C trace context)
 * with a batching OTLP/HTTP exporter. The exporter reads the standard `OTEL_EXPORTER_OTLP_*`
 * variables (endpoint, headers, protocol options); `OTEL_SERVICE_NAME` and
 * `OTEL_RESOURCE_ATTRIBUTES` override the resource. Returns undefined when not configured.
 */
export function startTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env): Tracing | undefined {
  if (!tracingConfigured(env)) return undefined;
  const resource = Resource.default()
    .merge(new Resource({ 'service.name': serviceName, 'service.namespace': 'postflow' }))
    .merge(envDetectorSync.detect());
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  const tracing: Tracing = {
    worker: () => ({
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
      workflowModules: [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')],
      sinks: { exporter: makeWorkflowExporter(spanProcessor, resource) },
    }),
    clientInterceptors: () => [new OpenTelemetryWorkflowClientInterceptor()],
    async shutdown() {
      await provider.shutdown();
      if (active === tracing) active = undefined;
    },
  };
  active = tracing;
  return tracing;
}
