import {
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PostflowMetrics } from '../runtime/metrics';

/** A no-op until the process turns tracing on (runtime/tracing.ts registers the provider). */
const tracer = trace.getTracer('postflow.api');

/** Routes polled by machines: their lines go to `debug`, so `info` stays readable. */
const QUIET_ROUTES = new Set(['/healthz']);

interface Observed {
  startedAt: number;
  span: Span;
}

const observed = new WeakMap<FastifyRequest, Observed>();

/**
 * Makes every request of the API observable:
 * - a server span (the root of the trace, or a child of the caller's W3C `traceparent`), active
 *   while the handler runs, so the Temporal client's spans — and through them the workflow's,
 *   the activities' and the platform calls' — belong to it;
 * - `postflow_http_requests_total` and `postflow_http_request_duration_seconds` by method, route
 *   pattern (never the raw URL: ids would explode the label) and status;
 * - one log line when answered, with the request id, method, route, status and duration; never
 *   headers (Authorization), query strings (signed media URLs) or bodies.
 */
export function observeRequests(app: FastifyInstance, metrics?: PostflowMetrics): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const route = routeOf(request);
    const span = tracer.startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'http.route': route,
          'url.path': request.url.split('?')[0],
          'postflow.request_id': request.id,
        },
      },
      parent,
    );
    observed.set(request, { startedAt: performance.now(), span });
    done();
  });

  // The last hook before the handler: the span becomes the active context for the handler and
  // everything it awaits (fastify calls the handler from `done`).
  app.addHook('preHandler', (request, _reply, done) => {
    const span = observed.get(request)?.span;
    if (!span) return done();
    context.with(trace.setSpan(context.active(), span), done);
  });

  app.addHook('onResponse', (request, reply, done) => {
    const seen = observed.get(request);
    const route = routeOf(request);
    const status = reply.statusCode;
    const seconds = seen ? (performance.now() - seen.startedAt) / 1000 : 0;
    if (seen) {
      seen.span.setAttribute('http.response.status_code', status);
      if (status >= 500) seen.span.setStatus({ code: SpanStatusCode.ERROR });
      seen.span.end();
    }
    const labels = { method: request.method, route, status: String(status) };
    metrics?.httpRequests.inc(labels);
    metrics?.httpDuration.observe(labels, seconds);
    request.log[QUIET_ROUTES.has(route) ? 'debug' : 'info'](
      { method: request.method, route, status, durationMs: Math.round(seconds * 1000) },
      'Request answered',
    );
    done();
  });
}

/** The route's pattern (`/v1/posts/:id`), or `unmatched` for a 404 without a route. */
function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
}
