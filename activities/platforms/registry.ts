import { PLATFORM_RULES } from '../../api/platform-rules';
import type { Store } from '../../store/types';
import type { AdapterOptions, PlatformAdapter } from './adapter';
import { ConcurrencyLimit } from './limiter';
import { createBlueskyAdapter } from './bluesky';
import { createFacebookAdapter } from './facebook';
import { createGoogleAdapter } from './google';
import { createInstagramAdapter } from './instagram';
import { createLinkedInAdapter, createLinkedInPageAdapter } from './linkedin';
import { createMastodonAdapter } from './mastodon';
import { createPinterestAdapter } from './pinterest';
import { createSandboxAdapter } from './sandbox';
import { createThreadsAdapter } from './threads';
import { createTikTokAdapter } from './tiktok';
import { createTwitterAdapter } from './twitter';
import { createYoutubeAdapter } from './youtube';

/** Platform slug → adapter. Adding a platform means adding its file and one line here. */
export type PlatformRegistry = ReadonlyMap<string, PlatformAdapter>;

export interface PlatformDeps {
  store: Store;
  /** Base URL where Postflow is reachable (permalinks of sandbox posts, media for URL-fetching platforms). */
  publicUrl: string;
  /** Where platform settings come from (API base URLs, OAuth clients). @default process.env */
  env?: Record<string, string | undefined>;
  /**
   * Let servers an account names (Mastodon, Bluesky) be plain http or private addresses
   * (POSTFLOW_ALLOW_PRIVATE_URLS: development, tests). @default false
   */
  allowPrivateUrls?: boolean;
}

/** Calls one worker makes to one platform at once, unless its rules say otherwise. */
const DEFAULT_CONCURRENCY = 4;

export function createPlatformRegistry(deps: PlatformDeps): PlatformRegistry {
  const env = deps.env ?? process.env;
  const timeout = Number(env.POSTFLOW_PLATFORM_TIMEOUT_MS);
  const outbound = { allowPrivate: deps.allowPrivateUrls ?? false };
  /**
   * Each adapter's options: its API base URL (official unless overridden), timeout, environment,
   * and the SSRF guard for servers an account names.
   */
  const options = (platform: string, official: string): AdapterOptions => ({
    baseUrl: apiBaseUrl(env, platform, official),
    ...(Number.isInteger(timeout) && timeout > 0 ? { timeoutMs: timeout } : {}),
    env,
    outbound,
  });
  const adapters = [
    createSandboxAdapter(deps.store, deps.publicUrl),
    createBlueskyAdapter(options('bluesky', 'https://bsky.social')),
    createFacebookAdapter(options('facebook', 'https://graph.facebook.com')),
    createGoogleAdapter(options('google', 'https://mybusiness.googleapis.com')),
    createInstagramAdapter(options('instagram', 'https://graph.instagram.com')),
    createLinkedInAdapter(options('linkedin', 'https://api.linkedin.com')),
    createLinkedInPageAdapter(options('linkedin_page', 'https://api.linkedin.com')),
    createMastodonAdapter(options('mastodon', '')),
    createPinterestAdapter(options('pinterest', 'https://api.pinterest.com')),
    createThreadsAdapter(options('threads', 'https://graph.threads.net')),
    createTikTokAdapter(options('tiktok', 'https://open.tiktokapis.com')),
    createTwitterAdapter(options('twitter', 'https://api.x.com')),
    createYoutubeAdapter(options('youtube', 'https://www.googleapis.com')),
  ];
  return new Map(adapters.map((a) => [a.platform, a]));
}

/**
 * A platform API's base URL: `POSTFLOW_<PLATFORM>_API_URL` when set (a proxy, a test double),
 * else the platform's own.
 */
export function apiBaseUrl(env: PlatformDeps['env'], platform: string, official: string): string {
  return (env?.[`POSTFLOW_${platform.toUpperCase()}_API_URL`] || official).replace(/\/$/, '');
}

/**
 * One concurrency limit per platform, from `POSTFLOW_<PLATFORM>_CONCURRENCY` or the platform's
 * rules: every call of a delivery (prepare, publish, checks) takes a slot.
 */
export function concurrencyLimits(
  env: PlatformDeps['env'] = process.env,
): (platform: string) => ConcurrencyLimit {
  const limits = new Map<string, ConcurrencyLimit>();
  return (platform) => {
    let limit = limits.get(platform);
    if (!limit) {
      const configured = Number(env[`POSTFLOW_${platform.toUpperCase()}_CONCURRENCY`]);
      const max =
        Number.isInteger(configured) && configured > 0
          ? configured
          : (PLATFORM_RULES[platform]?.maxConcurrentCalls ?? DEFAULT_CONCURRENCY);
      limit = new ConcurrencyLimit(max);
      limits.set(platform, limit);
    }
    return limit;
  };
}

/** Platforms this build can publish to (accounts may only be created for these). */
export const AVAILABLE_PLATFORMS = [
  'sandbox',
  'bluesky',
  'facebook',
  'google',
  'instagram',
  'linkedin',
  'linkedin_page',
  'mastodon',
  'pinterest',
  'threads',
  'tiktok',
  'twitter',
  'youtube',
] as const;

/**
 * The credentials an account of each platform must carry (`POST /v1/accounts` refuses an account
 * without them); the platforms table in docs/platforms.md explains each.
 */
export const REQUIRED_CREDENTIALS: Readonly<Record<string, readonly string[]>> = {
  sandbox: [],
  bluesky: ['identifier', 'app_password'],
  facebook: ['page_id', 'access_token'],
  google: ['access_token', 'location_name'],
  instagram: ['access_token', 'user_id'],
  linkedin: ['access_token'],
  linkedin_page: ['access_token'],
  mastodon: ['instance_url', 'access_token'],
  pinterest: ['access_token'],
  threads: ['access_token'],
  tiktok: ['access_token', 'refresh_token'],
  twitter: ['access_token'],
  youtube: ['access_token'],
};
