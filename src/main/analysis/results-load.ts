/**
 * Loading stored results for similarity and clustering: every track's (or some tracks') features
 * with one model's embeddings and tags, a model's row counting only when it belongs with the
 * track's features (same features version).
 */
import type { Table } from '../store/db';
import { fixedListColumn, listDim, parseJson, pickRows, stringColumn } from '../store/columns';
import type { FeatureScalars } from '../../shared/types';
import { featuresPartOf } from './version';
import { inList } from './results-tables';

export interface AnalysisData {
  ids: string[];
  /** n × dF, row-major, raw (not normalised across the library). */
  features: Float32Array;
  featureNames: string[];
  scalars: FeatureScalars[];
  /** Mean embeddings of the chosen model, n × dim; rows of tracks without one are zeros (see `present`). */
  embedding: { model: string; dim: number; data: Float32Array; present: Uint8Array } | null;
  /** Mean tag probabilities of the same model, n × T. */
  tags: { model: string; names: string[]; data: Float32Array; present: Uint8Array } | null;
}

/** Which model's embedding to load: an id, null for none (features only), absent for the most used. */
export interface LoadOptions {
  model?: string | null;
}

/** Longest id list `loadSome` puts in a filter; more ids are picked from a full read. */
const MAX_IN_LIST = 500;

/** What loading reads from the store. */
export interface LoadSource {
  /** Null until the first result was written. */
  readonly analysis: Table | null;
  /** The results table of a model, if it has any results. */
  modelTable(model: string): Table | undefined;
  readonly featureNames: string[];
  tagNames(model: string): string[];
}

/** See `ResultsStore.loadAll` and `loadSome` (`wanted` null: every track). */
export async function loadAnalysisData(
  source: LoadSource,
  wanted: string[] | null,
  options: LoadOptions,
): Promise<AnalysisData> {
  const analysis = source.analysis;
  if (!analysis || wanted?.length === 0) {
    return {
      ids: [],
      features: new Float32Array(0),
      featureNames: wanted ? source.featureNames : [],
      scalars: [],
      embedding: null,
      tags: null,
    };
  }
  // A few ids are looked up with a filter; many are read in full and picked here.
  const filter = wanted && wanted.length <= MAX_IN_LIST ? inList(wanted) : null;
  const keep = wanted ? new Set(wanted) : null;
  const read = (table: Table, columns: string[]) => {
    const query = table.query().select(columns);
    return (filter ? query.where(filter) : query).toArrow();
  };
  const t = await read(analysis, ['trackId', 'analysisVersion', 'featureVector', 'scalars', 'models']);
  const allIds = stringColumn(t, 'trackId');
  const rowsOf = keep ? allIds.flatMap((id, i) => (keep.has(id) ? [i] : [])) : null;
  const pick = <T>(values: T[]): T[] => (rowsOf ? rowsOf.map((i) => values[i]) : values);
  const ids = pick(allIds);
  const n = ids.length;
  const versions = pick(stringColumn(t, 'analysisVersion'));
  const dF = listDim(t.schema, 'featureVector');
  const features = pickRows(fixedListColumn(t, 'featureVector', dF), dF, rowsOf);
  const scalars = pick(stringColumn(t, 'scalars')).map((s) =>
    parseJson<FeatureScalars>(s, {} as FeatureScalars),
  );
  const modelLists = pick(stringColumn(t, 'models')).map((s) => parseJson<string[]>(s, []));

  let model = options.model ?? null;
  if (options.model === undefined) {
    const counts = new Map<string, number>();
    for (const list of modelLists) for (const m of list) counts.set(m, (counts.get(m) ?? 0) + 1);
    let best = 0;
    for (const [m, c] of counts) if (c > best) [model, best] = [m, c];
  }
  const table = model ? source.modelTable(model) : undefined;
  let embedding: AnalysisData['embedding'] = null;
  let tags: AnalysisData['tags'] = null;
  if (model && table && n > 0) {
    // A model without tag outputs (a waveform model such as MERT) has no tags column.
    const withTags = listDim(await table.schema(), 'tags') > 0;
    const e = await read(table, ['trackId', 'analysisVersion', 'vector', ...(withTags ? ['tags'] : [])]);
    const dim = listDim(e.schema, 'vector');
    const tagDim = listDim(e.schema, 'tags');
    const vectors = fixedListColumn(e, 'vector', dim);
    const tagValues = tagDim > 0 ? fixedListColumn(e, 'tags', tagDim) : new Float32Array(0);
    const eIds = stringColumn(e, 'trackId');
    const eVersions = stringColumn(e, 'analysisVersion');
    const rowOf = new Map(ids.map((id, i) => [id, i]));
    const data = new Float32Array(n * dim);
    const tagData = new Float32Array(n * tagDim);
    const present = new Uint8Array(n);
    for (let j = 0; j < eIds.length; j++) {
      const i = rowOf.get(eIds[j]);
      // Another model's later run rewrote the features (the same at one features version): this
      // model's embedding still belongs with them.
      if (i === undefined || featuresPartOf(versions[i]) !== featuresPartOf(eVersions[j])) continue;
      present[i] = 1;
      data.set(vectors.subarray(j * dim, (j + 1) * dim), i * dim);
      if (tagDim > 0) tagData.set(tagValues.subarray(j * tagDim, (j + 1) * tagDim), i * tagDim);
    }
    if (present.some((p) => p === 1)) {
      embedding = { model, dim, data, present };
      if (tagDim > 0) tags = { model, names: source.tagNames(model), data: tagData, present };
    }
  }
  return { ids, features, featureNames: source.featureNames, scalars, embedding, tags };
}
