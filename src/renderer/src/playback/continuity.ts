/**
 * Whether one track continues another's album, as players judge it for "no crossfade inside an
 * album": the same album (by name, and by album artist when both have one, else by folder), and
 * when both carry track numbers, the very next track (or the first of the next disc). An album's
 * tracks played out of order are not a continuous recording, so they crossfade like any others.
 */
import type { Track } from '../../../shared/types';

const folderOf = (path: string): string => path.replace(/[\\/][^\\/]*$/, '');

export function sameAlbum(a: Track, b: Track): boolean {
  if (!a.album || a.album !== b.album) return false;
  if (a.albumArtist && b.albumArtist) return a.albumArtist === b.albumArtist;
  return folderOf(a.path) === folderOf(b.path);
}

export function continuesAlbum(a: Track, b: Track): boolean {
  if (!sameAlbum(a, b)) return false;
  if (a.trackNo === null || b.trackNo === null) return true;
  const discA = a.discNo ?? 1;
  const discB = b.discNo ?? 1;
  if (discA === discB) return b.trackNo === a.trackNo + 1;
  return discB === discA + 1 && b.trackNo === 1;
}
