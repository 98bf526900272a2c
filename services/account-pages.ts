import { accountNotFound, ApiError, validationError } from '../api/errors';
import { type AccountPage, chooseAccountPageSchema } from '../api/account-pages';
import { zodIssues } from '../api/zod-issues';
import { credentialsOnPage, grantedPages, type GrantedPage } from '../platforms/descriptor';
import { PLATFORM_DESCRIPTORS } from '../platforms/descriptors';
import type { AccountHelperCalls } from '../gateway';
import type { Account, Store } from '../store/types';
import { HELPER_CACHE_MS } from './account-helpers';

export interface AccountPagesDeps {
  store: Store;
  /** Re-reads the grant from the platform through a worker; without it the recorded list is served. */
  helpers?: AccountHelperCalls;
  /** How long a re-read list is served again without asking the platform. @default HELPER_CACHE_MS */
  cacheMs?: number;
  /** @default Date.now */
  now?: () => number;
}

/**
 * The pages of accounts whose one grant gives several (Facebook Pages, Instagram business
 * accounts, LinkedIn organizations, Google locations; descriptor `oauth.pages`): the connect
 * recorded them with their tokens in the account's credentials, and the account posts to the
 * default one. Listing reads the grant from the platform again (at most once a minute per
 * account), so pages granted or withdrawn since show, and Meta's Page tokens are renewed.
 * Choosing another page moves the account's posts there: its id (and its Page token) become the
 * credentials the adapter publishes with. Tokens never leave the store and the worker.
 */
export class AccountPagesService {
  private readonly readAt = new Map<string, number>();

  constructor(private readonly deps: AccountPagesDeps) {}

  /** `GET /v1/accounts/{id}/pages`. */
  async list(userId: string, accountId: string): Promise<{ count: number; data: AccountPage[] }> {
    const { account, activeKey, credentials: recorded } = await this.pagesOf(userId, accountId);
    const credentials = (await this.reread(account, recorded))
      ? await this.deps.store.accountCredentials(account.id)
      : recorded;
    const data = pagesIn(account, credentials).map((p) => shown(p, credentials[activeKey]));
    return { count: data.length, data };
  }

  /** `PATCH /v1/accounts/{id}/pages/{pageId}`: the account posts to this page from now on. */
  async choose(userId: string, accountId: string, pageId: string, body: unknown): Promise<AccountPage> {
    const { account, activeKey, credentials, noun } = await this.pagesOf(userId, accountId);
    const parsed = chooseAccountPageSchema.safeParse(body ?? {});
    if (!parsed.success) throw validationError(zodIssues(parsed.error));
    const page = pagesIn(account, credentials).find((p) => p.id === pageId);
    if (!page) {
      throw new ApiError(
        404,
        'resource.not_found',
        `${pageId} is not a ${noun} this account's grant includes; GET /v1/accounts/${accountId}/pages lists them (reconnect the account to grant another).`,
        { resource: 'page', id: pageId, field: 'pageId' },
      );
    }
    await this.deps.store.updateAccountCredentials(
      account.id,
      credentialsOnPage({ activeKey, noun }, credentials, page.id) ?? credentials,
    );
    // The account shows the page it posts to: its name, and its picture where the grant's pages
    // have them (Facebook, Instagram business; LinkedIn and Google show the person's).
    const pictured = pagesIn(account, credentials).some((p) => p.pictureUrl);
    await this.deps.store.updateAccount(account.id, {
      pageName: page.name,
      ...(pictured ? { profilePictureUrl: page.pictureUrl ?? null } : {}),
    });
    return shown(page, page.id);
  }

  /**
   * Reads the grant again when it was recorded by a consent (an account connected with credentials
   * has no grant to read) and not read in the last minute; a platform's refusal is the answer,
   * as for the other account helpers. True when the credentials changed.
   */
  private async reread(account: Account, credentials: Record<string, string>): Promise<boolean> {
    const { helpers, cacheMs = HELPER_CACHE_MS, now = Date.now } = this.deps;
    if (!helpers || account.status !== 'active' || !grantedPages(credentials).length) return false;
    const last = this.readAt.get(account.id);
    if (last !== undefined && now() - last < cacheMs) return false;
    await helpers.run(account.platform, { kind: 'pages', accountId: account.id });
    this.readAt.set(account.id, now());
    return true;
  }

  private async pagesOf(userId: string, accountId: string) {
    const { store } = this.deps;
    const account = await store.getAccount(accountId, userId);
    if (!account) throw accountNotFound(accountId);
    const pages = PLATFORM_DESCRIPTORS.find((d) => d.slug === account.platform)?.oauth?.pages;
    if (!pages) {
      throw new ApiError(
        501,
        'resource.not_supported',
        `${account.platform} accounts have no pages to choose from; pages are for ${WITH_PAGES.join(', ')} accounts.`,
        { resource: 'account', id: accountId },
      );
    }
    return { account, ...pages, credentials: await store.accountCredentials(account.id) };
  }
}

/** The platforms whose accounts have pages. */
const WITH_PAGES = PLATFORM_DESCRIPTORS.filter((d) => d.oauth?.pages).map((d) => d.slug);

/**
 * The grant's pages; an account connected with credentials (no grant recorded) has the one page
 * its credentials name.
 */
function pagesIn(account: Account, credentials: Record<string, string>): GrantedPage[] {
  const granted = grantedPages(credentials);
  if (granted.length) return granted;
  const activeKey = PLATFORM_DESCRIPTORS.find((d) => d.slug === account.platform)!.oauth!.pages!.activeKey;
  const id = credentials[activeKey];
  return id ? [{ id, name: account.name }] : [];
}

const shown = (page: GrantedPage, active: string | undefined): AccountPage => ({
  id: page.id,
  name: page.name,
  picture_url: page.pictureUrl ?? null,
  is_default: page.id === active,
});
