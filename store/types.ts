/**
 * Postflow's own state outside Temporal: accounts (with encrypted credentials), API keys (hashed),
 * webhooks, media and the sandbox platform's published items. Async: SQLite or PostgreSQL.
 */

import type { Issue } from '../api/errors';
import type { OAuthConnected } from '../api/oauth-connection';
import type { WeeklySlot } from '../api/queue-slots';
import type { RecurrenceRule } from '../api/recurring';
import type { PostSpec, StoredMetrics } from '../api/types';

export type AccountStatus = 'active' | 'reconnect_required';

export interface Account {
  id: string;
  userId: string;
  platform: string;
  name: string;
  username: string | null;
  status: AccountStatus;
  reconnectReason: string | null;
  /** The brand the account is grouped in, if any (always one of the same user's brands). */
  brandId: string | null;
  createdAt: string;
  /** What connect read of the account (null: not read, or the platform has none): AccountProfile. */
  profilePictureUrl: string | null;
  bio: string | null;
  loginId: string | null;
  pageName: string | null;
}

/**
 * The contract's account fields connect fills: the picture and bio as the platform shows them,
 * the platform user whose grant the account posts with (`login_id`), and for accounts of a
 * multi-asset grant the name of the page it posts to.
 */
export type AccountProfile = Partial<Pick<Account, 'profilePictureUrl' | 'bio' | 'loginId' | 'pageName'>>;

export interface NewAccount {
  /** Set when the id was reserved beforehand (idempotency); made up otherwise. */
  id?: string;
  userId: string;
  platform: string;
  name: string;
  username?: string;
  credentials?: Record<string, string>;
  brandId?: string;
  profile?: AccountProfile;
}

/** A redirect URI a user registered for connect (`/v1/oauth/redirect-uris`). */
export interface RedirectUri {
  id: string;
  userId: string;
  uri: string;
  createdAt: string;
}

/** A user's group of accounts (contract §4, "Brands group accounts"). */
export interface Brand {
  id: string;
  userId: string;
  name: string;
  /** Its accounts' posts need approval unless the post says otherwise (docs/api.md "Approval"). */
  requiresApproval: boolean;
  /** Its accounts' posts always need approval, by another API key than their author's. */
  approvalByOtherKey: boolean;
  createdAt: string;
}

/** What a brand's settings can change to (`PATCH /v1/brands/{id}`). */
export interface BrandPatch {
  name?: string;
  requiresApproval?: boolean;
  approvalByOtherKey?: boolean;
}

/** What deleting a brand did: only a brand no account belongs to is deleted. */
export type BrandRemoval = 'deleted' | 'in_use' | 'missing';

/** What an API key may do (contract §1, scoped keys). */
export const API_SCOPES = [
  'posts:read',
  'posts:write',
  // Approving or rejecting posts that need approval (POST /v1/posts/{id}/approve, /reject).
  'posts:approve',
  'media:read',
  'media:write',
  'accounts:read',
  'accounts:manage',
  'webhooks:manage',
  // The user's own profile (PATCH /v1/users/me).
  'users:manage',
  // Minting and revoking the user's keys over the API (/v1/keys): a key holding it can make keys
  // that outlive its own revocation, so it is never a default (docs/decisions.md "Keys over the API").
  'keys:manage',
  // Temporal's codec endpoint (/codec): decrypts any user's post payloads, so for operators only.
  'payloads:decode',
] as const;

export type ApiScope = (typeof API_SCOPES)[number];

/** Scopes a key has only when they are named as it is minted. */
const NAMED_ONLY: readonly ApiScope[] = [
  // Reads every user's payloads: for operators.
  'payloads:decode',
  // Mints keys: a leaked key holding it could mint a key that outlives its revocation.
  'keys:manage',
];

/**
 * What a key gets unless its scopes are named: everything a user does with their own resources,
 * but not the scopes minted only on purpose (`payloads:decode`, `keys:manage`). Existing keys keep
 * the scopes they were minted with: a scope added here reaches only keys minted afterwards.
 */
