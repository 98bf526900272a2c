import type { FastifyInstance } from 'fastify';
import { accountNotFound, ApiError } from '../../api/errors';
import { scope } from '../auth';
import { sandboxItemSchema, sandboxListSchema, type SandboxItemResource } from '../../api/resources';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { answer, AUTH_ERRORS, failure, pathParams } from '../openapi/route-schemas';
import type { SandboxItem, Store } from '../../store/types';

function itemResource(item: SandboxItem): SandboxItemResource {
  return {
    platform_post_id: item.platformPostId,
    account_id: item.accountId,
    post_id: item.ref.split('/')[0],
    text: item.text,
    title: item.title,
    media: item.media.map((m) => ({
      source_type: m.sourceType,
      source: m.source,
      content_type: m.contentType,
      size_bytes: m.sizeBytes,
    })),
    platform_options: item.options,
    published_at: item.publishedAt,
  };
}

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

export function sandboxRoutes(fastify: FastifyInstance, store: Store): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get('/v1/sandbox/:account_id/posts', { ...scope('posts:read'), schema: published }, async (request) => {
    const account = await store.getAccount(request.params.account_id, request.userId);
    if (!account || account.platform !== 'sandbox') throw accountNotFound(request.params.account_id);
    return { data: (await store.sandbox.list(account.id)).map(itemResource) };
  });

  // The permalink of a sandbox post.
  app.get(
    '/v1/sandbox/posts/:platform_post_id',
    { ...scope('posts:read'), schema: permalink },
    async (request) => {
      const item = await store.sandbox.get(request.params.platform_post_id);
      const owner = item && (await store.getAccount(item.accountId, request.userId));
      if (!item || !owner) {
        throw new ApiError(404, 'resource.not_found', `No sandbox post ${request.params.platform_post_id}.`, {
          resource: 'sandbox_post',
          id: request.params.platform_post_id,
        });
      }
      return itemResource(item);
    },
  );
}
