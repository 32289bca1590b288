/** Arrow schemas of the catalog tables and the conversions between rows and domain objects. */
import { Bool, Field, Float64, Int32, Schema, Utf8 } from 'apache-arrow';
import type { ScanErrorRecord, Track, TrackStatus } from '../../shared/types';
import type { TableSpec } from '../store/db';

export const TRACKS = 'tracks';
export const SCAN_ERRORS = 'scan_errors';

const str = (name: string, nullable = false) => new Field(name, new Utf8(), nullable);
const f64 = (name: string) => new Field(name, new Float64(), false);
const i32 = (name: string, nullable = false) => new Field(name, new Int32(), nullable);

export const tracksSchema = new Schema([
  str('id'),
  str('path'),
  str('root'),
  f64('size'),
  f64('mtimeMs'),
  str('fingerprint'),
  str('format'),
  str('codec'),
  f64('duration'),
  i32('sampleRate'),
  i32('channels'),
  f64('bitrate'),
  str('title'),
  /** JSON array of strings. */
  str('artists'),
  str('artist'),
  str('album'),
  str('albumArtist'),
  i32('trackNo', true),
  i32('discNo', true),
  i32('year', true),
  /** JSON array of strings. */
  str('genres'),
  new Field('hasCover', new Bool(), false),
  /** JSON object. */
  str('musicbrainz'),
  str('status'),
  f64('addedAt'),
  f64('updatedAt'),
]);

export const scanErrorsSchema = new Schema([
  str('path'),
  str('root'),
  str('reason'),
  f64('size'),
  f64('mtimeMs'),
  f64('at'),
]);

/** Version 1 is the first released schema; add migrations here when it changes. */
export const tracksSpec: TableSpec = { name: TRACKS, schema: tracksSchema, version: 1, migrations: {} };
export const scanErrorsSpec: TableSpec = {
  name: SCAN_ERRORS,
  schema: scanErrorsSchema,
  version: 1,
  migrations: {},
};

export type TrackRow = Omit<Track, 'artists' | 'genres' | 'musicbrainz'> & {
  artists: string;
  genres: string;
  musicbrainz: string;
};

export function trackToRow(t: Track): TrackRow {
  return {
    ...t,
    artists: JSON.stringify(t.artists),
    genres: JSON.stringify(t.genres),
    musicbrainz: JSON.stringify(t.musicbrainz),
  };
}

/** Parses a JSON column written by us; a damaged value reads as the fallback. */
export function parseJson<T>(s: unknown, fallback: T): T {
  if (typeof s !== 'string') return fallback;
  try {
    return JSON.parse(s) as T;
  } catch {
    return fallback;
  }
}

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : 0);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
const s = (v: unknown): string => (typeof v === 'string' ? v : '');

export function rowToTrack(r: Record<string, unknown>): Track {
  return {
    id: s(r.id),
    path: s(r.path),
    root: s(r.root),
    size: num(r.size),
    mtimeMs: num(r.mtimeMs),
    fingerprint: s(r.fingerprint),
    format: s(r.format),
    codec: s(r.codec),
    duration: num(r.duration),
    sampleRate: num(r.sampleRate),
    channels: num(r.channels),
    bitrate: num(r.bitrate),
    title: s(r.title),
    artists: parseJson<string[]>(r.artists, []),
    artist: s(r.artist),
    album: s(r.album),
    albumArtist: s(r.albumArtist),
    trackNo: numOrNull(r.trackNo),
    discNo: numOrNull(r.discNo),
    year: numOrNull(r.year),
    genres: parseJson<string[]>(r.genres, []),
    hasCover: r.hasCover === true,
    musicbrainz: parseJson<Track['musicbrainz']>(r.musicbrainz, {}),
    status: (s(r.status) === 'missing' ? 'missing' : 'ok') as TrackStatus,
    addedAt: num(r.addedAt),
    updatedAt: num(r.updatedAt),
  };
}

export function rowToScanError(r: Record<string, unknown>): ScanErrorRecord {
  return {
    path: s(r.path),
    root: s(r.root),
    reason: s(r.reason),
    size: num(r.size),
    mtimeMs: num(r.mtimeMs),
    at: num(r.at),
  };
}
