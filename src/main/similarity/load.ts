/** Joins the catalog's tracks with the stored analysis results into the engine's input. */
import type { FeatureScalars, Track } from '../../shared/types';
import type { AnalysisData, ResultsStore } from '../analysis/results-store';
import type { Catalog } from '../library/catalog';
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
  const pick = (src: Float32Array, dim: number): Float32Array => {
    const out = new Float32Array(rows.length * dim);
    rows.forEach((r, j) => out.set(src.subarray(r * dim, (r + 1) * dim), j * dim));
    return out;
  };
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
