/**
 * What a clustering run exports, as text: a CSV of its tracks (cluster, membership strength and
 * both 2-D maps) and M3U playlists (one per cluster, or for any list of tracks). Pure functions on
 * rows the caller gathered; writing files is the caller's business (CLI) or the user's (the UI
 * downloads them). The M3U text is the library's own (library/playlist.ts), so every playlist
 * Timbre writes reads back the same way.
 */
import type { Track } from '../../shared/types';
import { formatM3u } from '../library/playlist';

export interface ExportRow {
  track: Track;
  /** −1: in no cluster (noise). */
  clusterId: number;
  clusterName: string;
  strength: number;
  /** UMAP map coordinates. */
  x: number;
  y: number;
  /** PCA map coordinates. */
  pcaX: number;
  pcaY: number;
}

export const CSV_COLUMNS = [
  'track_id',
  'artist',
  'title',
  'album',
  'duration',
  'path',
  'cluster',
  'cluster_name',
  'strength',
  'x',
  'y',
  'pca_x',
  'pca_y',
] as const;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line end. `key` marks a
 * field written verbatim: a track id is a machine key (base64url, may begin with "-") that must
 * read back as it is, never a formula a tag could smuggle in.
 */
export function csvField(value: string | number, key = false): string {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value;
  // A leading = + - @ makes spreadsheets run the cell as a formula: a tag is never one.
  const safe = !key && /^[=+\-@\t\r]/.test(text) && typeof value === 'string' ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const round = (v: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

/** The run's tracks as CSV (header first, CRLF line ends as RFC 4180 has them), in the given order. */
export function clusterCsv(rows: ExportRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of rows) {
    lines.push(
      [
        r.track.id,
        r.track.artist,
        r.track.title,
        r.track.album,
        round(r.track.duration, 3),
        r.track.path,
        r.clusterId,
        r.clusterId < 0 ? '' : r.clusterName,
        round(r.strength, 4),
        round(r.x, 5),
        round(r.y, 5),
        round(r.pcaX, 5),
        round(r.pcaY, 5),
      ]
        .map((value, column) => csvField(value, column === 0))
        .join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}

/**
 * A file name from a cluster's (or a list's) name: characters no file system takes become spaces,
 * runs of spaces one, at most 100 characters; never empty, never a dot file.
 */
export function safeFileName(name: string, fallback = 'playlist'): string {
  const cleaned = name
    // eslint-disable-next-line no-control-regex -- control characters are what we remove
    .replace(/[\u0000-\u001f\u007f/\\:*?"<>|]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '')
    .slice(0, 100)
    .trim();
  return cleaned || fallback;
}

export interface PlaylistFile {
  fileName: string;
  content: string;
  tracks: number;
}

/** An M3U of `tracks` in order, named after `name`. */
export function playlistFile(name: string, tracks: Track[]): PlaylistFile {
  return { fileName: `${safeFileName(name)}.m3u8`, content: formatM3u(tracks), tracks: tracks.length };
}

export interface ClusterTracks {
  id: number;
  name: string;
  /** Most representative first. */
  tracks: Track[];
}

/**
 * One M3U per cluster, named "NN name" (the number keeps two clusters with the same generated name
 * apart and sorts the files as the run does). Empty clusters give no file.
 */
export function clusterPlaylists(clusters: ClusterTracks[]): PlaylistFile[] {
  const width = String(Math.max(0, ...clusters.map((c) => c.id))).length;
  return clusters
    .filter((c) => c.tracks.length > 0)
    .map((c) => playlistFile(`${String(c.id).padStart(width, '0')} ${c.name}`, c.tracks));
}
