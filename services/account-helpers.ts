import {
  type AccountHelperAnswer,
  type AccountHelperJob,
  type AccountLimits,
  type Board,
  type CreateBoard,
  createBoardSchema,
  type CreatorInfo,
  type UpdateBoard,
  updateBoardSchema,
} from '../api/account-helpers';
import { accountNotFound, ApiError, validationError } from '../api/errors';
import { zodIssues } from '../api/zod-issues';
import type { AccountHelperCalls } from '../gateway';
import type { AccountHelperName } from '../platforms/descriptor';
import { PLATFORM_DESCRIPTORS } from '../platforms/descriptors';
import type { Account, Store } from '../store/types';

/** How long a helper's answer is served again without asking the platform. */
export const HELPER_CACHE_MS = 60_000;
/** TikTok's creator info, served again for as long as the contract caches it (§7: "cached 10 min"). */
export const CREATOR_INFO_CACHE_MS = 10 * 60_000;
/**
 * How long creating a post waits for a creator's settings: with no worker up the check is
 * skipped after this (publishing asks TikTok again), so creation never hangs on it.
 */
const POST_CHECK_TIMEOUT_MS = 8_000;

export interface AccountHelperDeps {
  store: Store;
  helpers: AccountHelperCalls;
  /** Every helper's but creator info's. @default HELPER_CACHE_MS */
  cacheMs?: number;
  /** @default CREATOR_INFO_CACHE_MS */
  creatorInfoCacheMs?: number;
  /** @default Date.now */
  now?: () => number;
}

/**
 * The account helpers (`/v1/accounts/{id}/boards`, `/creator-info`, `/limits`): the account's
 * platform asked through a worker (gateway/account-helpers.ts), each answer kept a minute per
 * account (creator info ten, as the contract has it) so that a form loading boards, or a burst of
 * TikTok posts checked against creator info, does not spend the platform's rate limit.
 */
export class AccountHelperService {
  private readonly cache = new Map<string, { at: number; answer: AccountHelperAnswer }>();

  constructor(private readonly deps: AccountHelperDeps) {}

  /** The Pinterest account's boards. */
  async boards(userId: string, id: string): Promise<{ data: Board[] }> {
    const account = await this.helperAccount(userId, id, 'boards', 'boards');
    return { data: (await this.cached(account, { kind: 'boards', accountId: id })) as Board[] };
  }

  /** Creates a board on the Pinterest account; the boards are read afresh next time. */
  async createBoard(userId: string, id: string, body: unknown): Promise<Board> {
    const account = await this.helperAccount(userId, id, 'boards', 'boards');
    const parsed = createBoardSchema.safeParse(body ?? {});
    if (!parsed.success) throw validationError(zodIssues(parsed.error));
    const board: CreateBoard = parsed.data;
    const made = (await this.deps.helpers.run(account.platform, {
      kind: 'create_board',
      accountId: id,
      board,
    })) as Board;
    this.cache.delete(key(id, 'boards'));
    return made;
  }

  /** One of the Pinterest account's boards (cached like the list). */
  async board(userId: string, id: string, boardId: string): Promise<Board> {
    const account = await this.helperAccount(userId, id, 'boards', 'boards');
    return (await this.cached(
      account,
      { kind: 'board', accountId: id, boardId },
      undefined,
      boardId,
    )) as Board;
  }

  /** Changes a board's name, description or privacy; the list and the board are read afresh next time. */
  async updateBoard(userId: string, id: string, boardId: string, body: unknown): Promise<Board> {
    const account = await this.helperAccount(userId, id, 'boards', 'boards');
    const parsed = updateBoardSchema.safeParse(body ?? {});
    if (!parsed.success) throw validationError(zodIssues(parsed.error));
    if (Object.keys(parsed.data).length === 0)
      throw validationError([
        {
          field: 'body',
          code: 'validation.field_required',
          message: 'Give at least one of name, description, privacy.',
        },
      ]);
    const changes: UpdateBoard = parsed.data;
    try {
      return (await this.deps.helpers.run(account.platform, {
        kind: 'update_board',
        accountId: id,
        boardId,
        changes,
      })) as Board;
    } finally {
      this.forgetBoard(id, boardId);
    }
  }

  /** Deletes a board on the Pinterest account (its Pins go with it). */
  async deleteBoard(userId: string, id: string, boardId: string): Promise<void> {
    const account = await this.helperAccount(userId, id, 'boards', 'boards');
    try {
      await this.deps.helpers.run(account.platform, { kind: 'delete_board', accountId: id, boardId });
    } finally {
      this.forgetBoard(id, boardId);
    }
  }

