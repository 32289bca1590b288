/**
 * Where analysis results live: LanceDB tables registered on the shared database (catalog.db).
 *
 * - `analysis`: one row per track (its latest analysis): version, time, the feature vector
 *   (fixed-size list float32; its names in meta `analysis:featureNames`), the named scalars (JSON),
 *   the models embedded in that analysis (JSON) and the time spent decoding/extracting/embedding.
 * - `embeddings_<model>`: one row per track and model: the mean embedding, its std over patches and
 *   the mean tag probabilities (fixed-size lists), with the analysis version that produced them and
 *   when (schema 2; rows written before it read 0 and borrow the analysis row's time when their
 *   version matches). Tag names are kept in meta `embeddings:<model>:tags`.
 *
 * Results are kept per model: a run with another model rewrites the track's `analysis` row (its
 * features, identical at one features version) and its own `embeddings_<model>` rows, never
 * another model's. A model's embedding is usable while its features version matches the track's
 * analysis row; whether a track is done for a version is read from that version's model table.
 * - `analysis_errors`: the latest failure per track, with the version it failed at.
 *
 * Only the main process writes (the engine, in batches, with mergeInsert on trackId).
 */
import { Schema } from 'apache-arrow';
import { makeArrowTable } from '@lancedb/lancedb';
import type { Database, Migration, Table } from '../store/db';
import { sqlString } from '../store/db';
import {
  fixedListColumn,
  float32ListField,
  float64Field,
  int32Field,
  listDim,
  hasField,
  parseJson,
  pickRows,
  readNumber,
  readText,
  stringColumn,
  textField,
} from '../store/columns';
import type { AnalysisErrorRecord, FeatureScalars, TagScore, TrackAnalysisInfo } from '../../shared/types';
import type { TrackAnalysisResult } from './types';
import { featuresPartOf, modelOfVersion } from './version';
import { isMusicTag } from './models/tag-kinds';

export const ANALYSIS = 'analysis';
export const ANALYSIS_ERRORS = 'analysis_errors';
export const EMBEDDINGS_PREFIX = 'embeddings_';

const FEATURE_NAMES_KEY = 'analysis:featureNames';
const tagsKey = (model: string) => `embeddings:${model}:tags`;

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

/** A stored analysis or failure: at which analysis version, and when. */
export interface Stamp {
  version: string;
  at: number;
}

export interface AnalysisCounts {
  analysed: number;
  failed: number;
}

/** How much of the library one model's results cover. */
export interface ModelCoverage {
  model: string;
  /** Tracks with a usable embedding of this model (its features version matches the track's). */
  embedded: number;
  /** Tracks whose latest failure was at a version of this model. */
  failed: number;
}

function analysisSchema(featureDim: number): Schema {
  return new Schema([
    textField('trackId'),
    textField('analysisVersion'),
    float64Field('analysedAt'),
    float32ListField('featureVector', featureDim),
    /** JSON FeatureScalars. */
    textField('scalars'),
    /** JSON array of the model ids embedded in this analysis. */
    textField('models'),
    float64Field('decodeMs'),
    float64Field('featuresMs'),
    float64Field('embedMs'),
  ]);
}

function embeddingsSchema(dim: number, tagCount: number): Schema {
  const fields = [
    textField('trackId'),
    textField('model'),
    textField('analysisVersion'),
    float32ListField('vector', dim),
    float32ListField('std', dim),
    int32Field('patches'),
    float64Field('analysedAt'),
  ];
  if (tagCount > 0) fields.push(float32ListField('tags', tagCount));
  return new Schema(fields);
}

const errorsSchema = new Schema([
  textField('trackId'),
  textField('path'),
  textField('reason'),
  textField('analysisVersion'),
  float64Field('at'),
]);

/** Writes between two compactions. */
const OPTIMIZE_EVERY = 50;

const safeModel = (model: string): string => model.replace(/[^0-9a-zA-Z_-]/g, '_');
const inList = (ids: string[]) => `trackId IN (${ids.map(sqlString).join(', ')})`;
/** Longest id list `loadSome` puts in a filter; more ids are picked from a full read. */
const MAX_IN_LIST = 500;

