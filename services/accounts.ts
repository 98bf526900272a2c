import { ulid } from 'ulid';
import type { z } from 'zod';
import { accountNotFound, type Issue, validationError } from '../api/errors';
import type { AccountResource, accountListSchema } from '../api/resources';
import { type CreateAccountBody, reconnectAccountSchema, updateAccountSchema } from '../api/schemas';
import { zodIssues } from '../api/zod-issues';
import { AVAILABLE_PLATFORMS, PLATFORM_DESCRIPTORS, REQUIRED_CREDENTIALS } from '../platforms/descriptors';
import type { Account, Store } from '../store/types';
import { brandIdParam, ownBrand } from './brands';
import { type Created, createOnce, type IdempotencyKeyHeader } from './idempotency';
import { outboundUrlIssue } from './outbound-url';

export interface AccountServiceDeps {
  store: Store;
  /** Let credentials name http and private servers (development, tests). */
  allowPrivateUrls: boolean;
}

/** The account resource; credentials are write-only and never leave the store. */
export function accountResource(a: Account): AccountResource {
  return {
    id: a.id,
    platform: a.platform,
    name: a.name,
    username: a.username,
    status: a.status,
    reconnect_reason: a.reconnectReason,
    brand_id: a.brandId,
    created_at: a.createdAt,
  };
}

/**
 * Credentials that name a server the worker will send the account's tokens to (self-hosted
 * platforms, Nostr's NIP-96 `media_server`, which gets the account's signed uploads): they must be
 * public https URLs, like webhook URLs.
 */
const SERVER_URL_CREDENTIALS = ['instance_url', 'service', 'video_service', 'media_server'];

/** The platform accounts of each user and their credentials (contract §2). */
export class AccountService {
  constructor(private readonly deps: AccountServiceDeps) {}

  /** Registers an account on an available platform, with the credentials that platform needs. */
  async create(
    userId: string,
    body: CreateAccountBody,
    idempotencyKey: IdempotencyKeyHeader,
  ): Promise<Created<AccountResource>> {
    const { store } = this.deps;
    const { platform, name, username, credentials, brand_id: brandId } = body;
    await this.checkNew(userId, body);
    const { resource, replayed } = await createOnce(
      store,
      userId,
      'accounts',
      idempotencyKey,
      `acc_${ulid()}`,
      (id) => store.getAccount(id, userId),
      (id) =>
        store.createAccount({
          id,
          userId,
          platform,
          name,
          ...(username ? { username } : {}),
          ...(credentials ? { credentials } : {}),
          ...(brandId ? { brandId } : {}),
        }),
    );
    return { resource: accountResource(resource), replayed };
  }

  /**
   * Everything `create` checks before it stores the account, without storing it: connect runs it
   * before it asks the platform about the credentials.
   */
  async checkNew(
    userId: string,
    {
      platform,
      credentials,
      brand_id: brandId,
    }: Pick<CreateAccountBody, 'platform' | 'credentials' | 'brand_id'>,
  ): Promise<void> {
    if (!AVAILABLE_PLATFORMS.includes(platform)) {
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
    checkCredentials(platform, credentials);
    await this.checkServerUrls(credentials);
    if (brandId) await ownBrand(this.deps.store, userId, brandId, 'brand_id');
  }

  /**
   * The user's accounts; with `brand_id` (one of the user's brands), only that brand's. An empty
   * `brand_id` is no filter, as an empty query parameter is everywhere; other parameters are ignored.
   */
  async list(
    userId: string,
    query: { brand_id?: string | string[] } = {},
  ): Promise<z.infer<typeof accountListSchema>> {
    const { store } = this.deps;
    const brandId = brandIdParam(query.brand_id);
    if (brandId) await ownBrand(store, userId, brandId, 'brand_id');
    const data = (await store.listAccounts(userId, brandId ? { brandId } : {})).map(accountResource);
    return { count: data.length, data };
  }

  async get(userId: string, id: string): Promise<AccountResource> {
    return accountResource(await this.owned(userId, id));
  }

  /**
   * Renames an account, moves it to one of the user's brands (or out of its brand, with null), or
   * reconnects it with fresh credentials. The body is read once the account is found: an unknown
   * account is a 404 whatever the body.
   */
  async update(userId: string, id: string, body: unknown): Promise<AccountResource> {
    const account = await this.owned(userId, id);
    const parsed = updateAccountSchema.safeParse(body ?? {});
    if (!parsed.success) throw validationError(zodIssues(parsed.error));
    const { credentials, brand_id: brandId, ...profile } = parsed.data;
    if (brandId) await ownBrand(this.deps.store, userId, brandId, 'brand_id');
    if (credentials) await this.reconnectWith(account, credentials);
    return accountResource((await this.deps.store.updateAccount(account.id, { ...profile, brandId }))!);
  }

  /** Reconnects an account (reconnect_required → active); the body is read once it is found. */
  async reconnect(userId: string, id: string, body: unknown): Promise<AccountResource> {
    const account = await this.owned(userId, id);
    const parsed = reconnectAccountSchema.safeParse(body ?? {});
    if (!parsed.success) throw validationError(zodIssues(parsed.error));
    await this.reconnectWith(account, parsed.data.credentials);
    return accountResource((await this.deps.store.getAccount(account.id))!);
  }

  /**
   * Disconnects: the account and its credentials are deleted at once. Posts that still target it
   * fail that target with account.not_found when they run.
   */
  async remove(userId: string, id: string): Promise<void> {
    await this.deps.store.deleteAccount((await this.owned(userId, id)).id);
  }

  /** The caller's account; another user's is as absent as a missing one. */
  private async owned(userId: string, id: string): Promise<Account> {
    const account = await this.deps.store.getAccount(id, userId);
    if (!account) throw accountNotFound(id);
    return account;
  }

  /**
   * Fresh credentials reconnect the account: it is `active` again and publishes at once (posts
   * that failed with account.reconnection_required can be retried).
   */
  private async reconnectWith(account: Account, credentials: Record<string, string>): Promise<void> {
    checkCredentials(account.platform, credentials);
    await this.checkServerUrls(credentials);
    await this.deps.store.updateAccountCredentials(account.id, credentials);
    await this.deps.store.setAccountStatus(account.id, 'active');
  }

  /** Refuses credentials whose server URLs point into private networks (SSRF), naming each. */
  private async checkServerUrls(credentials: Record<string, string> | undefined): Promise<void> {
    const issues: Issue[] = [];
    for (const key of SERVER_URL_CREDENTIALS) {
      const url = credentials?.[key];
      const issue =
        url === undefined
          ? undefined
          : await outboundUrlIssue(url, `credentials.${key}`, this.deps.allowPrivateUrls);
      if (issue) issues.push(issue);
    }
    if (issues.length) throw validationError(issues);
  }
}

/** Refuses credentials the platform's descriptor can tell are wrong (`checkCredentials`), naming each. */
function checkCredentials(platform: string, credentials: Record<string, string> | undefined): void {
  const descriptor = PLATFORM_DESCRIPTORS.find((d) => d.slug === platform);
  const issues = descriptor?.checkCredentials?.(credentials ?? {}) ?? [];
  if (issues.length) throw validationError(issues);
}
