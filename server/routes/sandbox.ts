import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { sandboxItemSchema, sandboxListSchema } from '../../api/resources';
import type { SandboxService } from '../../services/sandbox';
import { scope } from '../auth';
import { answer, AUTH_ERRORS, failure, pathParams } from '../openapi/route-schemas';

/** What the sandbox platform has "published": the place to check automations end to end. */
const published = {
  summary: 'What the sandbox platform published for an account',
  params: pathParams('account_id'),
  response: {
    200: answer(sandboxListSchema, 'Published items'),
    ...AUTH_ERRORS,
    404: failure('No such sandbox account'),
  },
};
const permalink = {
  summary: 'A sandbox post (its permalink)',
  params: pathParams('platform_post_id'),
  response: { 200: answer(sandboxItemSchema, 'The item'), ...AUTH_ERRORS, 404: failure('No such item') },
};

export function sandboxRoutes(fastify: FastifyInstance, sandbox: SandboxService): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get('/v1/sandbox/:account_id/posts', { ...scope('posts:read'), schema: published }, async (request) =>
    sandbox.published(request.userId, request.params.account_id),
  );

  // The permalink of a sandbox post.
  app.get(
    '/v1/sandbox/posts/:platform_post_id',
    { ...scope('posts:read'), schema: permalink },
    async (request) => sandbox.post(request.userId, request.params.platform_post_id),
  );
}
