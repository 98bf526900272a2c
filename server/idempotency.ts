import type { FastifyReply, FastifyRequest } from 'fastify';
import { checkIdempotencyKey, type Created } from '../services/idempotency';

/** The request's `Idempotency-Key`, checked; undefined when absent. */
export function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  return checkIdempotencyKey(request.headers['idempotency-key']);
}

/** Answers a creating request: 201 with the resource, marked when it is an idempotent replay. */
export function replyCreated<T>(reply: FastifyReply, { resource, replayed }: Created<T>): FastifyReply {
  if (replayed) reply.header('Idempotent-Replayed', 'true');
  return reply.status(201).send(resource);
}
