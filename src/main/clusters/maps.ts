/**
 * The 2-D maps of a described run. UMAP and PCA coordinates are stored with each member; the
 * t-SNE map is made on first request from the run's tracks in its space (in a worker process
 * above TSNE_IN_PROCESS tracks), and its caller stores it.
 */
import { ApiError } from '../../shared/contract';
import type { ClusterMap, Track } from '../../shared/types';
import type { Described } from './describe';
import { rowsById, vectorsAt, type ClusteringInput } from './input';
import type { MapRow } from './run-store';
import { runTsneInWorker } from './runner';
import { TSNE_LIMIT, tsne } from './tsne';

/** Catalogued tracks by id (unknown ids left out). */
export type TrackLookup = (ids: string[]) => Track[];

/** t-SNE is slower per track than a clustering: above this many it goes to a worker process. */
const TSNE_IN_PROCESS = 500;

/** A map of `d` with each point's coordinates from `rows`, labelled with its track where known. */
export function mapOf(
  d: Described,
  method: ClusterMap['method'],
  rows: MapRow[],
  lookup: TrackLookup,
): ClusterMap {
  const labelOf = new Map(d.members.map((mr) => [mr.trackId, mr.label]));
  const known = new Map(lookup(rows.map((r) => r.trackId)).map((t) => [t.id, t]));
  return {
    runId: d.run.id,
    method,
    stale: d.run.stale,
    points: rows.map((r) => {
      const t = known.get(r.trackId);
      return {
        id: r.trackId,
        x: r.x,
        y: r.y,
        clusterId: labelOf.get(r.trackId) ?? -1,
        ...(t ? { title: t.title || t.path, artist: t.artist } : {}),
      };
    }),
  };
}

/** The UMAP or PCA map stored with the run's members. */
export function storedMap(d: Described, method: 'umap' | 'pca', lookup: TrackLookup): ClusterMap {
  const umap = method === 'umap';
  const rows = d.members.map((mr) => ({
    trackId: mr.trackId,
    x: umap ? mr.x : mr.px,
    y: umap ? mr.y : mr.py,
  }));
  return mapOf(d, method, rows, lookup);
}

/** The t-SNE coordinates of the run's tracks still in `input` (the run's space now). */
export async function tsneRows(d: Described, input: ClusteringInput): Promise<MapRow[]> {
  const n = d.members.length;
  if (n > TSNE_LIMIT)
    throw new ApiError(
      'unavailable',
      `The t-SNE map is limited to ${TSNE_LIMIT.toLocaleString('en')} tracks (this run has ${n.toLocaleString('en')}): it would take too long here. Use the UMAP map (--method umap).`,
    );
  const rowOf = rowsById(input);
  const kept = d.members.filter((mr) => rowOf.has(mr.trackId));
  const m = vectorsAt(
    input,
    kept.map((mr) => rowOf.get(mr.trackId) as number),
  );
  const coordinates = m.n > TSNE_IN_PROCESS ? await runTsneInWorker(m, 1) : tsne(m, { seed: 1 }).data;
  return kept.map((mr, j) => ({ trackId: mr.trackId, x: coordinates[2 * j], y: coordinates[2 * j + 1] }));
}
