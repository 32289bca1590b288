/**
 * The tracks a clustering run clusters: their vectors in the run's space, the features profiles
 * describe them with, and their tag probabilities. Analysed tracks come from the similarity
 * engine; imported tracks (no audio: another measurement) come from their stored feature table.
 */
import { ApiError } from '../../shared/contract';
import type { ParsedRequest } from '../../shared/contract';
import type { SimilaritySource, Track } from '../../shared/types';
import type { ImportedFeatures } from '../library/imported-store';
import { parseTrackQuery, QuerySyntaxError } from '../library/track-query';
import type { SimilarityEngine } from '../similarity/engine';
import { importedSpace, IMPORTED_WORDS } from './imported-space';
import type { Matrix } from './matrix';
import type { FeatureDescriptor } from './profiles';
import { SCALAR_WORDS, scalarTable } from './words';

/** The space a run is asked for ('default' is the engine's own choice). */
export type ClusterSpace = ParsedRequest<'clusters.run'>['space'];

/** The space a stored run was asked for: its `space` is stored as `asked:resolved`. */
export const askedSpace = (run: { space: string }): ClusterSpace => run.space.split(':')[0] as ClusterSpace;

/** The tracks a run clusters, their vectors in the run's space, and what profiles describe. */
export interface ClusteringInput {
  /** The space resolved: a similarity source, or 'imported' (the feature-table space). */
  source: SimilaritySource | 'imported';
  tracks: Track[];
  data: Float32Array;
  dim: number;
  features: { values: Matrix; descriptors: FeatureDescriptor[] };
  tags: { names: string[]; data: Float32Array } | null;
  /**
   * The values the space is derived from, when the derivation depends on the other rows (the
   * imported space standardises over them): fingerprints hash these, so that tracks joining
   * later do not make the run's own tracks look changed.
   */
  raw?: { data: Float32Array; dim: number };
}

/** Imported tracks and their stored feature values (null: none imported). */
export type ImportedSource = () => Promise<{ tracks: Track[]; features: ImportedFeatures } | null>;

/** The rows `rows` of a row-major table `dim` wide, in that order. */
export function pickRows(src: Float32Array, dim: number, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * dim);
  rows.forEach((r, j) => out.set(src.subarray(r * dim, (r + 1) * dim), j * dim));
  return out;
}

/** Each track's row in the input, by id. */
export const rowsById = (input: ClusteringInput): Map<string, number> =>
  new Map(input.tracks.map((t, i) => [t.id, i]));

/** The input's vectors of the rows `rows`, in that order. */
export const vectorsAt = (input: ClusteringInput, rows: readonly number[]): Matrix => ({
  data: pickRows(input.data, input.dim, rows),
  n: rows.length,
  dim: input.dim,
});

/** The rows of an input the predicate keeps (the input itself when it keeps all). */
function subsetOf(input: ClusteringInput, keep: ((t: Track) => boolean) | null): ClusteringInput {
  if (!keep) return input;
  const rows = input.tracks.flatMap((t, i) => (keep(t) ? [i] : []));
  if (rows.length === input.tracks.length) return input;
  const f = input.features.values;
  const tagDim = input.tags?.names.length ?? 0;
  return {
    source: input.source,
    tracks: rows.map((r) => input.tracks[r]),
    data: pickRows(input.data, input.dim, rows),
    dim: input.dim,
    features: {
      values: { data: pickRows(f.data, f.dim, rows), n: rows.length, dim: f.dim },
      descriptors: input.features.descriptors,
    },
    tags: input.tags ? { names: input.tags.names, data: pickRows(input.tags.data, tagDim, rows) } : null,
    ...(input.raw
      ? { raw: { data: pickRows(input.raw.data, input.raw.dim, rows), dim: input.raw.dim } }
      : {}),
  };
}

function sourceOf(space: ClusterSpace): SimilaritySource | undefined {
  return space === 'default' ? undefined : space;
}

/**
 * The tracks a run in `space` over `subset` (a track query, '' for all) clusters. Analysed
 * tracks come from the engine; imported tracks are clustered among themselves, in the 'features'
 * space when the selection holds no analysed track (docs/clusters.md).
 */
export async function clusteringInput(
  space: ClusterSpace,
  subset: string,
  engine: SimilarityEngine | null,
  imported: ImportedSource,
): Promise<ClusteringInput> {
  let keep: ((t: Track) => boolean) | null = null;
  if (subset) {
    try {
      keep = parseTrackQuery(subset).matches;
    } catch (err) {
      if (err instanceof QuerySyntaxError) throw new ApiError('bad_request', `--where: ${err.message}`);
      throw err;
    }
  }
  const e = engine?.clusteringInput(sourceOf(space));
  const analysed = subsetOf(
    e
      ? {
          source: e.source,
          tracks: e.tracks,
          data: e.data,
          dim: e.dim,
          features: { values: scalarTable(e.scalars), descriptors: SCALAR_WORDS },
          tags: e.tags,
        }
      : {
          source: sourceOf(space) ?? 'blend',
          tracks: [],
          data: new Float32Array(0),
          dim: 1,
          features: { values: scalarTable([]), descriptors: SCALAR_WORDS },
          tags: null,
        },
    keep,
  );
  if (space !== 'features' || analysed.tracks.length > 0) return analysed;
  const imp = await imported();
  if (!imp) return analysed;
  const byId = new Map(imp.tracks.map((t) => [t.id, t]));
  const dim = imp.features.values.length / Math.max(1, imp.features.ids.length);
  const rows = imp.features.ids.flatMap((id, i) => {
    const t = byId.get(id);
    return t && (!keep || keep(t)) ? [i] : [];
  });
  const values = pickRows(imp.features.values, dim, rows);
  const sp = importedSpace(values, rows.length);
  return {
    source: 'imported',
    tracks: rows.map((r) => byId.get(imp.features.ids[r]) as Track),
    data: sp.space.data,
    dim: sp.space.dim,
    features: { values: sp.scalars, descriptors: IMPORTED_WORDS },
    tags: null,
    raw: { data: values, dim },
  };
}
