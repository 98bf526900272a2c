import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { accountPageListSchema, accountPageSchema, chooseAccountPageSchema } from '../../api/account-pages';
import type { PostflowClient } from '../../client';
import { scope } from '../auth';
import { answer, AUTH_ERRORS, failure, pathParams } from '../openapi/route-schemas';

const notSupported = failure("The account's platform has no pages (resource.not_supported)");

const list = {
  summary:
    "List the pages an account's grant gives (Facebook Pages, Instagram business accounts, LinkedIn organizations, Business Profile locations)",
  params: pathParams('id'),
  response: {
    200: answer(accountPageListSchema, 'The pages; is_default marks the one the account posts to'),
    ...AUTH_ERRORS,
    403: failure('The grant gives no page any more: reconnect the account (account.reconnection_required)'),
    404: failure('No such account'),
    429: failure("The platform's rate limit (platform.<name>.rate_limit)"),
    501: notSupported,
    502: failure('The platform did not list the pages (platform.<name>.pages_unavailable)'),
    503: failure('No worker answered in time (system.unavailable)'),
  },
};
// The body is read once the page is found: an unknown account or page is a 404 whatever the body.
const choose = {
  summary: 'Make a page the one the account posts to',
  params: pathParams('id', 'pageId'),
  parsedByHandler: { body: chooseAccountPageSchema },
  response: {
    200: answer(accountPageSchema, 'The page, now the default'),
    400: failure('Invalid body'),
    ...AUTH_ERRORS,
    404: failure("No such account, or the page is not in the account's grant (resource.not_found)"),
    501: notSupported,
  },
};

/** `/v1/accounts/{id}/pages` (contract §4): choose where a multi-page account posts. */
export function accountPageRoutes(fastify: FastifyInstance, client: PostflowClient): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const pages = (userId: string) => client.forUser(userId).accounts;

  app.get('/v1/accounts/:id/pages', { ...scope('accounts:read'), schema: list }, async (request) =>
    pages(request.userId).pages(request.params.id),
  );

  app.patch(
    '/v1/accounts/:id/pages/:pageId',
    { ...scope('accounts:manage'), schema: choose },
    async (request) =>
      pages(request.userId).choosePage(request.params.id, request.params.pageId, request.body),
  );
}
