import { accountNotFound, ApiError, validationError } from '../api/errors';
import { type AccountPage, chooseAccountPageSchema } from '../api/account-pages';
import { zodIssues } from '../api/zod-issues';
import { credentialsOnPage, grantedPages, type GrantedPage } from '../platforms/descriptor';
import { PLATFORM_DESCRIPTORS } from '../platforms/descriptors';
import type { Account, Store } from '../store/types';

/**
 * The pages of accounts whose one grant gives several (Facebook Pages, Instagram business
 * accounts, LinkedIn organizations; descriptor `oauth.pages`): the connect recorded them with
 * their tokens in the account's credentials, and the account posts to the default one.
 * Choosing another moves the account's posts there: its id (and its Page token) become the
 * credentials the adapter publishes with. Tokens never leave the store.
 */
export class AccountPagesService {
  constructor(private readonly deps: { store: Store }) {}

  /** `GET /v1/accounts/{id}/pages`. */
  async list(userId: string, accountId: string): Promise<{ count: number; data: AccountPage[] }> {
    const { account, activeKey, credentials } = await this.pagesOf(userId, accountId);
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
    return shown(page, page.id);
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
