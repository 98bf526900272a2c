import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { usageSchema, userResourceSchema } from '../../api/resources';
import { updateUserSchema } from '../../api/user-schemas';
import type { UsageService } from '../../services/usage';
import type { UserService } from '../../services/users';
import { scope } from '../auth';
import { answer, AUTH_ERRORS, failure } from '../openapi/route-schemas';

const unauthorized = { 401: AUTH_ERRORS[401] };
const me = {
  summary: 'The calling key’s user: id, name, email, created_at (needs no scope)',
  response: { 200: answer(userResourceSchema, 'The user'), ...unauthorized },
};
const update = {
  summary: 'Set the user’s name and email (null clears one)',
  body: updateUserSchema,
  response: {
    200: answer(userResourceSchema, 'The user as it is now'),
    400: failure('Invalid or unknown field (validation.*, meta.field)'),
    ...AUTH_ERRORS,
  },
};
const usage = {
  summary:
    'What the user has used: posts this calendar month (UTC), media storage, accounts, webhooks (needs no scope)',
  response: { 200: answer(usageSchema, 'Usage, and the storage quota (-1: none)'), ...unauthorized },
};

/**
 * `/v1/users/me` and `/v1/usage`: the calling key's user. Reading needs no scope, as `/v1/me`
 * needs none: they describe the key's own user, with counts, not content.
 */
export function userRoutes(fastify: FastifyInstance, users: UserService, usageOf: UsageService): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get('/v1/users/me', { schema: me }, async (request) => users.get(request.userId));

  app.patch('/v1/users/me', { ...scope('users:manage'), schema: update }, async (request) =>
    users.update(request.userId, request.body),
  );

  app.get('/v1/usage', { schema: usage }, async (request) => usageOf.of(request.userId));
}
