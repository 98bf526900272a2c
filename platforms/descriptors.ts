import type { PlatformDescriptor } from './descriptor';
import { blueskyDescriptor } from './bluesky/descriptor';
import { devtoDescriptor } from './devto/descriptor';
import { discordDescriptor } from './discord/descriptor';
import { ghostDescriptor } from './ghost/descriptor';
import { googleDescriptor } from './google/business/descriptor';
import { youtubeDescriptor } from './google/youtube/descriptor';
import { hashnodeDescriptor } from './hashnode/descriptor';
import { lemmyDescriptor } from './lemmy/descriptor';
import { linkedinDescriptor, linkedinPageDescriptor } from './linkedin/descriptor';
import { mastodonDescriptor } from './mastodon/descriptor';
import { matrixDescriptor } from './matrix/descriptor';
import { farcasterDescriptor } from './farcaster/descriptor';
import { facebookDescriptor } from './meta/facebook/descriptor';
import { instagramDescriptor } from './meta/instagram/descriptor';
import { instagramBusinessDescriptor } from './meta/instagram_business/descriptor';
import { threadsDescriptor } from './meta/threads/descriptor';
import { nostrDescriptor } from './nostr/descriptor';
import { pinterestDescriptor } from './pinterest/descriptor';
import { redditDescriptor } from './reddit/descriptor';
import { sandboxDescriptor } from './sandbox/descriptor';
import { slackDescriptor } from './slack/descriptor';
import { telegramDescriptor } from './telegram/descriptor';
import { tiktokDescriptor } from './tiktok/descriptor';
import { tumblrDescriptor } from './tumblr/descriptor';
import { twitterDescriptor } from './twitter/descriptor';
import { wordpressDescriptor } from './wordpress/descriptor';
import { vkDescriptor } from './vk/descriptor';

export type { PlatformCapabilities, PlatformDescriptor, PrepareStep } from './descriptor';

/**
 * Every platform this build knows, the one place a platform is named: the rules lookup, the
 * prepare-step table, the platforms accounts may be created for and their credentials are all
 * derived from this list. Adding a platform: its folder, and one line here (its adapter factory
 * gets one line in `platforms/adapters.ts`). Pure data: the API process and the workflow sandbox
 * import it; no adapter code.
 */
export const PLATFORM_DESCRIPTORS: readonly PlatformDescriptor[] = [
  sandboxDescriptor,
  blueskyDescriptor,
  devtoDescriptor,
  discordDescriptor,
  facebookDescriptor,
  ghostDescriptor,
  farcasterDescriptor,
  googleDescriptor,
  hashnodeDescriptor,
  instagramDescriptor,
  instagramBusinessDescriptor,
  lemmyDescriptor,
  linkedinDescriptor,
  linkedinPageDescriptor,
  mastodonDescriptor,
  matrixDescriptor,
  nostrDescriptor,
  pinterestDescriptor,
  redditDescriptor,
  slackDescriptor,
  telegramDescriptor,
  threadsDescriptor,
  tiktokDescriptor,
  tumblrDescriptor,
  twitterDescriptor,
  wordpressDescriptor,
  vkDescriptor,
  youtubeDescriptor,
];

/**
 * One value per platform, by slug, from the descriptors. A null-prototype object: platform names
 * come from requests, and "constructor" or "toString" must not find Object.prototype's members.
 */
export function byPlatform<T>(
  value: (descriptor: PlatformDescriptor) => T | undefined,
): Readonly<Record<string, T>> {
  const table: Record<string, T> = Object.create(null);
  for (const descriptor of PLATFORM_DESCRIPTORS) {
    const v = value(descriptor);
    if (v !== undefined) table[descriptor.slug] = v;
  }
  return table;
}

/** Platforms this build can publish to (accounts may only be created for these). */
export const AVAILABLE_PLATFORMS: readonly string[] = PLATFORM_DESCRIPTORS.map((d) => d.slug);

/**
 * The credentials an account of each platform must carry (`POST /v1/accounts` refuses an account
 * without them); docs/platforms.md's platform table explains each.
 */
export const REQUIRED_CREDENTIALS: Readonly<Record<string, readonly string[]>> = byPlatform(
  (d) => d.credentials,
);
