import type { PlatformRules } from './types';

/** twitter: rules from socialapi-contract §5, refined from the platform's documentation by its adapter. */
export const twitterRules: PlatformRules = {
  textMaxLength: 280,
  textCounting: 'weighted',
  media: { min: 0, max: 4 },
  requiredOptions: [],
};
