import type { PlatformRules } from './types';

/** threads: rules from socialapi-contract §5, refined from the platform's documentation by its adapter. */
export const threadsRules: PlatformRules = {
  textMaxLength: 500,
  media: { min: 0, max: 20 },
  requiredOptions: [],
};
