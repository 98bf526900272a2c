import type { PlatformRules } from './types';

/** bluesky: rules from socialapi-contract §5, refined from the platform's documentation by its adapter. */
export const blueskyRules: PlatformRules = {
  textMaxLength: 300,
  textCounting: 'graphemes',
  media: { min: 0, max: 4 },
  requiredOptions: [],
};