export class ResultsStore {
  /** Null until the first result fixes the feature vector's length. */
  private analysis: Table | null;
  private readonly errorsTable: Table;
  private readonly embeddings = new Map<string, Table>();
  private writing: Promise<void> = Promise.resolve();
  private readonly idCache = new WeakMap<Table, Set<string>>();
  private writesSinceOptimize = 0;

  private constructor(
    private readonly db: Database,
    analysis: Table | null,
    errorsTable: Table,
  ) {
    this.analysis = analysis;
    this.errorsTable = errorsTable;
  }

  /** Registers (creating or migrating) the analysis tables on the shared database. */
  static async open(db: Database): Promise<ResultsStore> {
    const names = await db.connection.tableNames();
    const analysis = names.includes(ANALYSIS) ? await registerExisting(db, ANALYSIS) : null;
    const errorsTable = await db.registerTable({ name: ANALYSIS_ERRORS, schema: errorsSchema, version: 1 });
    const store = new ResultsStore(db, analysis, errorsTable);
    for (const name of names) {
      if (name.startsWith(EMBEDDINGS_PREFIX)) store.embeddings.set(name, await registerEmbeddings(db, name));
    }
    return store;
  }

  /** Tag names of a model (stored when its first results were written). */
  tagNames(model: string): string[] {
    return parseJson<string[]>(this.db.getMeta(tagsKey(model)), []);
  }

  /** Records the tag names of a model (from its manifest); needed before its tags can be named. */
  async setTagNames(model: string, names: string[]): Promise<void> {
    await this.db.setMeta(tagsKey(model), JSON.stringify(names));
  }

  get featureNames(): string[] {
    return parseJson<string[]>(this.db.getMeta(FEATURE_NAMES_KEY), []);
  }

  /**
   * Writes a batch: results upserted (analysis + embeddings), their old errors removed, errors
   * upserted. Writes are serialised; a batch is written completely before the next starts.
   */
  write(results: TrackAnalysisResult[], errors: AnalysisErrorRecord[] = []): Promise<void> {
    const run = this.writing.then(() => this.writeNow(results, errors));
    this.writing = run.catch(() => undefined);
    return run;
  }

  private async writeNow(results: TrackAnalysisResult[], errors: AnalysisErrorRecord[]): Promise<void> {
    if (results.length > 0) {
      const analysis = await this.featureTable(results[0].features.vector.length, results[0].features.names);
      const dim = listDim(await analysis.schema(), 'featureVector');
      const now = Date.now();
      const rows = results
        .filter((r) => r.features.vector.length === dim)
        .map((r) => ({
          trackId: r.trackId,
          analysisVersion: r.analysisVersion,
          analysedAt: now,
          featureVector: Array.from(r.features.vector),
          scalars: JSON.stringify(r.features.scalars),
          models: JSON.stringify(r.embeddings.map((e) => e.model)),
          decodeMs: r.timings.decodeMs,
          featuresMs: r.timings.featuresMs,
          embedMs: r.timings.embeddingMs,
        }));
      if (rows.length !== results.length) {
        throw new Error(`feature vectors of mixed lengths in one batch (table expects ${dim})`);
      }
      const byModel = new Map<string, Record<string, unknown>[]>();
      for (const r of results) {
        for (const e of r.embeddings) {
          const list = byModel.get(e.model) ?? [];
          list.push({
            trackId: r.trackId,
            model: e.model,
            analysisVersion: r.analysisVersion,
            vector: Array.from(e.mean),
            std: Array.from(e.std),
            patches: e.patches,
            analysedAt: now,
            ...(e.tags.length > 0 ? { tags: Array.from(e.tags) } : {}),
          });
          byModel.set(e.model, list);
        }
      }
      for (const [model, list] of byModel) {
        const first = results.flatMap((r) => r.embeddings).find((e) => e.model === model);
        if (!first) continue;
        const table = await this.embeddingTable(model, first.mean.length, first.tags.length);
        await this.put(table, list, await table.schema());
      }
      await this.put(analysis, rows, await analysis.schema());
      // A success clears the track's earlier failure, if it has one.
      const failedIds = await this.idsOf(this.errorsTable);
      const cleared = results.map((r) => r.trackId).filter((id) => failedIds.has(id));
      if (cleared.length > 0) {
        await this.errorsTable.delete(inList(cleared));
        for (const id of cleared) failedIds.delete(id);
      }
    }
    if (errors.length > 0) {
      await this.put(
        this.errorsTable,
        errors.map((e) => ({ ...e })),
        errorsSchema,
      );
    }
    // Each write adds a fragment and a version: compact now and then during long runs.
    if (++this.writesSinceOptimize >= OPTIMIZE_EVERY) await this.optimize();
  }

