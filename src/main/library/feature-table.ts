/**
 * Reads a Spotify-style feature table (one row per track: names and audio features such as
 * danceability, energy, valence, tempo …) into tracks without audio and their feature values.
 *
 * Header names are matched case-insensitively, ignoring spaces, dashes and underscores, against
 * the names and aliases below (docs/clusters.md lists them). Every column is accounted for: used
 * for the track, used for the sound space, read but not used (listed), or unknown (reported). A
 * row that cannot be read is rejected with its line number and the reason; the others are kept.
 */
import { createHash } from 'node:crypto';
import type { Track } from '../../shared/types';
import { IMPORTED_FORMAT, IMPORTED_PATH_PREFIX } from '../../shared/imported';
import { parseCsv } from './csv';

/** The sound columns, in the order they are stored; `range` is checked when given. */
export const SOUND_COLUMNS = [
  { name: 'danceability', aliases: [], range: [0, 1] },
  { name: 'energy', aliases: [], range: [0, 1] },
  { name: 'valence', aliases: ['positivity'], range: [0, 1] },
  { name: 'acousticness', aliases: [], range: [0, 1] },
  { name: 'instrumentalness', aliases: [], range: [0, 1] },
  { name: 'speechiness', aliases: [], range: [0, 1] },
  { name: 'liveness', aliases: [], range: [0, 1] },
  { name: 'tempo', aliases: ['bpm'], range: [0, 400] },
  { name: 'loudness', aliases: ['loudness_db'], range: [-100, 10] },
  { name: 'key', aliases: ['pitch_class'], range: [-1, 11] },
  { name: 'mode', aliases: [], range: [0, 1] },
] as const satisfies readonly {
  name: string;
  aliases: readonly string[];
  range: readonly [number, number];
}[];

export type SoundColumn = (typeof SOUND_COLUMNS)[number]['name'];

/** Columns that fill the track itself. */
const TRACK_COLUMNS = {
  title: ['track_name', 'name', 'title', 'track', 'song', 'song_name', 'track_title'],
  artists: ['artists', 'artist', 'artist_name', 'artist_names', 'artists_name', 'track_artist'],
  album: ['album', 'album_name', 'album_title', 'track_album_name'],
  albumArtist: ['album_artist', 'album_artists'],
  genres: ['genre', 'genres', 'track_genre', 'playlist_genre', 'playlist_subgenre'],
  year: ['year', 'release_year', 'release_date', 'album_release_date', 'track_album_release_date'],
  id: ['track_id', 'id', 'spotify_id', 'uri', 'track_uri'],
  durationMs: ['duration_ms'],
  durationS: ['duration', 'duration_s', 'duration_sec', 'length'],
  trackNo: ['track_number'],
  discNo: ['disc_number'],
} as const;

type TrackColumn = keyof typeof TRACK_COLUMNS;

/** Columns these tables often carry that say nothing about how a track sounds: read, listed, not used. */
const NOT_USED = [
  'popularity',
  'track_popularity',
  'time_signature',
  'explicit',
  'type',
  'analysis_url',
  'track_href',
  'album_id',
  'track_album_id',
  'playlist_id',
  'playlist_name',
  'unnamed:_0',
  'unnamed_0',
  'index',
  '',
];

const norm = (header: string): string =>
  header
    .trim()
    .toLowerCase()
    .replace(/[\s\-_]+/g, '_');

export interface RejectedRow {
  line: number;
  reason: string;
}

export interface ImportedRow {
  track: Track;
  /** SOUND_COLUMNS values in order; NaN where the table has no value. */
  values: Float32Array;
  line: number;
}

export interface FeatureTable {
  rows: ImportedRow[];
  rejected: RejectedRow[];
  /** Header name → what it was read as. */
  columns: { header: string; as: string }[];
  /** Read but not used (they say nothing about the sound, or repeat another column). */
  notUsed: string[];
  unknown: string[];
  /** Sound columns the table lacks (their values are missing on every row). */
  missingSound: SoundColumn[];
}

