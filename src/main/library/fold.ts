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

/** Lower case, compatibility-decomposed, without combining marks. */
export function fold(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(MARKS_RE, '')
    .replace(SPECIAL_RE, (c) => SPECIAL[c] ?? c);
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
