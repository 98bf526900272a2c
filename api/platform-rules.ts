import type { Issue } from './errors';
import type { PostContent } from './types';
import { checkSandboxOptions } from './sandbox-options';

/**
 * Per-platform publishing rules, as data. `POST /v1/posts` checks every target against its
 * platform's rules, so a post that cannot go out fails at creation, not at its schedule.
 */
export interface PlatformRules {
  /** Maximum text length, counted in Unicode code points. */
  textMaxLength: number;
  titleRequired?: boolean;
  titleMaxLength?: number;
  media: { min: number; max: number };
  /** Options a post must carry for this platform (e.g. Instagram `content_type`). */
  requiredOptions: ReadonlyArray<{ key: string; values?: readonly string[] }>;
  /** Extra checks on the platform's options; returns problems with paths relative to the options. */
  checkOptions?: (options: Record<string, unknown>) => Issue[];
}

/** Rules from socialapi-contract §5; platform adapters refine them as they land. */
export const PLATFORM_RULES: Readonly<Record<string, PlatformRules>> = {
  sandbox: {
    textMaxLength: 10_000,
    media: { min: 0, max: 20 },
    requiredOptions: [],
    checkOptions: checkSandboxOptions,
  },
  instagram: {
    textMaxLength: 2200,
    media: { min: 1, max: 10 },
    requiredOptions: [{ key: 'content_type', values: ['feed', 'reel', 'carousel', 'stories'] }],
  },
  facebook: { textMaxLength: 63_206, media: { min: 0, max: 10 }, requiredOptions: [] },
  threads: { textMaxLength: 500, media: { min: 0, max: 20 }, requiredOptions: [] },
  linkedin: { textMaxLength: 3000, media: { min: 0, max: 20 }, requiredOptions: [] },
  linkedin_page: { textMaxLength: 3000, media: { min: 0, max: 20 }, requiredOptions: [] },
  tiktok: {
    textMaxLength: 2200,
    media: { min: 1, max: 35 },
    requiredOptions: [
      {
        key: 'privacy_level',
        values: ['PUBLIC_TO_EVERYONE', 'MUTUAL_FOLLOW_FRIENDS', 'FOLLOWER_OF_CREATOR', 'SELF_ONLY'],
      },
    ],
  },
  youtube: {
    textMaxLength: 5000,
    titleRequired: true,
    titleMaxLength: 100,
    media: { min: 1, max: 1 },
    requiredOptions: [],
  },
  twitter: { textMaxLength: 280, media: { min: 0, max: 4 }, requiredOptions: [] },
  google: { textMaxLength: 1500, media: { min: 0, max: 1 }, requiredOptions: [] },
  pinterest: { textMaxLength: 800, media: { min: 1, max: 1 }, requiredOptions: [{ key: 'board_id' }] },
  bluesky: { textMaxLength: 300, media: { min: 0, max: 4 }, requiredOptions: [] },
  mastodon: { textMaxLength: 500, media: { min: 0, max: 4 }, requiredOptions: [] },
};

/**
 * Checks one target's content and options against its platform's rules.
 * `optionsField` is where the target's options sit in the request (`platform_options.instagram`,
 * `targets[2].platform_data`), used to locate problems with them.
 */
export function checkPlatformRules(
  platform: string,
  content: PostContent,
  options: Record<string, unknown>,
  optionsField: string,
): Issue[] {
  const rules = PLATFORM_RULES[platform];
  if (!rules) return [];
  const issues: Issue[] = [];
  const problem = (path: string, code: string, message: string) =>
    issues.push({ field: path, code, message, platform });

  const length = [...content.text].length;
  if (length > rules.textMaxLength) {
    problem(
      'text',
      'validation.field_invalid',
      `is ${length} characters; ${platform} allows at most ${rules.textMaxLength}.`,
    );
  }
  if (rules.titleRequired && !content.title) {
    problem('title', 'validation.field_required', `${platform} requires a title; set "title".`);
  }
  if (rules.titleMaxLength && content.title && [...content.title].length > rules.titleMaxLength) {
    problem(
      'title',
      'validation.field_invalid',
      `${platform} allows at most ${rules.titleMaxLength} characters.`,
    );
  }
  const media = content.media.length;
  if (media < rules.media.min || media > rules.media.max) {
    const range =
      rules.media.min === rules.media.max
        ? `exactly ${rules.media.min}`
        : `${rules.media.min} to ${rules.media.max}`;
    problem(
      'media_ids',
      'validation.field_invalid',
      `${platform} takes ${range} media items; this post has ${media}.`,
    );
  }
  for (const { key, values } of rules.requiredOptions) {
    const value = options[key];
    if (value === undefined || value === null || value === '') {
      problem(
        `${optionsField}.${key}`,
        'validation.field_required',
        `${platform} requires "${key}"${values ? ` (one of ${values.join(', ')})` : ''}.`,
      );
    } else if (values && !values.includes(String(value))) {
      problem(`${optionsField}.${key}`, 'validation.field_invalid', `must be one of ${values.join(', ')}.`);
    }
  }
  for (const issue of rules.checkOptions?.(options) ?? []) {
    issues.push({ ...issue, field: `${optionsField}.${issue.field}`, platform });
  }
  return issues;
}
