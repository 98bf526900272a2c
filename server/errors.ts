import type { FastifyError, FastifyInstance } from 'fastify';
import { ApiError, errorEnvelope } from '../api/errors';

/**
 * The one error mapper: every failure leaves as the contract's envelope. Contract errors keep
 * their status and code; malformed JSON is a 400; anything unexpected is a 500 that reveals
 * nothing internal (it is logged with its request id instead).
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | Error, request, reply) => {
    if (err instanceof ApiError) {
      return reply.status(err.status).send(errorEnvelope(err, request.id));
    }
    const fastifyError = err as FastifyError;
    if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
      const code = fastifyError.statusCode === 413 ? 'validation.body_too_large' : 'validation.body_invalid';
      return reply
        .status(fastifyError.statusCode)
        .send(errorEnvelope(new ApiError(fastifyError.statusCode, code, fastifyError.message), request.id));
    }
    request.log.error({ err }, 'request failed');
    return reply
      .status(500)
      .send(
        errorEnvelope(
          new ApiError(
            500,
            'system.internal',
            'Something went wrong on our side; retry idempotent requests.',
          ),
          request.id,
        ),
      );
  });
  app.setNotFoundHandler((request, reply) => {
    reply
      .status(404)
      .send(
        errorEnvelope(
          new ApiError(404, 'resource.not_found', `No route ${request.method} ${request.url}.`),
          request.id,
        ),
      );
  });
}
