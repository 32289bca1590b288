/** Arrow schemas of the catalog tables and the conversions between rows and domain objects. */
import { Bool, Field, Schema } from 'apache-arrow';
import type { ScanErrorRecord, Track, TrackStatus } from '../../shared/types';
import {
  float64Field,
  int32Field,
  parseJson,
  readNumber,
  readNumberOrNull,
  readText,
  textField,
} from '../store/columns';
import type { Migration, TableSpec } from '../store/db';
import { displayOf, pathKey } from '../store/raw-path';

export const TRACKS = 'tracks';
export const SCAN_ERRORS = 'scan_errors';

/** Added in version 2: the exact bytes of a path that is not UTF-8 (null otherwise); see raw-path.ts. */
const pathBytes = () => textField('pathBytes', true);

export const tracksSchema = new Schema([
  textField('id'),
  textField('path'),
  pathBytes(),
  textField('root'),
  float64Field('size'),
  float64Field('mtimeMs'),
  textField('fingerprint'),
  textField('format'),
  textField('codec'),
  float64Field('duration'),
  int32Field('sampleRate'),
  int32Field('channels'),
  float64Field('bitrate'),
  textField('title'),
  /** JSON array of strings. */
  textField('artists'),
  textField('artist'),
  textField('album'),
  textField('albumArtist'),
  int32Field('trackNo', true),
  int32Field('discNo', true),
  int32Field('year', true),
  /** JSON array of strings. */
  textField('genres'),
  new Field('hasCover', new Bool(), false),
  /** JSON object. */
  textField('musicbrainz'),
  textField('status'),
  float64Field('addedAt'),
  float64Field('updatedAt'),
]);

export const scanErrorsSchema = new Schema([
  textField('path'),
  pathBytes(),
  textField('root'),
  textField('reason'),
  float64Field('size'),
  float64Field('mtimeMs'),
  float64Field('at'),
]);

/** 1 → 2: the nullable `pathBytes` column, null for every path written before (all were UTF-8). */
const addPathBytes: Migration = async ({ table }) => {
  const has = (await table.schema()).fields.some((f) => f.name === 'pathBytes');
  if (!has) await table.addColumns([{ name: 'pathBytes', valueSql: 'CAST(NULL AS STRING)' }]);
};

/** Version 1 is the first released schema; add migrations here when it changes. */
export const tracksSpec: TableSpec = {
  name: TRACKS,
  schema: tracksSchema,
  version: 2,
  migrations: { 1: addPathBytes },
};
export const scanErrorsSpec: TableSpec = {
  name: SCAN_ERRORS,
  schema: scanErrorsSchema,
  version: 2,
  migrations: { 1: addPathBytes },
};

export type TrackRow = Omit<Track, 'artists' | 'genres' | 'musicbrainz' | 'pathBytes'> & {
  pathBytes: string | null;
  artists: string;
  genres: string;
  musicbrainz: string;
};

export function trackToRow(t: Track): TrackRow {
  return {
    ...t,
    pathBytes: t.pathBytes || null,
    artists: JSON.stringify(t.artists),
    genres: JSON.stringify(t.genres),
    musicbrainz: JSON.stringify(t.musicbrainz),
  };
}

/** The `pathBytes` of a row, only when there are some (a UTF-8 path has none). */
const rawBytes = (r: Record<string, unknown>): { pathBytes?: string } =>
  readText(r.pathBytes) ? { pathBytes: readText(r.pathBytes) } : {};

/** An error row's `path` is its key (see raw-path.ts): unique even when two raw names read the same. */
export function scanErrorToRow(e: ScanErrorRecord): Record<string, unknown> {
  return { ...e, path: pathKey(e), pathBytes: e.pathBytes || null };
}

export function rowToTrack(r: Record<string, unknown>): Track {
  return {
    id: readText(r.id),
    path: readText(r.path),
    ...rawBytes(r),
    root: readText(r.root),
    size: readNumber(r.size),
    mtimeMs: readNumber(r.mtimeMs),
    fingerprint: readText(r.fingerprint),
    format: readText(r.format),
    codec: readText(r.codec),
    duration: readNumber(r.duration),
    sampleRate: readNumber(r.sampleRate),
    channels: readNumber(r.channels),
    bitrate: readNumber(r.bitrate),
    title: readText(r.title),
    artists: parseJson<string[]>(r.artists, []),
    artist: readText(r.artist),
    album: readText(r.album),
    albumArtist: readText(r.albumArtist),
    trackNo: readNumberOrNull(r.trackNo),
    discNo: readNumberOrNull(r.discNo),
    year: readNumberOrNull(r.year),
    genres: parseJson<string[]>(r.genres, []),
    hasCover: r.hasCover === true,
    musicbrainz: parseJson<Track['musicbrainz']>(r.musicbrainz, {}),
    status: (readText(r.status) === 'missing' ? 'missing' : 'ok') as TrackStatus,
    addedAt: readNumber(r.addedAt),
    updatedAt: readNumber(r.updatedAt),
  };
}

export function rowToScanError(r: Record<string, unknown>): ScanErrorRecord {
  const raw = rawBytes(r);
  return {
    path: raw.pathBytes ? displayOf(Buffer.from(raw.pathBytes, 'base64')) : readText(r.path),
    ...raw,
    root: readText(r.root),
    reason: readText(r.reason),
    size: readNumber(r.size),
    mtimeMs: readNumber(r.mtimeMs),
    at: readNumber(r.at),
  };
}