  /** The TikTok creator's posting settings. */
  async creatorInfo(userId: string, id: string, timeoutMs?: number): Promise<CreatorInfo> {
    const account = await this.helperAccount(userId, id, 'creator_info', 'creator-info');
    return (await this.cached(account, { kind: 'creator_info', accountId: id }, timeoutMs)) as CreatorInfo;
  }

  /**
   * The creator info of a TikTok account the caller owns, or undefined when it cannot be had now
   * (the platform or the worker unreachable, the token refused, the account to reconnect): post
   * checks then leave the decision to publishing, which asks again.
   */
  async creatorInfoIfReachable(userId: string, id: string): Promise<CreatorInfo | undefined> {
    try {
      return await this.creatorInfo(userId, id, POST_CHECK_TIMEOUT_MS);
    } catch (err) {
      // The platform's refusal (a token to refresh, a rate limit) is publishing's to handle.
      if (err instanceof ApiError) return undefined;
      throw err;
    }
  }

  /**
   * The account's remaining platform quota: asked of the platform where it has an endpoint
   * (Instagram); else what its latest answers reported (X's 24-hour post allowances, kept by
   * each post call); `{}` for a platform that reports none.
   */
  async limits(userId: string, id: string): Promise<AccountLimits> {
    const account = await this.activeAccount(userId, id);
    if (helpersOf(account.platform).includes('limits')) {
      return (await this.cached(account, { kind: 'limits', accountId: id })) as AccountLimits;
    }
    const observed = await this.deps.store.accountLimits.get(id);
    return observed ? afterResets(observed.limits, (this.deps.now ?? Date.now)()) : {};
  }

  private async cached(
    account: Account,
    job: AccountHelperJob,
    timeoutMs?: number,
    item?: string,
  ): Promise<AccountHelperAnswer> {
    const k = key(account.id, job.kind, item);
    const now = (this.deps.now ?? Date.now)();
    const hit = this.cache.get(k);
    if (hit && now - hit.at < this.cacheMs(job.kind)) return hit.answer;
    const answer = await this.deps.helpers.run(account.platform, job, timeoutMs);
    this.cache.set(k, { at: now, answer });
    return answer;
  }

  /** A board changed or deleted (or maybe, when the call failed): its account's list and it are read afresh. */
  private forgetBoard(accountId: string, boardId: string): void {
    this.cache.delete(key(accountId, 'boards'));
    this.cache.delete(key(accountId, 'board', boardId));
  }

  private cacheMs(kind: AccountHelperJob['kind']): number {
    if (kind === 'creator_info') return this.deps.creatorInfoCacheMs ?? CREATOR_INFO_CACHE_MS;
    return this.deps.cacheMs ?? HELPER_CACHE_MS;
  }

  /** The caller's active account of a platform that has `helper`; else the contract's error. */
  private async helperAccount(userId: string, id: string, helper: AccountHelperName, path: string) {
    const account = await this.activeAccount(userId, id);
    if (!helpersOf(account.platform).includes(helper)) {
      throw new ApiError(
        501,
        'resource.not_supported',
        `${account.platform} accounts have no /${path}; it is served for ${platformsWith(helper)} accounts.`,
        { platform: account.platform },
      );
    }
    return account;
  }

  private async activeAccount(userId: string, id: string): Promise<Account> {
    const account = await this.deps.store.getAccount(id, userId);
    if (!account) throw accountNotFound(id);
    if (account.status !== 'active') {
      throw new ApiError(
        403,
        'account.reconnection_required',
        `Account ${id} must be reconnected before its platform can be asked (POST /v1/accounts/connect).`,
        { id },
      );
    }
    return account;
  }
}

const key = (accountId: string, kind: string, item?: string) =>
  item === undefined ? `${accountId}:${kind}` : `${accountId}:${kind}:${item}`;

const helpersOf = (platform: string): readonly AccountHelperName[] =>
  PLATFORM_DESCRIPTORS.find((d) => d.slug === platform)?.accountHelpers ?? [];

const platformsWith = (helper: AccountHelperName) =>
  PLATFORM_DESCRIPTORS.filter((d) => d.accountHelpers?.includes(helper))
    .map((d) => d.slug)
    .join(', ');

/**
 * Allowances as they stand now: a window whose reset (`<name>_reset`, epoch seconds) has passed
 * is whole again (`<name>_remaining` back to `<name>_limit`), though no answer has said so yet.
 */
export function afterResets(limits: Record<string, number>, nowMs: number): AccountLimits {
  const now = { ...limits };
  for (const [key, reset] of Object.entries(limits)) {
    if (!key.endsWith('_reset')) continue;
    const name = key.slice(0, -'_reset'.length);
    const limit = limits[`${name}_limit`];
    if (limit !== undefined && reset * 1000 <= nowMs) now[`${name}_remaining`] = limit;
  }
  return now;
}
