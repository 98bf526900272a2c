import type { PlatformRules } from './types';

/** google: rules from socialapi-contract §5, refined from the platform's documentation by its adapter. */
export const googleRules: PlatformRules = {
  textMaxLength: 1500,
  media: { min: 0, max: 1, kinds: ['image'] },
  requiredOptions: [],
};
