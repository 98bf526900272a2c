import type { PlatformRules } from './types';

/** facebook: rules from socialapi-contract §5, refined from the platform's documentation by its adapter. */
export const facebookRules: PlatformRules = {
  textMaxLength: 63_206,
  media: { min: 0, max: 10 },
  requiredOptions: [],
};