export const USER_SCOPES: readonly ApiScope[] = API_SCOPES.filter((s) => !NAMED_ONLY.includes(s));

export interface ApiKeyOwner {
  keyId: string;
  userId: string;
  scopes: ApiScope[];
}

/** An API key as listed: never the key itself, which only its creator saw once. */
export interface ApiKeyInfo extends ApiKeyOwner {
  name: string;
  createdAt: string;
  revokedAt: string | null;
}

/** A user: an id keys and resources name, and what the user set about themselves. */
export interface User {
  id: string;
  name: string | null;
  email: string | null;
  createdAt: string;
}

/** One post made on the sandbox platform. */
export interface SandboxItem {
  platformPostId: string;
  accountId: string;
  /** `<post id>/<account id>`: lets reconcile find the post after an unknown outcome. */
  ref: string;
  text: string;
  title: string | null;
  /** The media as the sandbox received it: what it was, and the bytes' type and size. */
  media: Array<{ sourceType: string; source: string; contentType: string; sizeBytes: number }>;
  options: Record<string, unknown>;
  publishedAt: string;
}

export interface WebhookEndpoint {
  id: string;
  userId: string;
  url: string;
  events: string[];
  isActive: boolean;
  /** Set for a post's own callback (`callback_url`): only that post's events go there. */
  postId: string | null;
  createdAt: string;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

/** One event sent (or being sent) to one endpoint, across its attempts. */
export interface WebhookDelivery {
  id: string;
  endpointId: string;
  event: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

export type MediaStatus = 'pending' | 'ready' | 'failed';

/** A file in a user's media library; its bytes live in the media storage under `storageKey`. */
export interface MediaItem {
  id: string;
  userId: string;
  filename: string;
  contentType: string;
  /** Known once the bytes are stored (upload) or verified (presigned flow). */
  sizeBytes: number | null;
  /** A video's length in seconds where its file says it (MP4/MOV), known with `sizeBytes`. */
  durationSec: number | null;
  status: MediaStatus;
  storageKey: string;
  createdAt: string;
}

/**
 * How long the store remembers a post's idempotency key by default (`POSTFLOW_IDEMPOTENCY_KEY_DAYS`):
 * as long as the longest retention Temporal Cloud offers, so a key outlives the run it made. Here,
 * below the client and the configuration, so both read the one value.
 */
export const DEFAULT_IDEMPOTENCY_KEY_DAYS = 90;

export interface Store {
  createAccount(input: NewAccount): Promise<Account>;
  /** An account, optionally only if it belongs to `userId`. */
  getAccount(id: string, userId?: string): Promise<Account | undefined>;
  /** A user's accounts by id; with `brandId`, only those in that brand. */
  listAccounts(userId: string, filter?: { brandId?: string }): Promise<Account[]>;
  /** Active accounts of every user on these platforms (the token-upkeep job), by id. */
  activeAccountsOn(platforms: readonly string[]): Promise<Account[]>;
  /** Decrypted credentials: activities, when they run; the pages helper, which never shows them. */
  accountCredentials(id: string): Promise<Record<string, string>>;
  updateAccountCredentials(id: string, credentials: Record<string, string>): Promise<void>;
  setAccountStatus(id: string, status: AccountStatus, reason?: string): Promise<void>;
  /** Renames an account or moves it to a brand (null: none); returns it as it is now. */
  updateAccount(
    id: string,
    patch: { name?: string; username?: string | null; brandId?: string | null } & AccountProfile,
  ): Promise<Account | undefined>;
  /** Deletes an account and its credentials; returns false when there was none. */
  deleteAccount(id: string): Promise<boolean>;

