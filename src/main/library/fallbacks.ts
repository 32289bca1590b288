/** What a track is called when its tags say nothing: derived from its file name and folders. */
import { basename, dirname, extname, relative, sep } from 'node:path';

export const UNKNOWN_ARTIST = 'Unknown Artist';
export const UNKNOWN_ALBUM = 'Unknown Album';

/** Tag values that mean "no value" (some rippers and converters write them literally). */
const PLACEHOLDER =
  /^[<[(]?\s*(unknown|unknown artist|unknown album|no artist|no album|n\/a|none|-+|\?+)\s*[>\])]?$/i;

/** Trimmed tag text, or '' for empty and placeholder values such as "unknown". */
export function cleanTag(value: string | undefined | null): string {
  if (typeof value !== 'string') return '';
  // eslint-disable-next-line no-control-regex
  const v = value.replace(/[\u0000-\u001f]+/g, ' ').trim();
  return PLACEHOLDER.test(v) ? '' : v;
}

/**
 * Title from a file name: the name without its extension and without a leading track number
 * ("01 ", "01 - ", "01. ", "1-01 ", "01_"). A name that is only a number is kept as it is.
 */
export function titleFromFileName(path: string): string {
  const name = basename(path, extname(path)).trim();
  const stripped = name.replace(/^(?:\d{1,2}[-.])?\d{1,3}(?:\s*[-._)]\s*|\s+)(?=\S)/, '').trim();
  return stripped || name;
}

/**
 * Artist and album from the folders between the scan root and the file: for Artist/Album/file
 * layouts the grandparent is the artist and the parent the album; a file one level down takes both
 * from its parent; a file directly in the root gets the "Unknown" names.
 */
export function namesFromFolders(path: string, root: string): { artist: string; album: string } {
  const rel = relative(root, dirname(path));
  const parts = rel && !rel.startsWith('..') ? rel.split(sep).filter((p) => p && p !== '.') : [];
  if (parts.length >= 2) return { artist: parts[parts.length - 2], album: parts[parts.length - 1] };
  if (parts.length === 1) return { artist: parts[0], album: parts[0] };
  return { artist: UNKNOWN_ARTIST, album: UNKNOWN_ALBUM };
}
