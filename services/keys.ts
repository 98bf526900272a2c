import type { z } from 'zod';
import { ApiError } from '../api/errors';
import type { KeyResource, keyCreatedSchema, keyListSchema } from '../api/resources';
import type { createKeySchema } from '../api/user-schemas';
import { generateApiKey, hashApiKey } from '../store/api-keys';
import {
  API_SCOPES,
  type ApiKeyInfo,
  type ApiKeyOwner,
  type ApiScope,
  type Store,
  USER_SCOPES,
} from '../store/types';

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
 * How long a key found in the store is trusted without asking the store again (docs/api.md "API
 * keys"): every request presents its key, and this spares the store a read per request. It is the
 * bound on a revocation made by another process (the CLI, another API replica); one made through
 * this process (`DELETE /v1/keys/{id}`) takes effect at once.
 */
export const KEY_TRUST_MS = 5_000;
/** The most keys remembered at once: the oldest is forgotten first. */
const RECENT_KEYS_MAX = 10_000;

/** Keys found in the store lately, by their hash (never the key itself), until their time is up. */
class RecentKeys {
  private readonly entries = new Map<string, { owner: ApiKeyOwner; until: number }>();

  constructor(private readonly trustMs: number) {}

  get(hash: string): ApiKeyOwner | undefined {
    const entry = this.entries.get(hash);
    if (entry && entry.until > Date.now()) return entry.owner;
    if (entry) this.entries.delete(hash);
    return undefined;
  }

  remember(hash: string, owner: ApiKeyOwner): void {
    if (this.trustMs <= 0) return;
    if (this.entries.size >= RECENT_KEYS_MAX) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(hash, { owner, until: Date.now() + this.trustMs });
  }

  /** A key revoked here: no request may pass with it from now on. */
  forget(keyId: string): void {
    for (const [hash, entry] of this.entries) if (entry.owner.keyId === keyId) this.entries.delete(hash);
  }
}

/**
 * API keys: who a key acts for and what it may do. Keys are minted where the store is (the CLI,
 * the first start) and, by a key holding `keys:manage`, over the API (`/v1/keys`) with no scope
 * its minter lacks. The store keeps only their SHA-256, so a lookup by hash is also a
 * constant-time comparison of the key itself.
 */
export class KeyService {
  private readonly recent: RecentKeys;

  /** `trustMs`: how long a key found in the store is trusted (KEY_TRUST_MS; 0 asks the store every time). */
  constructor(private readonly deps: { store: Store; trustMs?: number }) {
    this.recent = new RecentKeys(deps.trustMs ?? KEY_TRUST_MS);
  }

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
    const hash = hashApiKey(key);
    let owner = this.recent.get(hash);
    if (!owner) {
      owner = await this.deps.store.findApiKey(key);
      // Only keys found are remembered: a key made meanwhile works at once.
      if (owner) this.recent.remember(hash, owner);
    }
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
    const granted = knownScopes(scopes ?? USER_SCOPES);
    const key = generateApiKey();
    const id = await this.deps.store.addApiKey(userId, key, name, granted as ApiScope[]);
    return { id, key, user_id: userId, scopes: granted };
  }

  /**
   * `POST /v1/keys`: a key for the caller's user, with the named scopes or else the user scopes
   * the calling key holds. A key never gives a scope it lacks (403 naming it), and
   * `payloads:decode`, which reads every user's payloads, is minted only with the CLI.
   */
  async mint(
    caller: ApiKeyOwner,
    body: z.infer<typeof createKeySchema>,
  ): Promise<z.infer<typeof keyCreatedSchema>> {
    const wanted = body.scopes
      ? knownScopes([...new Set(body.scopes)])
      : USER_SCOPES.filter((s) => caller.scopes.includes(s));
    if (!wanted.length) {
      throw new ApiError(
        400,
        'validation.field_required',
        'scopes: this key holds no user scope to give; name the scopes.',
        {
          field: 'scopes',
        },
      );
    }
    if (wanted.includes('payloads:decode')) {
      throw new ApiError(
        400,
        'validation.field_invalid',
        "scopes: payloads:decode reads every user's payloads and is minted only where the store is: postflow keys create --scopes payloads:decode.",
        { field: 'scopes' },
      );
    }
    const lacking = wanted.find((s) => !caller.scopes.includes(s));
    if (lacking) {
      throw new ApiError(
        403,
        'auth.insufficient_scope',
        `This API key lacks the "${lacking}" scope, so it cannot give it to a new key; leave it out, or mint with a key that holds it.`,
        { required_scope: lacking, field: 'scopes' },
      );
    }
    const created = await this.create(caller.userId, { name: body.name, scopes: wanted });
    const listed = (await this.deps.store.listApiKeys(caller.userId)).find((k) => k.keyId === created.id)!;
    return { ...keyResource(listed), raw_key: created.key };
  }

  /** `GET /v1/keys`: the user's keys, revoked ones included, never a key itself. */
  async listOf(userId: string): Promise<z.infer<typeof keyListSchema>> {
    const data = (await this.deps.store.listApiKeys(userId)).map(keyResource);
    return { count: data.length, data };
  }

  /** `DELETE /v1/keys/{id}`: revokes one of the user's active keys at once (the calling one too). */
  async revokeOf(userId: string, keyId: string): Promise<void> {
    if (!(await this.deps.store.revokeApiKey(keyId, userId))) {
      throw new ApiError(404, 'resource.not_found', `No active key ${keyId}; list yours with GET /v1/keys.`, {
        resource: 'key',
        id: keyId,
      });
    }
    this.recent.forget(keyId);
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
  async revoke(keyId: string): Promise<boolean> {
    const revoked = await this.deps.store.revokeApiKey(keyId);
    this.recent.forget(keyId);
    return revoked;
  }
}

/** The scopes, checked to exist: 400 naming those that do not. */
function knownScopes(scopes: readonly string[]): ApiScope[] {
  const unknown = scopes.filter((s) => !(API_SCOPES as readonly string[]).includes(s));
  if (unknown.length) {
    throw new ApiError(
      400,
      'validation.field_invalid',
      `Unknown scope(s) ${unknown.join(', ')}; use any of ${API_SCOPES.join(', ')}.`,
      { field: 'scopes' },
    );
  }
  return scopes as ApiScope[];
}

const keyResource = (k: ApiKeyInfo): KeyResource => ({
  id: k.keyId,
  name: k.name,
  scopes: k.scopes,
  created_at: k.createdAt,
  revoked_at: k.revokedAt,
});
