import { PublishError } from './adapter';

/**
 * Small helpers adapters share for reading options and for recognising their own posts by content
 * (reconcile on platforms that keep no reference of ours).
 */

/** Two texts are the same post's text when they match after collapsing whitespace. */
export function sameText(a: unknown, b: unknown): boolean {
  return collapse(a) === collapse(b);
}

const collapse = (text: unknown) =>
  String(text ?? '')
    .replace(/\s+/g, ' ')
    .trim();

/**
 * Reconcile by content needs content: a post without text would match any other media-only post
 * of the account. Such a lookup is impossible, not empty: the engine then reports the delivery
 * unconfirmed rather than risk publishing it twice.
 */
export function searchableText(platform: string, text: string): string {
  if (collapse(text) !== '') return text;
  throw new PublishError({
    category: 'system',
    caused_by: 'platform',
    code: `platform.${platform}.unsearchable`,
    message: `${platform}: a post without text cannot be told apart from the account's other posts; check the account.`,
    retryable: false,
    outcomeUnknown: false,
  });
}

/** The alt text of media item `i`: `alt_texts[i]`, or `alt_text` for the first item. */
export function altTextAt(options: Record<string, unknown>, i: number): string | undefined {
  const texts = options.alt_texts;
  if (Array.isArray(texts) && typeof texts[i] === 'string' && texts[i] !== '') return texts[i];
  return i === 0 && typeof options.alt_text === 'string' && options.alt_text !== ''
    ? options.alt_text
    : undefined;
}

/** A list option (or step state field) as strings; anything else as an empty list. */
export const stringList = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

/**
 * HTML as its text, whitespace collapsed: blog platforms filter (WordPress's kses) or re-render
 * (Ghost) the HTML they are given but keep its text, so reconcile compares that.
 */
export function htmlText(html: unknown): string {
  return String(html ?? '')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#0?39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}
