/**
 * Tracks made from a feature table (`timbre import-features`), not from audio files: they can be
 * listed, searched and clustered, never played or analysed. They are catalog rows whose format is
 * IMPORTED_FORMAT and whose path is `imported:<table path>#<line>` (no file on disk).
 */
import type { Track } from './types';

export const IMPORTED_FORMAT = 'imported';
export const IMPORTED_PATH_PREFIX = 'imported:';
/** What the player and the media answer say instead of trying to play one. */
export const IMPORTED_NO_AUDIO = 'imported, no audio';

export function isImported(track: Pick<Track, 'format' | 'path'>): boolean {
  return track.format === IMPORTED_FORMAT && track.path.startsWith(IMPORTED_PATH_PREFIX);
}
