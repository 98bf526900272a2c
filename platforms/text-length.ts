import type { TextCounting } from './descriptor';

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
/** X counts every URL as 23 characters, whatever its length (t.co wrapping). */
const URL_PATTERN = /https?:\/\/[^\s]+/g;
const X_URL_WEIGHT = 23;
/**
 * Code point ranges X counts once; everything else (CJK, most emoji) counts twice.
 * From twitter-text's v3 configuration: Latin-1 through Hangul Jamo, and general punctuation.
 */
const X_LIGHT_RANGES: ReadonlyArray<[number, number]> = [
  [0x0000, 0x10ff],
  [0x2000, 0x200d],
  [0x2010, 0x201f],
  [0x2032, 0x2037],
];
const EMOJI = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3/u;

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

/**
 * X's weighted length as twitter-text v3 computes it (docs.x.com "Counting characters"): the
 * text NFC-normalised, every code point weighed on its own (so a Devanagari syllable of three
 * code points counts 3), an emoji sequence 2 whatever its code points, every URL 23. URLs without
 * a scheme (example.com), which X also counts as 23, are not detected: that needs twitter-text's
 * TLD list, so such a text may be refused by X at publish time.
 */
function xWeightedLength(text: string): number {
  let length = 0;
  const rest = text.normalize('NFC').replace(URL_PATTERN, () => {
    length += X_URL_WEIGHT;
    return '';
  });
  for (const { segment } of graphemes.segment(rest)) {
    if (isEmoji(segment)) length += 2;
    else for (const char of segment) length += xWeight(char.codePointAt(0)!);
  }
  return length;
}

/** A pictograph outside the light ranges, or any sequence made an emoji by VS16, ZWJ or a keycap. */
const isEmoji = (g: string) =>
  EMOJI.test(g) && (xWeight(g.codePointAt(0)!) === 2 || /[\ufe0f\u200d\u20e3]/.test(g));

const xWeight = (code: number) => (X_LIGHT_RANGES.some(([from, to]) => code >= from && code <= to) ? 1 : 2);

/** How a count is named in messages. */
export const COUNTING_UNITS: Record<TextCounting, string> = {
  codepoints: 'characters',
  utf16: 'UTF-16 characters',
  bytes: 'bytes (UTF-8)',
  graphemes: 'characters (graphemes)',
  weighted: 'characters as X counts them (URLs 23, CJK and emoji 2)',
};
