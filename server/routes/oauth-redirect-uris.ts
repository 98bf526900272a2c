import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  addRedirectUriSchema,
  redirectUriListSchema,
  redirectUriResourceSchema,
} from '../../api/oauth-schemas';
import type { RedirectUriService } from '../../services/oauth-redirect-uris';
import { scope } from '../auth';
import { answer, AUTH_ERRORS, failure, noContent, pathParams } from '../openapi/route-schemas';

const list = {
  summary: 'List your registered redirect URIs (the operator’s POSTFLOW_OAUTH_REDIRECT_URIS apply besides)',
  response: { 200: answer(redirectUriListSchema, 'Your redirect URIs, oldest first'), ...AUTH_ERRORS },
};
const add = {
  summary: 'Register a redirect URI that POST /v1/accounts/connect may send people back to',
  parsedByHandler: { body: addRedirectUriSchema },
  response: {
    200: answer(redirectUriResourceSchema, 'Registered already: the same entry'),
    201: answer(redirectUriResourceSchema, 'Registered'),
    400: failure(
      'Not an absolute https URL (http only on loopback), a fragment, unknown fields, or the per-user limit (meta.field redirect_uri)',
    ),
    ...AUTH_ERRORS,
  },
};
const remove = {
  summary: 'Delete a registered redirect URI (connections already started keep theirs)',
  params: pathParams('id'),
  response: {
    204: noContent('Deleted'),
    ...AUTH_ERRORS,
    404: failure('No such redirect URI of yours (resource.not_found)'),
  },
};

/** `/v1/oauth/redirect-uris`: each user's own redirect URIs for connect, read and managed with the account scopes. */
export function redirectUriRoutes(fastify: FastifyInstance, redirectUris: RedirectUriService): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get('/v1/oauth/redirect-uris', { ...scope('accounts:read'), schema: list }, async (request) =>
    redirectUris.list(request.userId),
  );

  app.post(
    '/v1/oauth/redirect-uris',
    { ...scope('accounts:manage'), schema: add },
    async (request, reply) => {
      const { resource, created } = await redirectUris.add(request.userId, request.body);
      return reply.status(created ? 201 : 200).send(resource);
    },
  );

  app.delete(
    '/v1/oauth/redirect-uris/:id',
    { ...scope('accounts:manage'), schema: remove },
    async (request, reply) => {
      await redirectUris.remove(request.userId, request.params.id);
      return reply.status(204).send(undefined);
    },
  );
}
