/**
 * Postflow's own state outside Temporal: accounts (with encrypted credentials), API keys (hashed)
 * and the sandbox platform's published items. Async so a networked database can implement it.
 */

export type AccountStatus = 'active' | 'reconnect_required';

export interface Account {
  id: string;
  userId: string;
  platform: string;
  name: string;
  username: string | null;
  status: AccountStatus;
  reconnectReason: string | null;
  createdAt: string;
}

export interface NewAccount {
  userId: string;
  platform: string;
  name: string;
  username?: string;
  credentials?: Record<string, string>;
}

export interface ApiKeyOwner {
  keyId: string;
  userId: string;
}

/** One post made on the sandbox platform. */
export interface SandboxItem {
  platformPostId: string;
  accountId: string;
  /** `<post id>/<account id>`: lets reconcile find the post after an unknown outcome. */
  ref: string;
  text: string;
  title: string | null;
  mediaIds: string[];
  options: Record<string, unknown>;
  publishedAt: string;
}

export interface Store {
  createAccount(input: NewAccount): Promise<Account>;
  /** An account, optionally only if it belongs to `userId`. */
  getAccount(id: string, userId?: string): Promise<Account | undefined>;
  listAccounts(userId: string): Promise<Account[]>;
  /** Decrypted credentials; only activities call this, when they run. */
  accountCredentials(id: string): Promise<Record<string, string>>;
  updateAccountCredentials(id: string, credentials: Record<string, string>): Promise<void>;
  setAccountStatus(id: string, status: AccountStatus, reason?: string): Promise<void>;

  /** Stores a key (hashed) for a user and returns its id. */
  addApiKey(userId: string, rawKey: string, name: string): Promise<string>;
  findApiKey(rawKey: string): Promise<ApiKeyOwner | undefined>;
  countApiKeys(): Promise<number>;

  sandbox: {
    record(item: SandboxItem): Promise<void>;
    list(accountId: string): Promise<SandboxItem[]>;
    findByRef(accountId: string, ref: string): Promise<SandboxItem | undefined>;
    get(platformPostId: string): Promise<SandboxItem | undefined>;
    /** Counts publish calls per ref (1 on the first), durably, so injected failures survive restarts. */
    nextAttempt(ref: string): Promise<number>;
  };

  close(): Promise<void>;
}
