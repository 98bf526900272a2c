import type { PlatformRules } from './types';

/** linkedin_page: rules from socialapi-contract §5, refined from the platform's documentation by its adapter. */
export const linkedinPageRules: PlatformRules = {
  textMaxLength: 3000,
  media: { min: 0, max: 20 },
  requiredOptions: [],
};
