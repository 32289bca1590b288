/** Joins the catalog's tracks with the stored analysis results into the engine's input. */
import type { FeatureScalars, Track } from '../../shared/types';
import type { AnalysisData, ResultsStore } from '../analysis/results-store';
import type { Catalog } from '../library/catalog';
import { pickRows } from '../store/columns';
import type { SimilarityInput } from './corpus';

/** Keeps the analysed tracks that are still in the catalog (and present), in one order for every array. */
export function joinSimilarityInput(tracks: Track[], data: AnalysisData): SimilarityInput {
  const byId = new Map(tracks.map((t) => [t.id, t]));
  const rows: number[] = [];
  const kept: Track[] = [];
  data.ids.forEach((id, i) => {
    const t = byId.get(id);
    if (t && t.status !== 'missing') {
      rows.push(i);
      kept.push(t);
    }
  });
  const pick = (src: Float32Array, dim: number): Float32Array => pickRows(src, dim, rows);
  const dF = data.featureNames.length;
  const scalars: FeatureScalars[] = rows.map((r) => data.scalars[r]);
  const e = data.embedding;
  const g = data.tags;
  const tagDim = g && data.ids.length > 0 ? g.data.length / data.ids.length : 0;
  return {
    tracks: kept,
    features: pick(data.features, dF),
    featureNames: data.featureNames,
    scalars,
    // Rows of tracks without an embedding stay zero: the engine treats zero rows as "no embedding".
    embedding: e ? { model: e.model, dim: e.dim, data: pick(e.data, e.dim) } : null,
    tags:
      g && tagDim === g.names.length && tagDim > 0
        ? { model: g.model, names: g.names, data: pick(g.data, tagDim) }
        : null,
  };
}

export async function loadSimilarityInput(catalog: Catalog, results: ResultsStore): Promise<SimilarityInput> {
  const [tracks, data] = await Promise.all([catalog.allTracks(), results.loadAll()]);
  return joinSimilarityInput(tracks, data);
}

/** The engine input of a few tracks, for `SimilarityEngine.add`. */
export interface SimilarityBatch {
  input: SimilarityInput;
  /**
   * Every kept track has an embedding of the model asked for (with none asked for: no track has
   * one). When false, adding the batch would not match what a full rebuild makes of it.
   */
  consistent: boolean;
}

/**
 * Loads the analysed tracks among `ids` (still in the catalog and present), embedded with `model`,
 * the embedding model of the engine they are meant for (null: it has none).
 */
export async function loadSimilarityBatch(
  catalog: Catalog,
  results: ResultsStore,
  ids: string[],
  model: string | null,
): Promise<SimilarityBatch> {
  const [found, data] = await Promise.all([
    Promise.all(ids.map((id) => catalog.get(id))),
    results.loadSome(ids, model ? { model } : {}),
  ]);
  const tracks = found.filter((t): t is Track => t !== null && t.status !== 'missing');
  const kept = new Set(tracks.map((t) => t.id));
  const rows = data.ids.flatMap((id, i) => (kept.has(id) ? [i] : []));
  const e = data.embedding;
  const consistent =
    model === null
      ? e === null || rows.every((i) => e.present[i] === 0)
      : rows.length === 0 || (e !== null && e.model === model && rows.every((i) => e.present[i] === 1));
  return { input: joinSimilarityInput(tracks, data), consistent };
}