  /** The trackIds a table holds (read once, then kept up to date by this store's own writes). */
  private async idsOf(table: Table): Promise<Set<string>> {
    let ids = this.idCache.get(table);
    if (!ids) {
      ids = new Set(stringColumn(await table.query().select(['trackId']).toArrow(), 'trackId'));
      this.idCache.set(table, ids);
    }
    return ids;
  }

  /**
   * Upsert by trackId: rows of tracks the table does not hold yet are appended (cheap), the others
   * go through mergeInsert (which has to look up the existing rows).
   */
  private async put(table: Table, rows: Record<string, unknown>[], schema: Schema): Promise<void> {
    const last = new Map<string, Record<string, unknown>>();
    for (const r of rows) last.set(r.trackId as string, r);
    const known = await this.idsOf(table);
    const fresh: Record<string, unknown>[] = [];
    const existing: Record<string, unknown>[] = [];
    for (const [id, r] of last) (known.has(id) ? existing : fresh).push(r);
    if (fresh.length > 0) {
      await table.add(makeArrowTable(fresh, { schema }));
      // Known at once: if the mergeInsert below fails, a retry must not append these rows again.
      for (const r of fresh) known.add(r.trackId as string);
    }
    if (existing.length > 0) {
      await table
        .mergeInsert('trackId')
        .whenMatchedUpdateAll()
        .whenNotMatchedInsertAll()
        .execute(makeArrowTable(existing, { schema }));
    }
  }

  /** Waits for writes in flight. */
  flushed(): Promise<void> {
    return this.writing;
  }

  private async featureTable(dim: number, names: string[]): Promise<Table> {
    let table = this.analysis;
    if (!table) {
      table = await this.db.registerTable({ name: ANALYSIS, schema: analysisSchema(dim), version: 1 });
    } else if (listDim(await table.schema(), 'featureVector') !== dim) {
      // The feature extractor changed its vector length (a new FEATURES_VERSION): every stored
      // row is stale anyway and cannot live in the new schema, so the table starts over.
      await this.db.connection.dropTable(ANALYSIS);
      table = await this.db.connection.createEmptyTable(ANALYSIS, analysisSchema(dim));
    }
    this.analysis = table;
    if (this.db.getMeta(FEATURE_NAMES_KEY) !== JSON.stringify(names)) {
      await this.db.setMeta(FEATURE_NAMES_KEY, JSON.stringify(names));
    }
    return table;
  }

  private async embeddingTable(model: string, dim: number, tagCount: number): Promise<Table> {
    const name = EMBEDDINGS_PREFIX + safeModel(model);
    const existing = this.embeddings.get(name);
    if (existing) {
      const schema = await existing.schema();
      if (listDim(schema, 'vector') === dim && listDim(schema, 'tags') === tagCount) return existing;
      // Same model id, different shape (a new conversion): the old rows cannot be kept.
      await this.db.connection.dropTable(name);
      const table = await this.db.connection.createEmptyTable(name, embeddingsSchema(dim, tagCount));
      this.embeddings.set(name, table);
      return table;
    }
    const table = await this.db.registerTable({
      name,
      schema: embeddingsSchema(dim, tagCount),
      version: EMBEDDINGS_SCHEMA_VERSION,
      migrations: embeddingsMigrations,
    });
    this.embeddings.set(name, table);
    return table;
  }

  /** The results table of a model, if it has any results. */
  private modelTable(model: string): Table | undefined {
    return this.embeddings.get(EMBEDDINGS_PREFIX + safeModel(model));
  }

  /** Models with stored results (their ids as written in the rows). */
  async models(): Promise<string[]> {
    const out: string[] = [];
    for (const table of this.embeddings.values()) {
      const t = await table.query().select(['model']).limit(1).toArrow();
      const model = stringColumn(t, 'model')[0];
      if (model) out.push(model);
    }
    return out.sort();
  }

  /** trackId → analysis version of its stored results. */
  async versions(): Promise<Map<string, string>> {
    if (!this.analysis) return new Map();
    const t = await this.analysis.query().select(['trackId', 'analysisVersion']).toArrow();
    const ids = stringColumn(t, 'trackId');
    const versions = stringColumn(t, 'analysisVersion');
    return new Map(ids.map((id, i) => [id, versions[i]]));
  }

