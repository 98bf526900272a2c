import type { PlatformRules } from './types';

/** instagram: rules from socialapi-contract §5, refined from the platform's documentation by its adapter. */
export const instagramRules: PlatformRules = {
  textMaxLength: 2200,
  media: { min: 1, max: 10 },
  requiredOptions: [{ key: 'content_type', values: ['feed', 'reel', 'carousel', 'stories'] }],
};
