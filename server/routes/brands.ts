import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { brandListSchema, brandResourceSchema } from '../../api/resources';
import { createBrandSchema, updateBrandSchema } from '../../api/schemas';
import type { BrandService } from '../../services/brands';
import { scope } from '../auth';
import { replyCreated } from '../idempotency';
import {
  answer,
  AUTH_ERRORS,
  failure,
  idempotencyKeyHeader,
  noContent,
  pathParams,
} from '../openapi/route-schemas';

const notFound = failure('No such brand (brand.not_found)');
const params = pathParams('id');

const create = {
  summary: 'Create a brand: a named group of accounts',
  body: createBrandSchema,
  parsedByHandler: { headers: idempotencyKeyHeader },
  response: {
    201: answer(brandResourceSchema, 'Created'),
    400: failure('Invalid body'),
    ...AUTH_ERRORS,
  },
};
const list = {
  summary: 'List brands',
  response: { 200: answer(brandListSchema, 'Brands'), ...AUTH_ERRORS },
};
const get = {
  summary: 'Get a brand',
  params,
  response: { 200: answer(brandResourceSchema, 'The brand'), ...AUTH_ERRORS, 404: notFound },
};
// The body is read once the brand is found: an unknown brand is a 404 whatever the body.
const update = {
  summary: 'Rename a brand or change its approval settings',
  params,
  parsedByHandler: { body: updateBrandSchema },
  response: {
    200: answer(brandResourceSchema, 'Updated'),
    400: failure('Invalid body'),
    ...AUTH_ERRORS,
    404: notFound,
  },
};
const remove = {
  summary: 'Delete a brand no account belongs to',
  params,
  response: {
    204: noContent('Deleted'),
    ...AUTH_ERRORS,
    404: notFound,
    409: failure('Accounts still belong to it (brand.in_use, their ids in meta.account_ids)'),
  },
};

/**
 * `/v1/brands` (contract §4, "Brands group accounts"). The contract names no brand scopes, so
 * brands are read and managed with the account scopes.
 */
export function brandRoutes(fastify: FastifyInstance, brands: BrandService): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.post('/v1/brands', { ...scope('accounts:manage'), schema: create }, async (request, reply) =>
    replyCreated(
      reply,
      await brands.create(request.userId, request.body, request.headers['idempotency-key']),
    ),
  );

  app.get('/v1/brands', { ...scope('accounts:read'), schema: list }, async (request) =>
    brands.list(request.userId),
  );

  app.get('/v1/brands/:id', { ...scope('accounts:read'), schema: get }, async (request) =>
    brands.get(request.userId, request.params.id),
  );

  app.patch('/v1/brands/:id', { ...scope('accounts:manage'), schema: update }, async (request) =>
    brands.update(request.userId, request.params.id, request.body),
  );

  app.delete('/v1/brands/:id', { ...scope('accounts:manage'), schema: remove }, async (request, reply) => {
    await brands.remove(request.userId, request.params.id);
    return reply.status(204).send(undefined);
  });
}
