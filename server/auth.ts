import type { FastifyRequest } from 'fastify';
import { ApiError } from '../api/errors';
import type { ApiKeyOwner, ApiScope, Store } from '../store/types';

declare module 'fastify' {
  interface FastifyRequest {
    /** The user the request's API key belongs to. */
    userId: string;
    /** The request's API key: its id and scopes (never the key). */
    apiKey: ApiKeyOwner;
  }
  interface FastifyContextConfig {
    /** The scope a key needs for this route. */
    scope?: ApiScope;
  }
}

/** Route options requiring a scope: `app.get(path, scope('posts:read'), handler)`. */
export const scope = (needed: ApiScope) => ({ config: { scope: needed } });

/**
 * Bearer API keys. The store keeps only their SHA-256, so a lookup by hash is also a
 * constant-time comparison of the key itself.
 */
export function bearerAuth(store: Store) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
    if (!match) {
      throw new ApiError(401, 'auth.unauthorized', 'Send your API key as "Authorization: Bearer <key>".');
    }
    const owner = await store.findApiKey(match[1]);
    if (!owner) throw new ApiError(401, 'auth.invalid_key', 'The API key is not valid (unknown or revoked).');
    const needed = request.routeOptions.config.scope;
    if (needed && !owner.scopes.includes(needed)) {
      throw new ApiError(403, 'auth.insufficient_scope', `This API key lacks the "${needed}" scope.`, {
        required_scope: needed,
      });
    }
    request.userId = owner.userId;
    request.apiKey = owner;
  };
}