  /** trackId → analysis version it last failed at. */
  async failedVersions(): Promise<Map<string, string>> {
    const t = await this.errorsTable.query().select(['trackId', 'analysisVersion']).toArrow();
    const ids = stringColumn(t, 'trackId');
    const versions = stringColumn(t, 'analysisVersion');
    return new Map(ids.map((id, i) => [id, versions[i]]));
  }

  /**
   * Each track's stored analysis and failure: the version and when (ms since the epoch).
   * With a model's version, `analysed` holds what counts for that version: the model's own
   * results (another model's run neither makes them stale nor counts for them), for tracks whose
   * analysis row is at the version's features version (older features are redone). Any other
   * version (features only) is the analysis row's own.
   */
  async stamps(version?: string): Promise<{ analysed: Map<string, Stamp>; failed: Map<string, Stamp> }> {
    const read = async (table: Table | null | undefined, at: string): Promise<Map<string, Stamp>> => {
      if (!table) return new Map();
      const columns = ['trackId', 'analysisVersion'];
      if (hasField(await table.schema(), at)) columns.push(at);
      const t = await table.query().select(columns).toArrow();
      const ids = stringColumn(t, 'trackId');
      const versions = stringColumn(t, 'analysisVersion');
      const times = t.getChild(at)?.toArray() ?? [];
      return new Map(ids.map((id, i) => [id, { version: versions[i], at: readNumber(times[i]) }]));
    };
    const [rows, failed] = await Promise.all([
      read(this.analysis, 'analysedAt'),
      read(this.errorsTable, 'at'),
    ]);
    const model = version ? modelOfVersion(version) : null;
    if (!version || !model) return { analysed: rows, failed };
    const features = featuresPartOf(version);
    const analysed = new Map<string, Stamp>();
    for (const [id, s] of await read(this.modelTable(model), 'analysedAt')) {
      const row = rows.get(id);
      if (!row || featuresPartOf(row.version) !== features) continue;
      // Rows from before schema 2 have no time: the analysis that wrote them has it.
      analysed.set(id, { version: s.version, at: s.at === 0 && row.version === s.version ? row.at : s.at });
    }
    return { analysed, failed };
  }

  /**
   * Tracks analysed and failed; at one version when given (a model's version: that model's own
   * results, see `stamps`), else at any.
   */
  async counts(version?: string): Promise<AnalysisCounts> {
    const exact = version ? `analysisVersion = ${sqlString(version)}` : undefined;
    const failed = this.errorsTable.countRows(exact);
    if (version && modelOfVersion(version)) {
      const { analysed } = await this.stamps(version);
      let n = 0;
      for (const s of analysed.values()) if (s.version === version) n++;
      return { analysed: n, failed: await failed };
    }
    const analysed = this.analysis ? this.analysis.countRows(exact) : Promise.resolve(0);
    return { analysed: await analysed, failed: await failed };
  }

  /**
   * Per model with results: how many tracks its embeddings cover (usable: at the features version
   * of the track's analysis) and how many tracks last failed at one of its versions. Only tracks
   * in `keep` count when given (the catalog's present tracks).
   */
  async coverage(keep?: ReadonlySet<string>): Promise<ModelCoverage[]> {
    const { analysed: rows, failed } = await this.stamps();
    const failedBy = new Map<string, number>();
    for (const [id, s] of failed) {
      const m = modelOfVersion(s.version);
      if (m && (!keep || keep.has(id))) failedBy.set(m, (failedBy.get(m) ?? 0) + 1);
    }
    const out: ModelCoverage[] = [];
    for (const table of this.embeddings.values()) {
      const t = await table.query().select(['trackId', 'model', 'analysisVersion']).toArrow();
      const model = stringColumn(t, 'model')[0];
      if (!model) continue;
      const ids = stringColumn(t, 'trackId');
      const versions = stringColumn(t, 'analysisVersion');
      let embedded = 0;
      ids.forEach((id, i) => {
        const row = rows.get(id);
        if (row && (!keep || keep.has(id)) && featuresPartOf(row.version) === featuresPartOf(versions[i]))
          embedded++;
      });
      out.push({ model, embedded, failed: failedBy.get(model) ?? 0 });
    }
    for (const [model, n] of failedBy)
      if (!out.some((c) => c.model === model)) out.push({ model, embedded: 0, failed: n });
    return out.sort((a, b) => a.model.localeCompare(b.model));
  }