  /** Stores a key (hashed) for a user and returns its id; without `scopes`, the user scopes. */
  addApiKey(userId: string, rawKey: string, name: string, scopes?: readonly ApiScope[]): Promise<string>;
  /** The owner of a key that exists and is not revoked. */
  findApiKey(rawKey: string): Promise<ApiKeyOwner | undefined>;
  countApiKeys(): Promise<number>;
  listApiKeys(userId?: string): Promise<ApiKeyInfo[]>;
  /** Revokes a key at once, optionally only if it belongs to `userId`; false when there is no such active key. */
  revokeApiKey(keyId: string, userId?: string): Promise<boolean>;

  /**
   * Users: every user id a key was minted for has a row (made with its first key), holding what
   * the user may set about themselves.
   */
  users: {
    get(id: string): Promise<User | undefined>;
    /** Sets the given fields (null clears one); returns the user as it is now. */
    update(id: string, patch: Partial<Pick<User, 'name' | 'email'>>): Promise<User | undefined>;
  };

  /** How many accounts and webhook endpoints (as `GET /v1/webhooks` lists them) a user has. */
  counts(userId: string): Promise<{ accounts: number; webhooks: number }>;

  /**
   * Idempotency keys of creating requests: the first request with a key records the resource it
   * made; a repeat finds it. Post keys (scope `posts`) live for a set time, then are purged.
   */
  idempotency: {
    find(userId: string, scope: string, key: string): Promise<string | undefined>;
    /** Reserves the key for a resource id about to be created; returns the id that holds it (another request's if it won). */
    reserve(userId: string, scope: string, key: string, resourceId: string): Promise<string>;
    /** Releases a reservation whose creation failed, so a retry with the key can try again. */
    release(userId: string, scope: string, key: string): Promise<void>;
    /** Deletes a scope's keys recorded before `createdBefore`; returns how many. */
    purge(scope: string, createdBefore: Date): Promise<number>;
  };

  webhooks: {
    /** Stores an endpoint with its signing secret (encrypted at rest). */
    create(input: {
      id?: string;
      userId: string;
      url: string;
      events: string[];
      secret: string;
      postId?: string;
    }): Promise<WebhookEndpoint>;
    get(id: string, userId?: string): Promise<WebhookEndpoint | undefined>;
    list(userId: string): Promise<WebhookEndpoint[]>;
    update(
      id: string,
      patch: Partial<Pick<WebhookEndpoint, 'url' | 'events' | 'isActive'>>,
    ): Promise<WebhookEndpoint | undefined>;
    remove(id: string): Promise<boolean>;
    /** The decrypted signing secret; only the delivery activity calls this. */
    secret(id: string): Promise<string | undefined>;
    /** Active endpoints of a user subscribed to an event of a post (its own callback included); without a post, the endpoints for every post. */
    subscribers(userId: string, event: string, postId?: string): Promise<WebhookEndpoint[]>;
    /** Records an attempt (creating the delivery on the first one). */
    recordAttempt(
      delivery: { id: string; endpointId: string; event: string },
      outcome: { statusCode: number | null; error: string | null; succeeded: boolean },
    ): Promise<void>;
    finish(deliveryId: string, status: DeliveryStatus): Promise<void>;
    deliveries(endpointId: string, limit: number): Promise<WebhookDelivery[]>;
  };

  media: {
    /** A new item; `durationSec` is null unless given (a pending item's bytes are yet to come). */
    create(item: Omit<MediaItem, 'createdAt' | 'durationSec'> & { durationSec?: number }): Promise<MediaItem>;
    get(id: string, userId?: string): Promise<MediaItem | undefined>;
    /** A page of a user's media, newest first, after the cursor (a media id) when given. */
    list(userId: string, page: { after?: string; limit: number }): Promise<MediaItem[]>;
    /** The new status, and what became known of the bytes (kept as they were when not given). */
    setStatus(id: string, status: MediaStatus, sizeBytes?: number, durationSec?: number): Promise<void>;
    remove(id: string): Promise<boolean>;
    usage(userId: string): Promise<{ usedBytes: number; count: number }>;
  };

