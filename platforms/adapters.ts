import type { Store } from '../store/types';
import type { AdapterOptions, PlatformAdapter } from './kit/adapter';
import { createBlueskyAdapter } from './bluesky/adapter';
import { createDevtoAdapter } from './devto/adapter';
import { createDiscordAdapter } from './discord/adapter';
import { createGhostAdapter } from './ghost/adapter';
import { createGoogleAdapter } from './google/business/adapter';
import { createYoutubeAdapter } from './google/youtube/adapter';
import { createHashnodeAdapter } from './hashnode/adapter';
import { createLemmyAdapter } from './lemmy/adapter';
import { createLinkedInAdapter, createLinkedInPageAdapter } from './linkedin/adapter';
import { createMastodonAdapter } from './mastodon/adapter';
import { createMatrixAdapter } from './matrix/adapter';
import { createFarcasterAdapter } from './farcaster/adapter';
import { createFacebookAdapter } from './meta/facebook/adapter';
import { createInstagramAdapter } from './meta/instagram/adapter';
import { createInstagramBusinessAdapter } from './meta/instagram_business/adapter';
import { createThreadsAdapter } from './meta/threads/adapter';
import { createNostrAdapter } from './nostr/adapter';
import { createPinterestAdapter } from './pinterest/adapter';
import { createRedditAdapter } from './reddit/adapter';
import { createSandboxAdapter } from './sandbox/adapter';
import { createSlackAdapter } from './slack/adapter';
import { createTelegramAdapter } from './telegram/adapter';
import { createTikTokAdapter } from './tiktok/adapter';
import { createTumblrAdapter } from './tumblr/adapter';
import { createTwitterAdapter } from './twitter/adapter';
import { createWordpressAdapter } from './wordpress/adapter';
import { createVkAdapter } from './vk/adapter';

/** What the worker hands an adapter factory besides its options. */
export interface AdapterDeps {
  store: Store;
  /** Base URL where Postflow is reachable (permalinks of sandbox posts). */
  publicUrl: string;
}

/** Makes a platform's adapter from its options (base URL from its descriptor, timeout, env). */
export type AdapterFactory = (options: AdapterOptions, deps: AdapterDeps) => PlatformAdapter;

/**
 * Every platform's adapter factory, by slug: the worker side's one list (the API side reads
 * `platforms/descriptors.ts`, never this). `activities/platforms/registry.ts` makes one adapter per
 * descriptor from it; a test holds the two lists to each other.
 */
export const ADAPTER_FACTORIES: Readonly<Record<string, AdapterFactory>> = {
  sandbox: (_options, deps) => createSandboxAdapter(deps.store, deps.publicUrl),
  bluesky: (options) => createBlueskyAdapter(options),
  devto: (options) => createDevtoAdapter(options),
  discord: (options) => createDiscordAdapter(options),
  facebook: (options) => createFacebookAdapter(options),
  ghost: (options) => createGhostAdapter(options),
  farcaster: (options) => createFarcasterAdapter(options),
  google: (options) => createGoogleAdapter(options),
  hashnode: (options) => createHashnodeAdapter(options),
  instagram: (options) => createInstagramAdapter(options),
  instagram_business: (options) => createInstagramBusinessAdapter(options),
  lemmy: (options) => createLemmyAdapter(options),
  linkedin: (options) => createLinkedInAdapter(options),
  linkedin_page: (options) => createLinkedInPageAdapter(options),
  mastodon: (options) => createMastodonAdapter(options),
  matrix: (options) => createMatrixAdapter(options),
  nostr: (options) => createNostrAdapter(options),
  pinterest: (options) => createPinterestAdapter(options),
  reddit: (options) => createRedditAdapter(options),
  slack: (options) => createSlackAdapter(options),
  telegram: (options) => createTelegramAdapter(options),
  threads: (options) => createThreadsAdapter(options),
  tiktok: (options) => createTikTokAdapter(options),
  tumblr: (options) => createTumblrAdapter(options),
  twitter: (options) => createTwitterAdapter(options),
  wordpress: (options) => createWordpressAdapter(options),
  vk: (options) => createVkAdapter(options),
  youtube: (options) => createYoutubeAdapter(options),
};
