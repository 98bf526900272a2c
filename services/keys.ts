import { ApiError } from '../api/errors';
import { generateApiKey } from '../store/api-keys';
import { API_SCOPES, type ApiKeyOwner, type ApiScope, type Store, USER_SCOPES } from '../store/types';

/** A key just made: the only time the key itself is shown. */
export interface NewApiKey {
  id: string;
  key: string;
  user_id: string;
  scopes: ApiScope[];
}

/** A key as listed: never the key itself. */
export interface ApiKeyListing {
  id: string;
  user_id: string;
  name: string;
  scopes: ApiScope[];
  created_at: string;
  revoked_at: string | null;
}

const SEND_BEARER = 'Send your API key as "Authorization: Bearer <key>".';

/**
 * API keys: who a key acts for and what it may do. Keys are minted where the store is (the CLI,
 * the first start), never over the API; the store keeps only their SHA-256, so a lookup by hash is
 * also a constant-time comparison of the key itself.
 */
export class KeyService {
  constructor(private readonly deps: { store: Store }) {}

  /**
   * The owner of a presented key that exists, is not revoked and has the `needed` scope; 401 or
   * 403 otherwise. `howToSend` is what a request with no key is told.
   */
  async authenticate(
    key: string | undefined,
    needed: ApiScope | undefined,
    howToSend = SEND_BEARER,
  ): Promise<ApiKeyOwner> {
    if (!key) throw new ApiError(401, 'auth.unauthorized', howToSend);
    const owner = await this.deps.store.findApiKey(key);
    if (!owner) throw new ApiError(401, 'auth.invalid_key', 'The API key is not valid (unknown or revoked).');
    if (needed && !owner.scopes.includes(needed)) {
      throw new ApiError(403, 'auth.insufficient_scope', `This API key lacks the "${needed}" scope.`, {
        required_scope: needed,
      });
    }
    return owner;
  }

  /**
   * Mints a key for a user, with `scopes` or else the user scopes (`payloads:decode` reads any
   * user's payloads, so only a key minted for it has it). 400 naming the scopes that do not exist.
   */
  async create(
    userId: string,
    { name, scopes }: { name: string; scopes?: readonly string[] },
  ): Promise<NewApiKey> {
    const granted = [...(scopes ?? USER_SCOPES)];
    const unknown = granted.filter((s) => !(API_SCOPES as readonly string[]).includes(s));
    if (unknown.length) {
      throw new ApiError(
        400,
        'validation.field_invalid',
        `Unknown scope(s) ${unknown.join(', ')}; use any of ${API_SCOPES.join(', ')}.`,
        { field: 'scopes' },
      );
    }
    const key = generateApiKey();
    const id = await this.deps.store.addApiKey(userId, key, name, granted as ApiScope[]);
    return { id, key, user_id: userId, scopes: granted as ApiScope[] };
  }

  /** Takes on a key made elsewhere (POSTFLOW_API_KEY) for a user, with the user scopes, unless it is known. */
  async adopt(userId: string, key: string, name: string): Promise<void> {
    if (!(await this.deps.store.findApiKey(key)))
      await this.deps.store.addApiKey(userId, key, name, USER_SCOPES);
  }

  /** Whether no key was ever made (the first start). */
  async none(): Promise<boolean> {
    return (await this.deps.store.countApiKeys()) === 0;
  }

  /** The keys of a user, or of everyone. */
  async list(userId?: string): Promise<ApiKeyListing[]> {
    return (await this.deps.store.listApiKeys(userId)).map((k) => ({
      id: k.keyId,
      user_id: k.userId,
      name: k.name,
      scopes: k.scopes,
      created_at: k.createdAt,
      revoked_at: k.revokedAt,
    }));
  }

  /** Revokes a key at once; false when there is no active key of that id. */
  revoke(keyId: string): Promise<boolean> {
    return this.deps.store.revokeApiKey(keyId);
  }
}