  /** Posting queues: weekly slots, and the posts holding upcoming ones (store/queue-store.ts). */
  queues: QueueStore;

  brands: {
    create(input: { id?: string; userId: string; name: string } & BrandPatch): Promise<Brand>;
    /** A brand, optionally only if it belongs to `userId`. */
    get(id: string, userId?: string): Promise<Brand | undefined>;
    list(userId: string): Promise<Brand[]>;
    update(id: string, patch: BrandPatch): Promise<Brand | undefined>;
    /** Deletes a brand unless an account belongs to it (the check and the delete are one statement). */
    remove(id: string): Promise<BrandRemoval>;
  };

  /** Redirect URIs users registered for connect (store/redirect-uri-store.ts). */
  redirectUris: {
    /** Registers `uri` for the user; the existing entry when it is registered already. */
    add(userId: string, uri: string): Promise<{ entry: RedirectUri; created: boolean }>;
    /** The user's URIs, oldest first. */
    list(userId: string): Promise<RedirectUri[]>;
    /** Whether the user registered exactly `uri`. */
    has(userId: string, uri: string): Promise<boolean>;
    /** Deletes one of the user's URIs; false when the user has no such entry. */
    remove(id: string, userId: string): Promise<boolean>;
  };

  /** Targets of published posts deleted from their platforms; the Post resource leaves them out. */
  unpublished: {
    record(postId: string, accountId: string): Promise<void>;
    accounts(postId: string): Promise<string[]>;
  };

  /**
   * Published targets' engagement (analytics): one row per target per scheduled pass, every pass
   * kept (the engagement curve), the latest shown on the Post resource.
   */
  metrics: {
    /** Stores one pass unless that pass (target, due time) is stored already; returns the stored one. */
    record(pass: StoredMetrics & { postId: string }): Promise<StoredMetrics>;
    /** The latest pass of each of the post's targets that has one. */
    latest(postId: string): Promise<StoredMetrics[]>;
    /** Every pass of the post's targets, oldest first. */
    history(postId: string): Promise<StoredMetrics[]>;
  };

  /**
   * Allowances a platform reports only in its answers (X's 24-hour post caps, in the headers of
   * each post call): the latest answer's per account, for `GET /v1/accounts/{id}/limits`.
   */
  /**
   * The platform sessions of long uploads (docs/platforms.md "Uploads that survive a crash"): a
   * session's URL is a capability, sealed at rest and never in workflow history; the key naming
   * it is opaque. The first session kept under a key stays: a second attempt racing the first
   * gets the first's.
   */
  uploadSessions: {
    /** Keeps `session` under `key` unless one is kept already; answers the one kept. */
    keep(key: string, upload: { accountId: string; platform: string; session: string }): Promise<string>;
    /** The session kept under `key`, if any. */
    get(key: string): Promise<string | undefined>;
    /** Forgets `key`'s session (it completed, or it is gone on the platform). */
    drop(key: string): Promise<void>;
    /** Replaces the session kept under `key` (TikTok's records the bytes acknowledged); none kept: nothing. */
    update(key: string, session: string): Promise<void>;
    /** Forgets sessions kept before `createdBefore` (the platforms' own expire within a week); returns how many. */
    purge(createdBefore: Date): Promise<number>;
  };

  /**
   * The token an OAuth connection's one-time code was redeemed for, from the token call until the
   * account is saved, then what was saved (docs/reliability.md "Connecting an account survives a
   * crash"): sealed at rest like an account's credentials, named by the connection's id, never by
   * anything secret. The first kept under an id stays: a second attempt racing the first gets the first's.
   */
  connectionTokens: {
    /** Keeps `credentials` under `connectionId` unless a row is kept already; answers the credentials kept. */
    keep(
      connectionId: string,
      grant: { platform: string; credentials: Record<string, string> },
    ): Promise<Record<string, string>>;
    /** What is kept under `connectionId`: the token, or (once settled) the account made with it. */
    get(connectionId: string): Promise<KeptConnection | undefined>;
    /** The account is saved: forgets the token and keeps `connected` (no secret) until purged. */
    settle(connectionId: string, connected: OAuthConnected): Promise<void>;
    /** Forgets `connectionId`'s row (the connection failed for good). */
    drop(connectionId: string): Promise<void>;
    /** Forgets rows kept before `createdBefore` (finished, or never finished); returns how many. */
    purge(createdBefore: Date): Promise<number>;
  };