/** "['A', 'B']" (a Python list, as Kaggle exports have it), "A;B" or "A". */
export function splitArtists(raw: string): string[] {
  const s = raw.trim();
  if (s.startsWith('[') && s.endsWith(']')) {
    const names = [...s.slice(1, -1).matchAll(/'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g)].map((m) =>
      (m[1] ?? m[2]).replace(/\\(.)/g, '$1').trim(),
    );
    if (names.length > 0) return names.filter((x) => x !== '');
  }
  return s
    .split(';')
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

function number(raw: string): number | null {
  const s = raw.trim();
  if (s === '') return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : Number.NaN;
}

/** Parses the table text; `source` is the table's absolute path (it names the tracks' origin). */
export function readFeatureTable(text: string, source: string, now = Date.now()): FeatureTable {
  const records = parseCsv(text);
  if (records.length === 0) throw new Error('the table is empty');
  const header = records[0].fields;
  const soundIndex = new Map<SoundColumn, number>();
  const trackIndex = new Map<TrackColumn, number>();
  const columns: { header: string; as: string }[] = [];
  const notUsed: string[] = [];
  const unknown: string[] = [];
  header.forEach((h, i) => {
    const key = norm(h);
    const sound = SOUND_COLUMNS.find((c) => c.name === key || (c.aliases as readonly string[]).includes(key));
    if (sound && !soundIndex.has(sound.name)) {
      soundIndex.set(sound.name, i);
      columns.push({ header: h, as: sound.name });
      return;
    }
    const field = (Object.keys(TRACK_COLUMNS) as TrackColumn[]).find((f) =>
      (TRACK_COLUMNS[f] as readonly string[]).includes(key),
    );
    if (field && !trackIndex.has(field)) {
      trackIndex.set(field, i);
      columns.push({ header: h, as: field });
      return;
    }
    // A second column for something already read (album_name beside album) is not used either.
    if (NOT_USED.includes(key) || sound || field) notUsed.push(h);
    else unknown.push(h);
  });
  if (!trackIndex.has('title')) {
    throw new Error(
      `no title column (one of ${TRACK_COLUMNS.title.join(', ')}); the header is: ${header.join(', ')}`,
    );
  }
  if (soundIndex.size === 0) {
    throw new Error(`no sound column (${SOUND_COLUMNS.map((c) => c.name).join(', ')})`);
  }
  const rows: ImportedRow[] = [];
  const rejected: RejectedRow[] = [];
  const seen = new Map<string, number>();
  for (const rec of records.slice(1)) {
    const f = rec.fields;
    if (f.length !== header.length) {
      rejected.push({ line: rec.line, reason: `${f.length} fields, the header has ${header.length}` });
      continue;
    }
    const get = (c: TrackColumn): string => {
      const i = trackIndex.get(c);
      return i === undefined ? '' : f[i].trim();
    };
    const title = get('title');
    if (title === '') {
      rejected.push({ line: rec.line, reason: 'no title' });
      continue;
    }
    const values = new Float32Array(SOUND_COLUMNS.length).fill(Number.NaN);
    let problem = '';
    SOUND_COLUMNS.forEach((c, d) => {
      const i = soundIndex.get(c.name);
      if (i === undefined || problem) return;
      const v = number(f[i]);
      if (v === null) return;
      if (Number.isNaN(v)) problem = `${c.name} "${f[i]}" is not a number`;
      else if (v < c.range[0] || v > c.range[1])
        problem = `${c.name} ${v} is outside ${c.range[0]}…${c.range[1]}`;
      // Spotify writes -1 for "no key detected".
      else if (c.name === 'key' && v < 0) return;
      else values[d] = v;
    });
    if (!problem && values.every((v) => Number.isNaN(v))) problem = 'no sound value';
    const numberOf = (c: TrackColumn): number | null => {
      const v = number(get(c));
      if (v !== null && Number.isNaN(v)) problem ||= `${c} "${get(c)}" is not a number`;
      return v !== null && Number.isFinite(v) ? v : null;
    };
    const durationMs = numberOf('durationMs');
    const durationS = numberOf('durationS');
    const trackNo = numberOf('trackNo');
    const discNo = numberOf('discNo');
    if (problem) {
      rejected.push({ line: rec.line, reason: problem });
      continue;
    }
    const artists = splitArtists(get('artists'));
    const yearText = /^\d{4}/.exec(get('year'))?.[0];
    // The same id (or, without ids, the same artist, title and album) in one table is one track.
    const key = get('id') || `${artists.join(';')}\u0000${title}\u0000${get('album')}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      rejected.push({ line: rec.line, reason: `the same track as line ${earlier}` });
      continue;
    }
    seen.set(key, rec.line);
    const id = `imp-${createHash('sha256').update(source).update('\0').update(key).digest('hex').slice(0, 24)}`;
    const duration = durationMs !== null ? durationMs / 1000 : (durationS ?? 0);
    const track: Track = {
      id,
      path: `${IMPORTED_PATH_PREFIX}${source}#${rec.line}`,
      root: `${IMPORTED_PATH_PREFIX}${source}`,
      size: 0,
      mtimeMs: 0,
      fingerprint: id,
      format: IMPORTED_FORMAT,
      codec: '',
      duration: Math.max(0, duration),
      sampleRate: 0,
      channels: 0,
      bitrate: 0,
      title,
      artists,
      artist: artists[0] ?? 'Unknown Artist',
      album: get('album'),
      albumArtist: get('albumArtist'),
      trackNo: trackNo !== null ? Math.trunc(trackNo) : null,
      discNo: discNo !== null ? Math.trunc(discNo) : null,
      year: yearText ? Number(yearText) : null,
      genres: get('genres')
        ? splitArtists(get('genres')).flatMap((g) =>
            g
              .split(',')
              .map((x) => x.trim())
              .filter(Boolean),
          )
        : [],
      hasCover: false,
      musicbrainz: {},
      status: 'ok',
      addedAt: now,
      updatedAt: now,
    };
    rows.push({ track, values, line: rec.line });
  }
  return {
    rows,
    rejected,
    columns,
    notUsed,
    unknown,
    missingSound: SOUND_COLUMNS.filter((c) => !soundIndex.has(c.name)).map((c) => c.name),
  };
}