  /** Failures, most recent first. */
  async errors(
    page: { offset?: number; limit?: number } = {},
  ): Promise<{ total: number; errors: AnalysisErrorRecord[] }> {
    const rows = (await this.errorsTable.query().toArray()) as Record<string, unknown>[];
    const all = rows
      .map((r) => ({
        trackId: readText(r.trackId),
        path: readText(r.path),
        reason: readText(r.reason),
        analysisVersion: readText(r.analysisVersion),
        at: readNumber(r.at),
      }))
      .sort((a, b) => b.at - a.at || a.path.localeCompare(b.path));
    const offset = page.offset ?? 0;
    const limit = page.limit ?? 100;
    return { total: all.length, errors: all.slice(offset, offset + limit) };
  }

  /**
   * What the UI shows about one track's analysis: its top music tags (genres, moods, instruments;
   * never labels such as "Music" or "Speech") for every model whose results it has.
   */
  async getTrackInfo(trackId: string, topTags = 10): Promise<TrackAnalysisInfo | null> {
    if (!this.analysis) return null;
    const rows = (await this.analysis
      .query()
      .where(`trackId = ${sqlString(trackId)}`)
      .select(['trackId', 'analysisVersion', 'analysedAt', 'scalars', 'models'])
      .limit(1)
      .toArray()) as Record<string, unknown>[];
    if (rows.length === 0) return null;
    const row = rows[0];
    const version = readText(row.analysisVersion);
    const features = featuresPartOf(version);
    const models: string[] = [];
    const tags: Record<string, TagScore[]> = {};
    for (const table of this.embeddings.values()) {
      const withTags = listDim(await table.schema(), 'tags') > 0;
      const t = await table
        .query()
        .where(`trackId = ${sqlString(trackId)}`)
        .select(['model', 'analysisVersion', ...(withTags ? ['tags'] : [])])
        .limit(1)
        .toArrow();
      if (t.numRows === 0 || featuresPartOf(stringColumn(t, 'analysisVersion')[0]) !== features) continue;
      const model = stringColumn(t, 'model')[0];
      models.push(model);
      if (!withTags) continue;
      const dim = listDim(t.schema, 'tags');
      const scores = fixedListColumn(t, 'tags', dim);
      const names = this.tagNames(model);
      tags[model] = Array.from(scores, (score, i) => ({ tag: names[i] ?? `tag${i}`, score }))
        .filter((s) => isMusicTag(s.tag, names))
        .sort((a, b) => b.score - a.score)
        .slice(0, topTags);
    }
    // The models of this track's latest analysis first, then the others by name.
    const latest = parseJson<string[]>(row.models, []);
    models.sort((a, b) => Number(latest.includes(b)) - Number(latest.includes(a)) || a.localeCompare(b));
    return {
      trackId,
      analysisVersion: version,
      analysedAt: readNumber(row.analysedAt),
      features: parseJson<FeatureScalars>(row.scalars, {} as FeatureScalars),
      tags,
      models,
    };
  }

  /**
   * The top music tags (genres, moods, instruments, vocals) of many tracks at once, per model
   * whose results are usable with the track's features: trackId → model → tags, best first.
   */
  async musicTags(trackIds: Iterable<string>, top = 5): Promise<Map<string, Record<string, TagScore[]>>> {
    const wanted = new Set(trackIds);
    const out = new Map<string, Record<string, TagScore[]>>();
    if (wanted.size === 0) return out;
    const { analysed: rows } = await this.stamps();
    for (const table of this.embeddings.values()) {
      if (listDim(await table.schema(), 'tags') === 0) continue;
      const t = await table.query().select(['trackId', 'model', 'analysisVersion', 'tags']).toArrow();
      const dim = listDim(t.schema, 'tags');
      const values = fixedListColumn(t, 'tags', dim);
      const ids = stringColumn(t, 'trackId');
      const versions = stringColumn(t, 'analysisVersion');
      const model = stringColumn(t, 'model')[0];
      const names = this.tagNames(model);
      const shown = names.map((n) => isMusicTag(n, names));
      ids.forEach((id, j) => {
        const row = rows.get(id);
        if (!wanted.has(id) || !row || featuresPartOf(row.version) !== featuresPartOf(versions[j])) return;
        const scores: TagScore[] = [];
        for (let k = 0; k < dim; k++) {
          if (shown[k]) scores.push({ tag: names[k] ?? `tag${k}`, score: values[j * dim + k] });
        }
        scores.sort((a, b) => b.score - a.score);
        const entry = out.get(id) ?? {};
        entry[model] = scores.slice(0, top);
        out.set(id, entry);
      });
    }
    return out;
  }