  accountLimits: {
    /** Keeps what an answer read at `observedAt` said, unless a later answer's is kept already. */
    observe(accountId: string, limits: Record<string, number>, observedAt: string): Promise<void>;
    /** The latest kept, or undefined when no answer reported any. */
    get(accountId: string): Promise<{ limits: Record<string, number>; observedAt: string } | undefined>;
  };

  /**
   * Bulk imports (`POST /v1/posts/import`): each row's outcome, and the post spec of each valid row
   * until the import workflow has started its post (sealed at rest, like credentials).
   */
  imports: {
    /** Stores an import and its rows: the rows first, the import last, so a half-written one is never found. */
    create(input: NewPostImport): Promise<void>;
    /** The import with its rows in order; only if it belongs to `userId`. */
    get(id: string, userId: string): Promise<PostImport | undefined>;
    /** Up to `limit` rows after `afterRow` whose post is not started yet, with their specs, in order. */
    pending(id: string, afterRow: number, limit: number): Promise<Array<{ row: number; spec: PostSpec }>>;
    /** Records started rows' outcomes and drops their specs; repeating it changes nothing. */
    settle(
      id: string,
      outcomes: ReadonlyArray<{ row: number; outcome: 'created' | 'duplicate' }>,
    ): Promise<void>;
    /** Marks the import done. */
    finish(id: string): Promise<void>;
  };

  /**
   * Recurring posts (`/v1/recurring-posts`): the definition (its post body and occurrence spec
   * sealed at rest) and each occurrence's post. When it repeats lives in its Temporal Schedule.
   */
  recurring: {
    /** Stores a new definition (a repeat with the same id changes nothing). */
    create(input: RecurringDefinition): Promise<void>;
    /** A definition; only if it belongs to `userId` when given. */
    get(id: string, userId?: string): Promise<RecurringDefinition | undefined>;
    /** The user's definitions, oldest first. */
    list(userId: string): Promise<RecurringDefinition[]>;
    /** Replaces body, spec and rule. */
    update(input: RecurringDefinition): Promise<void>;
    /** Deletes the definition; its occurrences' records stay with their posts. False when absent. */
    remove(id: string): Promise<boolean>;
    /** Records an occurrence's post; repeating it changes nothing. */
    recordOccurrence(recurringId: string, occurrenceAt: string, postId: string): Promise<void>;
    /** Occurrences, newest first. */
    occurrences(recurringId: string, limit: number): Promise<Array<{ occurrenceAt: string; postId: string }>>;
    /** How many occurrences are recorded. */
    countOccurrences(recurringId: string): Promise<number>;
  };

  sandbox: {
    record(item: SandboxItem): Promise<void>;
    list(accountId: string): Promise<SandboxItem[]>;
    findByRef(accountId: string, ref: string): Promise<SandboxItem | undefined>;
    get(platformPostId: string): Promise<SandboxItem | undefined>;
    /** Removes a post, as a platform delete does; false when there was none. */
    remove(platformPostId: string): Promise<boolean>;
    /** Counts publish calls per ref (1 on the first), durably, so injected failures survive restarts. */
    nextAttempt(ref: string): Promise<number>;
  };

