/** Filters (which tracks may be suggested) and variety rules (how a queue is ordered). */
import type { FeatureScalars, SimilarityFilters, Track, VarietyRules } from '../../shared/types';

export const defaultVariety: Required<Omit<VarietyRules, 'recentlyPlayed'>> = {
  maxPerArtist: 2,
  artistWindow: 10,
  noConsecutiveAlbum: true,
  collapseDuplicates: true,
  diversity: 0.2,
};

const PITCH: Record<string, number> = { C: 0, D: 2, E: 4, F: 5, G: 7, A: 9, B: 11 };

/** Pitch class of a key name such as "A", "Bb", "F#"; null when unreadable. */
export function pitchClass(key: string | undefined): number | null {
  if (typeof key !== 'string') return null;
  const m = /^([A-Ga-g])([#b♯♭]?)/.exec(key.trim());
  if (!m) return null;
  let pc = PITCH[m[1].toUpperCase()];
  if (m[2] === '#' || m[2] === '♯') pc += 1;
  if (m[2] === 'b' || m[2] === '♭') pc -= 1;
  return (pc + 12) % 12;
}

/** Position on the circle of fifths of the key's relative major (C/Am = 0, G/Em = 1, …). */
export function fifthsPosition(key: string, scale: string): number | null {
  const pc = pitchClass(key);
  if (pc === null) return null;
  const major = scale === 'minor' ? (pc + 3) % 12 : pc;
  return (major * 7) % 12;
}

/** Same key, relative major/minor, or one fifth apart in the same mode (Camelot neighbours). */
export function keysCompatible(
  a: Pick<FeatureScalars, 'key' | 'scale'>,
  b: Pick<FeatureScalars, 'key' | 'scale'>,
): boolean {
  const pa = fifthsPosition(a.key, a.scale);
  const pb = fifthsPosition(b.key, b.scale);
  if (pa === null || pb === null) return false;
  if (pa === pb) return true;
  const d = (pa - pb + 12) % 12;
  return a.scale === b.scale && (d === 1 || d === 11);
}

function norm(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

const VERSION_WORDS =
  /\b(remaster(ed)?|live|version|mono|stereo|edit|deluxe|bonus|explicit|clean|re-?recorded|single|album|anniversary|feat\.?|ft\.?|featuring)\b/;

/** Title without version marks: "Song (Remastered 2011) - Live feat. X" → "song". */
export function normalizeTitle(title: string): string {
  let t = norm(title);
  // Bracketed groups that name a version or a guest.
  t = t.replace(/[([{][^)\]}]*[)\]}]/g, (g) => (VERSION_WORDS.test(g) ? ' ' : g));
  // " - Live at …", " - 2011 Remaster"
  t = t.replace(/\s[-–—]\s.*$/, (g) => (VERSION_WORDS.test(g) ? ' ' : g));
  t = t.replace(/\b(feat\.?|ft\.?|featuring)\s.*$/, ' ');
  return t
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .replace(/\s+/g, ' ');
}

export function normalizeArtist(artist: string): string {
  return norm(artist)
    .replace(/\b(feat\.?|ft\.?|featuring|&|and|with)\s.*$/, ' ')
    .replace(/^the\s+/, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Key under which two tracks are versions of the same song. */
export function duplicateKey(track: Track): string {
  return `${normalizeTitle(track.title || track.path)}\u0000${normalizeArtist(track.artist)}`;
}

export function albumKey(track: Track): string {
  // No album, or the catalog's placeholder: not an album the rules should group by.
  if (!track.album || norm(track.album) === 'unknown album') return '';
  return `${norm(track.album)}\u0000${norm(track.albumArtist || track.artist)}`;
}

export function artistKey(track: Track): string {
  return normalizeArtist(track.artist);
}

function folderOf(path: string): string {
  return path.replace(/\\/g, '/');
}

/** Artist and album of every track as small integers (album −1: none), precomputed by the engine. */
export interface GroupIds {
  artist: Int32Array;
  album: Int32Array;
}

/**
 * A predicate over track indices for the request's filters, relative to the seeds.
 * Returns null when no filter is set. With `ids`, the artist and album tests compare the
 * engine's precomputed ids instead of normalising names for every candidate scanned.
 */
export function makeFilter(
  filters: SimilarityFilters | undefined,
  seeds: number[],
  tracks: Track[],
  scalars: FeatureScalars[],
  ids?: GroupIds,
): ((i: number) => boolean) | null {
  if (!filters) return null;
  const tests: ((i: number) => boolean)[] = [];
  if (filters.excludeSameArtist) {
    if (ids) {
      const artists = new Set(seeds.map((s) => ids.artist[s]));
      tests.push((i) => !artists.has(ids.artist[i]));
    } else {
      const artists = new Set(seeds.map((s) => artistKey(tracks[s])));
      tests.push((i) => !artists.has(artistKey(tracks[i])));
    }
  }
  if (filters.excludeSameAlbum) {
    if (ids) {
      const albums = new Set(seeds.map((s) => ids.album[s]).filter((k) => k >= 0));
      tests.push((i) => !albums.has(ids.album[i]));
    } else {
      const albums = new Set(seeds.map((s) => albumKey(tracks[s])).filter((k) => k !== ''));
      tests.push((i) => !albums.has(albumKey(tracks[i])));
    }
  }
  if (filters.minDuration !== undefined) {
    const v = filters.minDuration;
    tests.push((i) => tracks[i].duration >= v);
  }
  if (filters.maxDuration !== undefined) {
    const v = filters.maxDuration;
    tests.push((i) => tracks[i].duration <= v);
  }
  if (filters.minBpm !== undefined) {
    const v = filters.minBpm;
    tests.push((i) => scalars[i].bpm >= v);
  }
  if (filters.maxBpm !== undefined) {
    const v = filters.maxBpm;
    tests.push((i) => scalars[i].bpm <= v);
  }
  if (filters.compatibleKey) {
    const keys = seeds.map((s) => scalars[s]);
    tests.push((i) => keys.some((k) => keysCompatible(k, scalars[i])));
  }
  if (filters.genre) {
    const g = norm(filters.genre);
    tests.push((i) => tracks[i].genres.some((x) => norm(x) === g));
  }
  if (filters.folder) {
    let f = folderOf(filters.folder);
    if (!f.endsWith('/')) f += '/';
    tests.push((i) => folderOf(tracks[i].path).startsWith(f));
  }
  if (tests.length === 0) return null;
  return (i) => {
    for (const t of tests) if (!t(i)) return false;
    return true;
  };
}
