import { STATUS_CODES } from 'node:http';
import { isUtf8 } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, errorEnvelope } from '../api/errors';

/**
 * JSON bodies must be valid UTF-8. Node would decode invalid bytes to U+FFFD and a post would
 * publish that mojibake; the client is told instead. Parsing itself stays fastify's (with its
 * `__proto__` and `constructor.prototype` poisoning checks).
 *
 * An empty body is no body, whatever the Content-Type: HTTP clients send
 * `Content-Type: application/json` with nothing on DELETE and on bodiless POSTs (`/retry`,
 * `/publish`). Routes that take no body ignore it; routes with an optional body read it as `{}`;
 * routes that need one refuse it with their own validation error.
 */
export function strictJsonBodies(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    if (bytes.length === 0) {
      done(null, undefined);
      return;
    }
    if (!isUtf8(bytes)) {
      done(
        new ApiError(400, 'validation.body_invalid', 'The body is not valid UTF-8.', { field: 'body' }),
        undefined,
      );
      return;
    }
    void parseJson(request, bytes.toString('utf8'), done);
  });
}

/**
 * Requests Node's HTTP parser refuses before fastify sees them (headers over 16 KB, malformed
 * request lines) still get the contract's error envelope, as fastify's default handler does with
 * its own shape. There is no request yet, so the request id is made here.
 */
export function clientErrorEnvelope(err: NodeJS.ErrnoException, socket: Socket): void {
  // Already answered (the rest of the request still arriving is drained), or gone.
  if (err.code === 'ECONNRESET' || socket.destroyed || socket.writableEnded) return;
  const [status, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'validation.headers_too_large', 'The request headers are larger than 16 KB.']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'validation.request_timeout', 'The request did not arrive in time.']
        : [400, 'validation.request_malformed', 'The request is not well-formed HTTP.'];
  const body = JSON.stringify(
    errorEnvelope(new ApiError(status, code, message), randomBytes(4).toString('hex')),
  );
  if (!socket.writable) {
    socket.destroy(err);
    return;
  }
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  lingerThenClose(socket);
}

/** How long a refused connection is drained before it is closed regardless. */
const LINGER_MS = 5_000;

/**
 * A lingering close, as nginx does: the client may still be sending the rest of the refused
 * request (a 64 KB header, say). Closing with its bytes unread would answer them with a reset,
 * and a client still writing would lose the answer to it; so what arrives is read and dropped
 * until the client closes its side, for at most a few seconds.
 */
function lingerThenClose(socket: Socket): void {
  socket.removeAllListeners('data');
  socket.on('data', () => undefined);
  socket.once('end', () => socket.destroy());
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

/**
 * `Expect: 100-continue` (curl sends it for large bodies): the client waits for "100 Continue"
 * before it sends the body. Node would say "continue" to every request at once; Postflow says it
 * only when the body will be read, after authentication and within the route's body limit. A
 * request refused by then (401, 413) gets its answer before any body byte is sent, instead of a
 * connection reset half-way through a body the server never reads.
 */
export function continueOnlyWhenReading(app: FastifyInstance): void {
  app.server.on('checkContinue', (req, res) => {
    app.routing(req, res);
  });
  app.addHook('preParsing', async (request, reply, payload) => {
    if (request.headers.expect?.toLowerCase() === '100-continue' && withinLimit(request)) {
      reply.raw.writeContinue();
    }
    return payload;
  });
}

function withinLimit(request: FastifyRequest): boolean {
  // Multipart uploads are limited by the upload parser as they stream, not by the route's limit.
  if (request.headers['content-type']?.startsWith('multipart/')) return true;
  const length = Number(request.headers['content-length'] ?? 0);
  return !(length > (request.routeOptions.bodyLimit ?? Number.POSITIVE_INFINITY));
}
