/**
 * The files an export request makes: a CSV of a run's tracks, an M3U playlist of one cluster or of
 * any tracks, or one playlist per cluster (clusters/export.ts writes the formats).
 */
import { ApiError } from '../../shared/contract';
import type { ParsedRequest } from '../../shared/contract';
import type { ExportFile } from '../../shared/types';
import type { Described } from './describe';
import { clusterCsv, clusterPlaylists, playlistFile, type ExportRow } from './export';
import type { TrackLookup } from './maps';

type ExportRequest = ParsedRequest<'clusters.export'>;

const m3u = (f: { fileName: string; content: string; tracks: number }): ExportFile => ({
  ...f,
  mimeType: 'audio/x-mpegurl',
});

/** A playlist of any catalogued tracks. */
export function tracksExport(
  req: Extract<ExportRequest, { kind: 'tracks' }>,
  lookup: TrackLookup,
): ExportFile[] {
  const tracks = lookup(req.ids);
  if (tracks.length === 0) throw new ApiError('not_found', 'None of these tracks is in the library.');
  return [m3u(playlistFile(req.name ?? 'Timbre selection', tracks))];
}

/** `ids` with the run's most typical members (highest membership strength) first. */
function byStrength(d: Described, ids: string[]): string[] {
  const strength = new Map(d.members.map((mr) => [mr.trackId, mr.strength]));
  return [...ids].sort((a, b) => (strength.get(b) ?? 0) - (strength.get(a) ?? 0));
}

function csvExport(d: Described, names: Map<number, string>, lookup: TrackLookup): ExportFile {
  const byId = new Map(lookup(d.members.map((mr) => mr.trackId)).map((t) => [t.id, t]));
  const rows: ExportRow[] = [];
  for (const mr of d.members) {
    const track = byId.get(mr.trackId);
    if (!track) continue;
    rows.push({
      track,
      clusterId: mr.label,
      clusterName: names.get(mr.label) ?? '',
      strength: mr.strength,
      x: mr.x,
      y: mr.y,
      pcaX: mr.px,
      pcaY: mr.py,
    });
  }
  // Cluster by cluster (noise last), strongest members first: reads like the Clusters screen.
  rows.sort(
    (a, b) =>
      (a.clusterId < 0 ? 1 : 0) - (b.clusterId < 0 ? 1 : 0) ||
      a.clusterId - b.clusterId ||
      b.strength - a.strength,
  );
  const day = new Date(d.run.createdAt).toISOString().slice(0, 10);
  return {
    fileName: `timbre-clusters-${day}-${d.run.algorithm}.csv`,
    mimeType: 'text/csv',
    content: clusterCsv(rows),
    tracks: rows.length,
  };
}

/** The files of an export of the run `d` (a CSV, one cluster's playlist, or every cluster's). */
export function runExport(
  req: Exclude<ExportRequest, { kind: 'tracks' }>,
  d: Described,
  lookup: TrackLookup,
): ExportFile[] {
  const names = new Map(d.list.clusters.map((c) => [c.id, c.name]));
  if (req.kind === 'csv') return [csvExport(d, names, lookup)];
  if (req.kind === 'cluster') {
    const ids =
      req.clusterId < 0 ? d.list.noiseIds : d.list.clusters.find((c) => c.id === req.clusterId)?.trackIds;
    if (!ids) throw new ApiError('not_found', `The run has no cluster ${req.clusterId}.`);
    const name =
      req.clusterId < 0 ? 'In no cluster' : (names.get(req.clusterId) ?? `Cluster ${req.clusterId}`);
    const tracks = lookup(byStrength(d, ids));
    if (tracks.length === 0) throw new ApiError('not_found', 'None of these tracks is in the library.');
    return [m3u(playlistFile(name, tracks))];
  }
  return clusterPlaylists(
    d.list.clusters.map((c) => ({ id: c.id, name: c.name, tracks: lookup(byStrength(d, c.trackIds)) })),
  ).map(m3u);
}
