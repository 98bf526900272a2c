import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { processMetrics } from '../../runtime/metrics';

/** A no-op until the process turns tracing on (runtime/tracing.ts registers the provider). */
const tracer = trace.getTracer('postflow.platforms');

/**
 * Runs one HTTP call to a platform inside a client span (a child of the activity's span) and
 * times it. The span names the platform, method, host and path, never the query string: some
 * platforms (Meta's) take access tokens there. Where the path itself carries a secret (a Discord
 * webhook's token), `redactPath` says how the span names it. No trace context is sent to the
 * platform.
 */
export async function observePlatformCall(
  platform: string,
  url: string,
  init: RequestInit,
  irreversible: boolean,
  call: () => Promise<Response>,
  redactPath: (path: string) => string = (path) => path,
): Promise<Response> {
  const target = new URL(url);
  const method = (init.method ?? 'GET').toUpperCase();
  const attributes = {
    'postflow.platform': platform,
    'postflow.irreversible': irreversible,
    'http.request.method': method,
    'server.address': target.hostname,
    'url.scheme': target.protocol.replace(/:$/, ''),
    'url.path': redactPath(target.pathname),
    ...(target.port ? { 'server.port': Number(target.port) } : {}),
  };
  return tracer.startActiveSpan(
    `${method} ${platform}`,
    { kind: SpanKind.CLIENT, attributes },
    async (span) => {
      const started = performance.now();
      let status = 'error';
      try {
        const response = await call();
        status = String(response.status);
        span.setAttribute('http.response.status_code', response.status);
        if (response.status >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
        return response;
      } catch (err) {
        // The error's kind only: messages of network errors may quote addresses, never needed here.
        span.setAttribute('error.type', errorType(err));
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw err;
      } finally {
        processMetrics().platformRequests.observe({ platform, status }, (performance.now() - started) / 1000);
        span.end();
      }
    },
  );
}

function errorType(err: unknown): string {
  for (
    let e = err as { code?: unknown; name?: unknown; cause?: unknown } | undefined;
    e;
    e = e.cause as typeof e
  ) {
    if (typeof e.code === 'string') return e.code;
  }
  return err instanceof Error ? err.name : 'Error';
}
