import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { accountListSchema, accountResourceSchema } from '../../api/resources';
import { createAccountSchema, reconnectAccountSchema, updateAccountSchema } from '../../api/schemas';
import type { AccountService } from '../../services/accounts';
import { scope } from '../auth';
import { replyCreated } from '../idempotency';
import {
  answer,
  AUTH_ERRORS,
  failure,
  idempotencyKeyHeader,
  noContent,
  pathParams,
  queryParam,
} from '../openapi/route-schemas';

const notFound = failure('No such account');
const params = pathParams('id');

const create = {
  summary: 'Register an account with its credentials',
  body: createAccountSchema,
  parsedByHandler: { headers: idempotencyKeyHeader },
  response: {
    201: answer(accountResourceSchema, 'Created'),
    400: failure('Invalid body'),
    ...AUTH_ERRORS,
    404: failure('No such brand (brand.not_found, meta.field brand_id)'),
  },
};
// Other query parameters are ignored, as they always were here.
const list = {
  summary: 'List accounts',
  parsedByHandler: {
    querystring: z.object({ brand_id: queryParam("Only this brand's accounts") }),
  },
  response: {
    200: answer(accountListSchema, 'Accounts'),
    ...AUTH_ERRORS,
    404: failure('No such brand (brand.not_found, meta.field brand_id)'),
  },
};
const get = {
  summary: 'Get an account',
  params,
  response: { 200: answer(accountResourceSchema, 'The account'), ...AUTH_ERRORS, 404: notFound },
};
// The body is read once the account is found: an unknown account is a 404 whatever the body.
const update = {
  summary: 'Rename an account, move it to a brand (or out of it), or reconnect it with fresh credentials',
  params,
  parsedByHandler: { body: updateAccountSchema },
  response: {
    200: answer(accountResourceSchema, 'Updated'),
    400: failure('Invalid body'),
    ...AUTH_ERRORS,
    404: failure('No such account, or no such brand (brand.not_found, meta.field brand_id)'),
  },
};
const reconnect = {
  summary: 'Reconnect an account (reconnect_required → active) with fresh credentials',
  params,
  parsedByHandler: { body: reconnectAccountSchema },
  response: {
    200: answer(accountResourceSchema, 'Active again'),
    400: failure('Invalid body'),
    ...AUTH_ERRORS,
    404: notFound,
  },
};
const remove = {
  summary: 'Delete an account and its credentials',
  params,
  response: { 204: noContent('Deleted'), ...AUTH_ERRORS, 404: notFound },
};

/** `/v1/accounts` (contract §2): the platform accounts posts publish to. */
export function accountRoutes(fastify: FastifyInstance, accounts: AccountService): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.post('/v1/accounts', { ...scope('accounts:manage'), schema: create }, async (request, reply) =>
    replyCreated(
      reply,
      await accounts.create(request.userId, request.body, request.headers['idempotency-key']),
    ),
  );

  app.get<{ Querystring: { brand_id?: string | string[] } }>(
    '/v1/accounts',
    { ...scope('accounts:read'), schema: list },
    async (request) => accounts.list(request.userId, request.query),
  );

  app.get('/v1/accounts/:id', { ...scope('accounts:read'), schema: get }, async (request) =>
    accounts.get(request.userId, request.params.id),
  );

  app.patch('/v1/accounts/:id', { ...scope('accounts:manage'), schema: update }, async (request) =>
    accounts.update(request.userId, request.params.id, request.body),
  );

  app.post(
    '/v1/accounts/:id/reconnect',
    { ...scope('accounts:manage'), schema: reconnect },
    async (request) => accounts.reconnect(request.userId, request.params.id, request.body),
  );

  // Disconnect: the account and its credentials are deleted at once (204).
  app.delete('/v1/accounts/:id', { ...scope('accounts:manage'), schema: remove }, async (request, reply) => {
    await accounts.remove(request.userId, request.params.id);
    return reply.status(204).send(undefined);
  });
}
