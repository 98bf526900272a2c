import type { Store } from '../../store/types';
import { ADAPTER_FACTORIES } from '../../platforms/adapters';
import { PLATFORM_DESCRIPTORS } from '../../platforms/descriptors';
import type { AdapterOptions, PlatformAdapter } from '../../platforms/kit/adapter';

/**
 * Platform slug → adapter: one per descriptor (`platforms/descriptors.ts`), made by its factory
 * (`platforms/adapters.ts`).
 */
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
  return new Map(
    PLATFORM_DESCRIPTORS.map(({ slug, apiBaseUrl: official = '' }) => {
      const factory = ADAPTER_FACTORIES[slug];
      if (!factory)
        throw new Error(
          `Platform "${slug}" has a descriptor but no adapter factory (platforms/adapters.ts).`,
        );
      return [slug, factory(options(slug, official), deps)];
    }),
  );
}

/**
 * A platform API's base URL: `POSTFLOW_<PLATFORM>_API_URL` when set (a proxy, a test double),
 * else the platform's own.
 */
export function apiBaseUrl(env: PlatformDeps['env'], platform: string, official: string): string {
  return (env?.[`POSTFLOW_${platform.toUpperCase()}_API_URL`] || official).replace(/\/$/, '');
}
