/**
 * Text folding for search and filters: case and accents are ignored, so "unicode" finds
 * "Ünïcødé" and "bjork" finds "Björk". Letters that Unicode does not decompose (ø, æ, ß, ł …)
 * are mapped by hand to what a person would type on a plain keyboard.
 */

const SPECIAL: Record<string, string> = {
  ø: 'o',
  æ: 'ae',
  œ: 'oe',
  ß: 'ss',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
  ħ: 'h',
};
const SPECIAL_RE = new RegExp(`[${Object.keys(SPECIAL).join('')}]`, 'g');
const MARKS_RE = /\p{M}+/gu;

const ASCII_RE = /^[ -~]*$/;
/** Names repeat (an artist on every one of their tracks): folded ones are remembered, up to a bound. */
const memo = new Map<string, string>();
const MEMO_LIMIT = 100_000;

/** Lower case, compatibility-decomposed, without combining marks. */
export function fold(text: string): string {
  if (ASCII_RE.test(text)) return text.toLowerCase();
  let folded = memo.get(text);
  if (folded === undefined) {
    folded = text
      .toLowerCase()
      .normalize('NFKD')
      .replace(MARKS_RE, '')
      .replace(SPECIAL_RE, (c) => SPECIAL[c] ?? c);
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(text, folded);
  }
  return folded;
}

/**
 * The words of a search: folded, split on spaces; a lone dash between words is how people write
 * "artist - title", not a word.
 */
export function searchWords(text: string | undefined): string[] {
  return fold(text ?? '')
    .split(/\s+/)
    .filter((w) => w !== '' && !/^[-–—]+$/.test(w));
}
