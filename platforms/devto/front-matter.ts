import type { Issue } from '../../api/errors';

/**
 * A body may open with Jekyll-style front matter (`---` lines around `key: value` lines), which
 * Forem reads as the article's settings, overriding the API's fields. Postflow sends the body as
 * written, so front matter works; what it refuses is front matter that would contradict what
 * Postflow does:
 * - `title` and `published`: the article is found again by its title, in the published or the
 *   draft list, after a lost answer; a title or state only the body knows would hide it, and the
 *   engine would try to publish a second time. They go in the post's `title` and the `published`
 *   option.
 * - a setting given both in the front matter and as an option (or `cover_image` with a media
 *   item): two answers to one question.
 */
const FRONT_MATTER = /^---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(\r?\n|$)/;
const ONLY_OUTSIDE = ['title', 'published'] as const;
/** Front matter keys and the option (or media) that sets the same thing. */
const SAME_AS_OPTION: Record<string, string> = {
  tags: 'tags',
  canonical_url: 'canonical_url',
  series: 'series',
  description: 'description',
  cover_image: 'media',
};

/** The keys of the body's front matter, or none. */
export function frontMatterKeys(body: string): string[] {
  const block = FRONT_MATTER.exec(body)?.[1];
  if (block === undefined) return [];
  return block
    .split(/\r?\n/)
    .map((line) => /^([A-Za-z_][\w-]*)\s*:/.exec(line)?.[1])
    .filter((key): key is string => key !== undefined);
}

export function frontMatterIssues(
  body: string,
  options: Record<string, unknown>,
  mediaCount: number,
): Issue[] {
  const issues: Issue[] = [];
  for (const key of frontMatterKeys(body)) {
    const conflict = (message: string) =>
      issues.push({ field: 'text', code: 'validation.field_invalid', message });
    if ((ONLY_OUTSIDE as readonly string[]).includes(key)) {
      const where = key === 'title' ? "the post's title" : 'platform_options.devto.published';
      conflict(
        `front matter sets ${key}; give it as ${where} instead: Postflow finds the article again by its title and state.`,
      );
      continue;
    }
    const option = SAME_AS_OPTION[key];
    const given = option === 'media' ? mediaCount > 0 : option !== undefined && options[option] !== undefined;
    if (given) {
      const other = option === 'media' ? 'a media item (the cover)' : `platform_options.devto.${option}`;
      conflict(`front matter sets ${key} and so does ${other}; keep one of them.`);
    }
  }
  return issues;
}
