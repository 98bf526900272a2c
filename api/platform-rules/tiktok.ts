import type { PlatformRules } from './types';

/** tiktok: rules from socialapi-contract §5, refined from the platform's documentation by its adapter. */
export const tiktokRules: PlatformRules = {
  textMaxLength: 2200,
  textCounting: 'utf16',
  media: { min: 1, max: 35 },
  requiredOptions: [
    {
      key: 'privacy_level',
      values: ['PUBLIC_TO_EVERYONE', 'MUTUAL_FOLLOW_FRIENDS', 'FOLLOWER_OF_CREATOR', 'SELF_ONLY'],
    },
  ],
};
