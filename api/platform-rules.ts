import type { Issue } from './errors';
import { mediaLimitProblems } from './media-limits';
import type { PostContent } from './types';
import { byPlatform } from '../platforms/descriptors';
import { COUNTING_UNITS, textLength } from '../platforms/text-length';
import type { MediaInfo, PlatformRules, TextCounting } from '../platforms/descriptor';

export type { MediaInfo, PlatformRules, PostForRules, TextCounting } from '../platforms/descriptor';

/**
 * Every platform's rules, from its descriptor (`platforms/<slug>/descriptor.ts`), by slug. A
 * null-prototype object: platform names come from requests, and "constructor" or "toString" must
 * not find Object.prototype's members.
 */
export const PLATFORM_RULES: Readonly<Record<string, PlatformRules>> = byPlatform((d) => d.rules);

/**
 * Checks one target's content and options against its platform's rules; an option key the
 * platform does not declare (`optionKeys`) is refused, never ignored.
 * `optionsField` is where the target's options sit in the request (`platform_options.instagram`,
 * `targets[2].platform_data`), used to locate problems with them. `media` describes the content's
 * media where known (library items); unknown kinds (URLs) are checked when the post is published.
 */
export function checkPlatformRules(
  platform: string,
  content: PostContent,
  options: Record<string, unknown>,
  optionsField: string,
  media: MediaInfo[] = content.media.map(() => ({ kind: 'unknown' })),
): Issue[] {
  const rules = PLATFORM_RULES[platform];
  if (!rules) return [];
  const issues: Issue[] = [];
  const problem = (field: string, code: string, message: string) =>
    issues.push({ field: field.replace(/^options\./, `${optionsField}.`), code, message, platform });

  checkText(rules.textCounting, content.text, rules.textMaxLength, 'text', problem, platform);
  checkSegments(rules, content.segments ?? [], problem, platform);
  if (rules.titleRequired && !content.title) {
    problem('title', 'validation.field_required', `${platform} requires a title; set "title".`);
  }
  if (rules.titleMaxLength && content.title) {
    checkText('codepoints', content.title, rules.titleMaxLength, 'title', problem, platform);
  }
  const count = content.media.length;
  if (count < rules.media.min || count > rules.media.max) {
    const range =
      rules.media.min === rules.media.max
        ? `exactly ${rules.media.min}`
        : `${rules.media.min} to ${rules.media.max}`;
    problem(
      'media_ids',
      'validation.field_invalid',
      `${platform} takes ${range} media items; this post has ${count}.`,
    );
  }
  const kinds = rules.media.kinds;
  media.forEach((item, i) => {
    if (kinds && item.kind !== 'unknown' && !kinds.includes(item.kind)) {
      problem(
        `media[${i}]`,
        'validation.field_invalid',
        `is ${item.kind === 'image' ? 'an image' : 'a video'}; ${platform} takes only ${kinds.join(' and ')}s.`,
      );
    }
  });
  for (const { field, message } of mediaLimitProblems(platform, rules.media.limits, media)) {
    problem(field, 'validation.field_invalid', message);
  }
  const declared = declaredOptions(platform, rules, options, optionsField, problem);
  for (const { key, values } of rules.requiredOptions) {
    const value = declared[key];
    if (value === undefined || value === null || value === '') {
      problem(
        `options.${key}`,
        'validation.field_required',
        `${platform} requires "${key}"${values ? ` (one of ${values.join(', ')})` : ''}.`,
      );
    } else if (values && !values.includes(String(value))) {
      problem(`options.${key}`, 'validation.field_invalid', `must be one of ${values.join(', ')}.`);
    }
  }
  for (const issue of rules.check?.({ content, options: declared, media }) ?? []) {
    problem(issue.field, issue.code, issue.message);
  }
  return issues;
}

/**
 * Refuses every option key the platform's adapter does not act on (a typo, another platform's
 * option, one Postflow does not implement yet), naming the keys it takes; answers the others,
 * which are all the platform's own rules look at.
 */
function declaredOptions(
  platform: string,
  rules: PlatformRules,
  options: Record<string, unknown>,
  optionsField: string,
  problem: (field: string, code: string, message: string) => void,
): Record<string, unknown> {
  const known = new Set(rules.optionKeys);
  const declared: Record<string, unknown> = {};
  const takes = rules.optionKeys.length
    ? `${platform} takes ${rules.optionKeys.join(', ')}.`
    : `${platform} takes no options.`;
  // Flat options (`platform_data` without a platform's name) go to every target of the post.
  const flat = /^\w+$/.test(optionsField)
    ? ` ${optionsField} applies to every target; nest it by platform ({"${platform}": {…}}) to send an option to one platform only.`
    : '';
  for (const [key, value] of Object.entries(options)) {
    if (known.has(key)) declared[key] = value;
    else {
      const why = rules.unsupportedOptionKeys?.includes(key)
        ? `is not supported by Postflow yet on ${platform}; remove it.`
        : `is not an option ${platform} takes; remove it or correct its name.`;
      problem(`options.${key}`, 'validation.field_invalid', `${why} ${takes}${flat}`);
    }
  }
  return declared;
}

/** The platforms whose posts take `segments`, for the message that refuses them elsewhere. */
const THREAD_PLATFORMS = Object.entries(PLATFORM_RULES)
  .filter(([, rules]) => rules.threads)
  .map(([slug]) => slug);

/** A thread's replies: each one a post of its own, held to the platform's text rules. */
function checkSegments(
  rules: PlatformRules,
  segments: string[],
  problem: (field: string, code: string, message: string) => void,
  platform: string,
) {
  if (segments.length === 0) return;
  if (!rules.threads) {
    problem(
      'segments',
      'validation.field_invalid',
      `${platform} has no threads Postflow can post; remove segments, or send the thread in a post of its own to platforms that have them (${THREAD_PLATFORMS.join(', ')}).`,
    );
    return;
  }
  segments.forEach((text, i) =>
    checkText(rules.textCounting, text, rules.textMaxLength, `segments[${i}].text`, problem, platform),
  );
}

function checkText(
  counting: TextCounting | undefined,
  text: string,
  max: number,
  field: string,
  problem: (field: string, code: string, message: string) => void,
  platform: string,
) {
  const length = textLength(text, counting);
  if (length > max) {
    const unit = COUNTING_UNITS[counting ?? 'codepoints'];
    problem(field, 'validation.field_invalid', `is ${length} ${unit}; ${platform} allows at most ${max}.`);
  }
}
