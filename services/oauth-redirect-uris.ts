import type { z } from 'zod';
import { ApiError, validationError } from '../api/errors';
import {
  addRedirectUriSchema,
  type redirectUriListSchema,
  type redirectUriResourceSchema,
} from '../api/oauth-schemas';
import { zodIssues } from '../api/zod-issues';
import type { RedirectUri, Store } from '../store/types';

type Resource = z.infer<typeof redirectUriResourceSchema>;

/** How many redirect URIs one user may register: enough for every app and environment. */
export const MAX_REDIRECT_URIS = 50;

/** Hosts a native or local app listens on: plain http is allowed there (RFC 8252 §7.3). */
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/**
 * `/v1/oauth/redirect-uris`: where connect may send a user's people back after consent, besides
 * the operator's POSTFLOW_OAUTH_REDIRECT_URIS. Matched exactly, as OAuth servers match theirs
 * (RFC 6749 §3.1.2), so a registered URI cannot be stretched to another path or host.
 */
export class RedirectUriService {
  constructor(
    private readonly store: Store,
    /** The operator's list (POSTFLOW_OAUTH_REDIRECT_URIS), valid for every user. */
    private readonly operatorUris: readonly string[],
  ) {}

  async list(userId: string): Promise<z.infer<typeof redirectUriListSchema>> {
    const data = (await this.store.redirectUris.list(userId)).map(toResource);
    return { count: data.length, data };
  }

  /** Registers a URI; `created` is false when the user had it already (the same entry). */
  async add(userId: string, body: unknown): Promise<{ resource: Resource; created: boolean }> {
    const parsed = addRedirectUriSchema.safeParse(body ?? {});
    if (!parsed.success) throw validationError(zodIssues(parsed.error));
    const uri = parsed.data.redirect_uri;
    const problem = redirectUriProblem(uri);
    if (problem) {
      throw validationError([{ field: 'redirect_uri', code: 'validation.field_invalid', message: problem }]);
    }
    if (!(await this.store.redirectUris.has(userId, uri))) {
      const count = (await this.store.redirectUris.list(userId)).length;
      if (count >= MAX_REDIRECT_URIS) {
        throw validationError([
          {
            field: 'redirect_uri',
            code: 'validation.field_invalid',
            message: `you have ${MAX_REDIRECT_URIS} redirect URIs already, the most one user may register; delete one you no longer use (DELETE /v1/oauth/redirect-uris/{id}).`,
          },
        ]);
      }
    }
    const { entry, created } = await this.store.redirectUris.add(userId, uri);
    return { resource: toResource(entry), created };
  }

  async remove(userId: string, id: string): Promise<void> {
    if (!(await this.store.redirectUris.remove(id, userId))) {
      throw new ApiError(
        404,
        'resource.not_found',
        `No redirect URI with id ${id}; list yours with GET /v1/oauth/redirect-uris.`,
        { resource: 'redirect_uri', id },
      );
    }
  }

  /** Whether connect may send this user's people to `uri`: the operator's list or the user's own. */
  async allowed(userId: string, uri: string): Promise<boolean> {
    return this.operatorUris.includes(uri) || this.store.redirectUris.has(userId, uri);
  }
}

/** Why `uri` cannot be a redirect URI, or undefined when it can. */
export function redirectUriProblem(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `"${uri}" is not an absolute URL; give one like https://app.example/oauth/done.`;
  }
  if (uri.includes('#')) return 'a redirect URI has no fragment (#…) (RFC 6749 §3.1.2); leave it out.';
  if (url.username || url.password) return 'a redirect URI carries no user name or password; leave them out.';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.includes(url.hostname)) return undefined;
  if (url.protocol === 'http:')
    return 'use https; plain http is allowed only on the loopback (localhost, 127.0.0.1, [::1]) for apps on the same machine.';
  return `the scheme "${url.protocol}" cannot be a redirect URI; use https (or http on localhost).`;
}

const toResource = (entry: RedirectUri): Resource => ({
  id: entry.id,
  redirect_uri: entry.uri,
  created_at: entry.createdAt,
});
