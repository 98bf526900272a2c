import type { TextCounting } from './types';

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
/** X counts every URL as 23 characters, whatever its length (t.co wrapping). */
const URL_PATTERN = /https?:\/\/[^\s]+/g;
const X_URL_WEIGHT = 23;
/**
 * Code point ranges X counts once; everything else (CJK, most emoji) counts twice.
 * From twitter-text's v3 configuration: Latin-1 through Hangul Jamo, and general punctuation.
 */
const X_LIGHT_RANGES: ReadonlyArray<[number, number]> = [
  [0, 4351],
  [8192, 8205],
  [8208, 8223],
  [8242, 8247],
];

/** The length of `text` as a platform counts it against its limit. */
export function textLength(text: string, counting: TextCounting = 'codepoints'): number {
  switch (counting) {
    case 'codepoints':
      return [...text].length;
    case 'utf16':
      return text.length;
    case 'bytes':
      return Buffer.byteLength(text, 'utf8');
    case 'graphemes':
      return [...graphemes.segment(text)].length;
    case 'weighted':
      return xWeightedLength(text);
  }
}

function xWeightedLength(text: string): number {
  let length = 0;
  const withoutUrls = text.replace(URL_PATTERN, () => {
    length += X_URL_WEIGHT;
    return '';
  });
  for (const { segment } of graphemes.segment(withoutUrls)) {
    const code = segment.codePointAt(0)!;
    // An emoji sequence (several code points in one grapheme) counts as one heavy character.
    const light = segment.length <= 2 && X_LIGHT_RANGES.some(([from, to]) => code >= from && code <= to);
    length += light ? 1 : 2;
  }
  return length;
}

/** How a count is named in messages. */
export const COUNTING_UNITS: Record<TextCounting, string> = {
  codepoints: 'characters',
  utf16: 'UTF-16 characters',
  bytes: 'bytes (UTF-8)',
  graphemes: 'characters (graphemes)',
  weighted: 'characters as X counts them (URLs 23, CJK and emoji 2)',
};