  /**
   * Everything similarity and clustering need, for every track's latest analysis. The embedding is
   * the model given, else the one most analyses used; a track's embedding counts only when it was
   * made by the same analysis (version) as its features.
   */
  loadAll(options: LoadOptions = {}): Promise<AnalysisData> {
    return this.load(null, options);
  }

  /**
   * The same as `loadAll`, restricted to the tracks given (those without stored results are left
   * out; rows come in storage order, `ids` says which). Without a model, the embedding is the one
   * most of these tracks used: pass the model of the data this subset joins to stay consistent.
   */
  loadSome(trackIds: Iterable<string>, options: LoadOptions = {}): Promise<AnalysisData> {
    return this.load([...new Set(trackIds)], options);
  }

  private async load(wanted: string[] | null, options: LoadOptions): Promise<AnalysisData> {
    if (!this.analysis || wanted?.length === 0) {
      return {
        ids: [],
        features: new Float32Array(0),
        featureNames: wanted ? this.featureNames : [],
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
    const t = await read(this.analysis, ['trackId', 'analysisVersion', 'featureVector', 'scalars', 'models']);
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
    const table = model ? this.embeddings.get(EMBEDDINGS_PREFIX + safeModel(model)) : undefined;
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
        if (tagDim > 0) tags = { model, names: this.tagNames(model), data: tagData, present };
      }
    }
    return { ids, features, featureNames: this.featureNames, scalars, embedding, tags };
  }

  /** Removes every row of tracks no longer in the catalog; returns how many tracks were removed. */
  async prune(existingIds: Iterable<string>): Promise<number> {
    const keep = new Set(existingIds);
    const removed = new Set<string>();
    for (const table of this.tables()) {
      const t = await table.query().select(['trackId']).toArrow();
      const stale = [...new Set(stringColumn(t, 'trackId').filter((id) => !keep.has(id)))];
      for (let i = 0; i < stale.length; i += 500) await table.delete(inList(stale.slice(i, i + 500)));
      const cached = this.idCache.get(table);
      for (const id of stale) cached?.delete(id);
      for (const id of stale) removed.add(id);
    }
    return removed.size;
  }

  private tables(): Table[] {
    return [...(this.analysis ? [this.analysis] : []), this.errorsTable, ...this.embeddings.values()];
  }

  /** Compacts the small fragments batched writes leave behind (call after a run). */
  async optimize(): Promise<void> {
    this.writesSinceOptimize = 0;
    for (const table of this.tables()) {
      await table.optimize({ cleanupOlderThan: new Date(Date.now() - 60_000) });
    }
  }
}

/** Schema 2 of the per-model tables adds `analysedAt` (a model's own time, for re-analysis checks). */
const EMBEDDINGS_SCHEMA_VERSION = 2;
const embeddingsMigrations: Record<number, Migration> = {
  1: async ({ table }) => {
    if (hasField(await table.schema(), 'analysedAt')) return;
    await table.addColumns([{ name: 'analysedAt', valueSql: 'CAST(0 AS DOUBLE)' }]);
  },
};

/** Registers an existing per-model table, migrating it to the current schema. */
async function registerEmbeddings(db: Database, name: string): Promise<Table> {
  const existing = await db.connection.openTable(name);
  const schema = await existing.schema();
  existing.close();
  return db.registerTable({
    name,
    schema,
    version: EMBEDDINGS_SCHEMA_VERSION,
    migrations: embeddingsMigrations,
  });
}

/** Registers a table that already exists, with the schema it has. */
async function registerExisting(db: Database, name: string): Promise<Table> {
  const existing = await db.connection.openTable(name);
  const schema = await existing.schema();
  existing.close();
  return db.registerTable({ name, schema, version: 1 });
}
