import type { PlatformRules } from './types';

/** youtube: rules from socialapi-contract §5, refined from the platform's documentation by its adapter. */
export const youtubeRules: PlatformRules = {
  textMaxLength: 5000,
  textCounting: 'bytes',
  titleRequired: true,
  titleMaxLength: 100,
  media: { min: 1, max: 1, kinds: ['video'] },
  requiredOptions: [],
};
