import type { PlatformRules } from './types';

/** pinterest: rules from socialapi-contract §5, refined from the platform's documentation by its adapter. */
export const pinterestRules: PlatformRules = {
  textMaxLength: 800,
  media: { min: 1, max: 1 },
  requiredOptions: [{ key: 'board_id' }],
};
