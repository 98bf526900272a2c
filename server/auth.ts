import type { FastifyRequest } from 'fastify';
import type { KeyService } from '../services/keys';
import type { ApiKeyOwner, ApiScope } from '../store/types';

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

/** The key of `Authorization: Bearer <key>`; undefined when the header is absent or malformed. */
export function bearerKey(request: FastifyRequest): string | undefined {
  return request.headers.authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
}

/** Bearer API keys: the key of `Authorization: Bearer <key>`, checked against the route's scope. */
export function bearerAuth(keys: KeyService) {
  return async (request: FastifyRequest): Promise<void> => {
    const owner = await keys.authenticate(bearerKey(request), request.routeOptions.config.scope);
    request.userId = owner.userId;
    request.apiKey = owner;
  };
}
