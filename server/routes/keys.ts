import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { keyCreatedSchema, keyListSchema } from '../../api/resources';
import { createKeySchema } from '../../api/user-schemas';
import type { KeyService } from '../../services/keys';
import { scope } from '../auth';
import { answer, AUTH_ERRORS, failure, noContent, pathParams } from '../openapi/route-schemas';

const list = {
  summary: "The user's API keys, revoked ones included (never a key itself)",
  response: { 200: answer(keyListSchema, 'Keys'), ...AUTH_ERRORS },
};
// No Idempotency-Key: the key is shown once, so a repeat could not answer as the first request did.
const create = {
  summary: 'Mint a key for this user with scopes the calling key holds; the key is shown once (raw_key)',
  body: createKeySchema,
  response: {
    201: answer(keyCreatedSchema, 'Minted: the key (raw_key, shown once) and its resource'),
    400: failure('Invalid body, unknown scope, or payloads:decode (minted only with the CLI)'),
    401: AUTH_ERRORS[401],
    403: failure(
      'The calling key lacks keys:manage, or a scope it would give (auth.insufficient_scope, meta.required_scope)',
    ),
  },
};
const revoke = {
  summary: 'Revoke a key of this user at once (the calling key too)',
  params: pathParams('id'),
  response: {
    204: noContent('Revoked'),
    ...AUTH_ERRORS,
    404: failure(
      "No active key of this user with that id (resource.not_found): unknown, revoked, or another user's",
    ),
  },
};

/** `/v1/keys`: a user's API keys, managed by a key holding `keys:manage`. */
export function keyRoutes(fastify: FastifyInstance, keys: KeyService): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const manage = scope('keys:manage');

  app.get('/v1/keys', { ...manage, schema: list }, async (request) => keys.listOf(request.userId));

  app.post('/v1/keys', { ...manage, schema: create }, async (request, reply) =>
    reply.status(201).send(await keys.mint(request.apiKey, request.body)),
  );

  app.delete('/v1/keys/:id', { ...manage, schema: revoke }, async (request, reply) => {
    await keys.revokeOf(request.userId, request.params.id);
    return reply.status(204).send(undefined);
  });
}
