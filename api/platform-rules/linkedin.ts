import type { PlatformRules } from './types';

/** linkedin: rules from socialapi-contract §5, refined from the platform's documentation by its adapter. */
export const linkedinRules: PlatformRules = {
  textMaxLength: 3000,
  media: { min: 0, max: 20 },
  requiredOptions: [],
};