  close(): Promise<void>;
}

/** A recurring post as stored: `rule` says when (for the API), `spec` what each occurrence starts. */
export interface RecurringDefinition {
  id: string;
  userId: string;
  /** The post body as given (shown back by the API). */
  body: Record<string, unknown>;
  /** The normalised post every occurrence starts from (its id and time set per occurrence). */
  spec: PostSpec;
  rule: RecurrenceRule;
  createdAt: string;
  updatedAt: string;
}

/** What an import's row became in the store: see `ImportRowStatus` (a stored row is never `valid`). */
export type StoredImportOutcome = 'pending' | 'created' | 'duplicate' | 'failed';

export interface NewPostImport {
  id: string;
  userId: string;
  createdAt: string;
  rows: Array<{
    row: number;
    postId: string | null;
    outcome: 'pending' | 'duplicate' | 'failed';
    problems: Issue[];
    /** A pending row's post, to start. */
    spec?: PostSpec;
  }>;
}

export interface PostImport {
  id: string;
  userId: string;
  status: 'running' | 'done';
  createdAt: string;
  rows: Array<{ row: number; postId: string | null; outcome: StoredImportOutcome; problems: Issue[] }>;
}

/** A posting queue: weekly time slots in a time zone, for one account or for a brand's accounts. */
export interface Queue {
  id: string;
  userId: string;
  /** Exactly one of accountId and brandId is set. */
  accountId: string | null;
  brandId: string | null;
  timezone: string;
  slots: WeeklySlot[];
  createdAt: string;
  updatedAt: string;
}

export type NewQueue = Pick<Queue, 'userId' | 'accountId' | 'brandId' | 'timezone' | 'slots'> & {
  id?: string;
};

/** A post holding one slot of a queue: `slotAt` is the slot's instant (ISO 8601, UTC). */
export interface QueueReservation {
  postId: string;
  slotAt: string;
  createdAt: string;
}

/**
 * A queue's reservations, changed under the queue's lock: one transaction holds it, so changes to
 * one queue from any API process run one after another. The table's primary key (queue, slot)
 * refuses a second post in a slot whatever happens.
 */
export interface LockedQueueSlots {
  /** Reservations whose slot is at or after `from`, earliest first. */
  upcoming(from: string): Promise<QueueReservation[]>;
  /** The post's reservation in this queue, past or upcoming. */
  of(postId: string): Promise<QueueReservation | undefined>;
  /** Reserves `slotAt` for the post; false when the slot is taken or the post holds one already. */
  reserve(postId: string, slotAt: string): Promise<boolean>;
  /** Moves posts to other slots of this queue, all at once (a post may take a slot another leaves). */
  move(moves: ReadonlyArray<{ postId: string; slotAt: string }>): Promise<void>;
  release(postId: string): Promise<boolean>;
}

export interface QueueStore {
  /** Creates the queue; undefined when the account or brand has one already. */
  create(queue: NewQueue): Promise<Queue | undefined>;
  /** A queue, optionally only if it belongs to `userId`. */
  get(id: string, userId?: string): Promise<Queue | undefined>;
  list(userId: string): Promise<Queue[]>;
  ofAccount(accountId: string): Promise<Queue | undefined>;
  ofBrand(brandId: string): Promise<Queue | undefined>;
  update(id: string, patch: Partial<Pick<Queue, 'timezone' | 'slots'>>): Promise<Queue | undefined>;
  /** Deletes the queue and its reservations (the posts keep their instants). */
  remove(id: string): Promise<boolean>;
  /** The queue whose slot the post holds, if any. */
  holding(postId: string): Promise<string | undefined>;
  /** Reservations at or after `from`, earliest first, read without the lock. */
  upcoming(queueId: string, from: string): Promise<QueueReservation[]>;
  /** Runs `work` holding the queue's lock (see LockedQueueSlots); 404 `queue.not_found` when it is gone. */
  locked<T>(queueId: string, work: (slots: LockedQueueSlots) => Promise<T>): Promise<T>;
}

/** A connection's row (Store['connectionTokens']): its token until the account is saved, then the account. */
export type KeptConnection =
  | { credentials: Record<string, string>; connected?: undefined }
  | { connected: OAuthConnected; credentials?: undefined };
