import type { FastifyInstance } from 'fastify';
import { accountNotFound, validationError } from '../../api/errors';
import { scope } from '../auth';
import { createOnce } from '../idempotency';
import { ulid } from 'ulid';
import { createAccountSchema, reconnectAccountSchema, updateAccountSchema } from '../../api/schemas';
import { zodIssues } from '../../api/zod-issues';
import { AVAILABLE_PLATFORMS, REQUIRED_CREDENTIALS } from '../../platforms/descriptors';
import { accountListSchema, accountResourceSchema, type AccountResource } from '../../api/resources';
import {
  answer,
  AUTH_ERRORS,
  failure,
  idempotencyKeyHeader,
  noContent,
  pathParams,
} from '../openapi/route-schemas';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Account, Store } from '../../store/types';
import { checkOutboundUrl } from '../../net/guard';

/** The account resource; credentials are write-only and never leave the store. */
export function accountResource(a: Account): AccountResource {
  return {
    id: a.id,
    platform: a.platform,
    name: a.name,
    username: a.username,
    status: a.status,
    reconnect_reason: a.reconnectReason,
    created_at: a.createdAt,
  };
}

/**
 * Credentials that name a server the worker will send the account's tokens to (self-hosted
 * platforms): they must be public https URLs, like webhook URLs.
 */
const SERVER_URL_CREDENTIALS = ['instance_url', 'service', 'video_service'];

const notFound = failure('No such account');
const params = pathParams('id');

export function accountRoutes(fastify: FastifyInstance, store: Store, allowPrivateUrls: boolean): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  /** Refuses credentials whose server URLs point into private networks (SSRF), naming each. */
  const checkServerUrls = async (credentials: Record<string, string> | undefined) => {
    const issues = [];
    for (const key of SERVER_URL_CREDENTIALS) {
      const url = credentials?.[key];
      const why = url === undefined ? undefined : await checkOutboundUrl(url, allowPrivateUrls);
      if (why) issues.push({ field: `credentials.${key}`, code: 'validation.field_invalid', message: why });
    }
    if (issues.length) throw validationError(issues);
  };

  /** The caller's account; another user's is as absent as a missing one. */
  const owned = async (id: string, userId: string) => {
    const account = await store.getAccount(id, userId);
    if (!account) throw accountNotFound(id);
    return account;
  };

  const create = {
    summary: 'Register an account with its credentials',
    body: createAccountSchema,
    parsedByHandler: { headers: idempotencyKeyHeader },
    response: {
      201: answer(accountResourceSchema, 'Created'),
      400: failure('Invalid body'),
      ...AUTH_ERRORS,
    },
  };
  app.post('/v1/accounts', { ...scope('accounts:manage'), schema: create }, async (request, reply) => {
    const { platform, name, username, credentials } = request.body;
    if (!(AVAILABLE_PLATFORMS as readonly string[]).includes(platform)) {
      throw validationError([
        {
          field: 'platform',
          code: 'validation.field_invalid',
          message: `"${platform}" is not available in this Postflow; use one of: ${AVAILABLE_PLATFORMS.join(', ')}.`,
        },
      ]);
    }
    const missing = (REQUIRED_CREDENTIALS[platform] ?? []).filter((key) => !credentials?.[key]);
    if (missing.length) {
      throw validationError(
        missing.map((key) => ({
          field: `credentials.${key}`,
          code: 'validation.field_required',
          message: `a ${platform} account needs "${key}" in its credentials (see docs/platforms.md, "The platforms").`,
        })),
      );
    }
    await checkServerUrls(credentials);
    const account = await createOnce(
      store,
      request,
      reply,
      'accounts',
      `acc_${ulid()}`,
      (id) => store.getAccount(id, request.userId),
      (id) =>
        store.createAccount({
          id,
          userId: request.userId,
          platform,
          name,
          ...(username ? { username } : {}),
          ...(credentials ? { credentials } : {}),
        }),
    );
    return reply.status(201).send(accountResource(account));
  });

  const list = {
    summary: 'List accounts',
    response: { 200: answer(accountListSchema, 'Accounts'), ...AUTH_ERRORS },
  };
  app.get('/v1/accounts', { ...scope('accounts:read'), schema: list }, async (request) => {
    const data = (await store.listAccounts(request.userId)).map(accountResource);
    return { count: data.length, data };
  });

  const get = {
    summary: 'Get an account',
    params,
    response: { 200: answer(accountResourceSchema, 'The account'), ...AUTH_ERRORS, 404: notFound },
  };
  app.get('/v1/accounts/:id', { ...scope('accounts:read'), schema: get }, async (request) => {
    return accountResource(await owned(request.params.id, request.userId));
  });

  /**
   * Fresh credentials reconnect the account: it is `active` again and publishes at once (posts
   * that failed with account.reconnection_required can be retried).
   */
  const reconnect = async (id: string, credentials: Record<string, string>) => {
    await checkServerUrls(credentials);
    await store.updateAccountCredentials(id, credentials);
    await store.setAccountStatus(id, 'active');
  };

  // The body is read once the account is found: an unknown account is a 404 whatever the body.
  const update = {
    summary: 'Rename an account, or reconnect it with fresh credentials',
    params,
    parsedByHandler: { body: updateAccountSchema },
    response: {
      200: answer(accountResourceSchema, 'Updated'),
      400: failure('Invalid body'),
      ...AUTH_ERRORS,
      404: notFound,
    },
  };
  app.patch('/v1/accounts/:id', { ...scope('accounts:manage'), schema: update }, async (request) => {
    const account = await owned(request.params.id, request.userId);
    const parsed = updateAccountSchema.safeParse(request.body ?? {});
    if (!parsed.success) throw validationError(zodIssues(parsed.error));
    const { credentials, ...profile } = parsed.data;
    if (credentials) await reconnect(account.id, credentials);
    return accountResource((await store.updateAccount(account.id, profile))!);
  });

  const reconnectSchema = {
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
  app.post(
    '/v1/accounts/:id/reconnect',
    { ...scope('accounts:manage'), schema: reconnectSchema },
    async (request) => {
      const account = await owned(request.params.id, request.userId);
      const parsed = reconnectAccountSchema.safeParse(request.body ?? {});
      if (!parsed.success) throw validationError(zodIssues(parsed.error));
      await reconnect(account.id, parsed.data.credentials);
      return accountResource((await store.getAccount(account.id))!);
    },
  );

  // Disconnect: the account and its credentials are deleted at once (204). Posts that still
  // target it fail that target with account.not_found when they run.
  const remove = {
    summary: 'Delete an account and its credentials',
    params,
    response: { 204: noContent('Deleted'), ...AUTH_ERRORS, 404: notFound },
  };
  app.delete('/v1/accounts/:id', { ...scope('accounts:manage'), schema: remove }, async (request, reply) => {
    await store.deleteAccount((await owned(request.params.id, request.userId)).id);
    return reply.status(204).send(undefined);
  });
}
