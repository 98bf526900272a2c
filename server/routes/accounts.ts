import type { FastifyInstance } from 'fastify';
import { accountNotFound, validationError } from '../../api/errors';
import { scope } from '../auth';
import { createOnce } from '../idempotency';
import { ulid } from 'ulid';
import { createAccountSchema, reconnectAccountSchema, updateAccountSchema } from '../../api/schemas';
import { zodIssues } from '../../api/zod-issues';
import { AVAILABLE_PLATFORMS, REQUIRED_CREDENTIALS } from '../../platforms/descriptors';
import type { AccountResource } from '../../api/resources';
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

export function accountRoutes(app: FastifyInstance, store: Store, allowPrivateUrls: boolean): void {
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

  app.post('/v1/accounts', scope('accounts:manage'), async (request, reply) => {
    const parsed = createAccountSchema.safeParse(request.body ?? {});
    if (!parsed.success) throw validationError(zodIssues(parsed.error));
    const { platform, name, username, credentials } = parsed.data;
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

  app.get('/v1/accounts', scope('accounts:read'), async (request) => {
    const data = (await store.listAccounts(request.userId)).map(accountResource);
    return { count: data.length, data };
  });

  app.get<{ Params: { id: string } }>('/v1/accounts/:id', scope('accounts:read'), async (request) => {
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

  app.patch<{ Params: { id: string } }>('/v1/accounts/:id', scope('accounts:manage'), async (request) => {
    const account = await owned(request.params.id, request.userId);
    const parsed = updateAccountSchema.safeParse(request.body ?? {});
    if (!parsed.success) throw validationError(zodIssues(parsed.error));
    const { credentials, ...profile } = parsed.data;
    if (credentials) await reconnect(account.id, credentials);
    return accountResource((await store.updateAccount(account.id, profile))!);
  });

  app.post<{ Params: { id: string } }>(
    '/v1/accounts/:id/reconnect',
    scope('accounts:manage'),
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
  app.delete<{ Params: { id: string } }>(
    '/v1/accounts/:id',
    scope('accounts:manage'),
    async (request, reply) => {
      await store.deleteAccount((await owned(request.params.id, request.userId)).id);
      return reply.status(204).send();
    },
  );
}
