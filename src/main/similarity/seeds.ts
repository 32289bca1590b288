/**
 * What a seed ("play similar" on a track, a list of tracks, an album or an artist) means in rows
 * of the library.
 */
import { ApiError } from '../../shared/contract';
import type { Seed, Track, TrackId } from '../../shared/types';

/** The rows a seed names (in library order for albums and artists); not_found when none. */
export function seedRows(seed: Seed, tracks: readonly Track[], byId: ReadonlyMap<TrackId, number>): number[] {
  const norm = (s: string): string => s.trim().toLowerCase();
  let out: number[] = [];
  if (seed.kind === 'track') {
    const i = byId.get(seed.id);
    if (i !== undefined) out = [i];
  } else if (seed.kind === 'tracks') {
    const seen = new Set<number>();
    for (const id of seed.ids) {
      const i = byId.get(id);
      if (i !== undefined && !seen.has(i)) {
        seen.add(i);
        out.push(i);
      }
    }
  } else if (seed.kind === 'album') {
    const album = norm(seed.album);
    const aa = seed.albumArtist !== undefined ? norm(seed.albumArtist) : null;
    tracks.forEach((t, i) => {
      if (
        norm(t.album) === album &&
        (aa === null ||
          norm(t.albumArtist || t.artist) === aa ||
          norm(t.artist) === aa ||
          t.artists.some((x) => norm(x) === aa))
      )
        out.push(i);
    });
  } else {
    const artist = norm(seed.artist);
    tracks.forEach((t, i) => {
      if (
        norm(t.artist) === artist ||
        norm(t.albumArtist) === artist ||
        t.artists.some((a) => norm(a) === artist)
      ) {
        out.push(i);
      }
    });
  }
  if (out.length === 0) throw new ApiError('not_found', 'No analysed track matches the seed.');
  return out;
}
