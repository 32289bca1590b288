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
import type { Schema } from 'apache-arrow';
import { makeArrowTable } from '@lancedb/lancedb';
import type { Database, Table } from '../store/db';
import { sqlString } from '../store/db';
import { listDim, parseJson, readNumber, readText, stringColumn } from '../store/columns';
import type { AnalysisErrorRecord, TagScore, TrackAnalysisInfo } from '../../shared/types';
import type { TrackAnalysisResult } from './types';
import { modelOfVersion } from './version';
import {
  ANALYSIS,
  ANALYSIS_ERRORS,
  EMBEDDINGS_PREFIX,
  EMBEDDINGS_SCHEMA_VERSION,
  FEATURE_NAMES_KEY,
  analysisSchema,
  embeddingsMigrations,
  embeddingsSchema,
  errorsSchema,
  inList,
  registerEmbeddings,
  registerExisting,
  safeModel,
  tagsKey,
  type Stamp,
} from './results-tables';
import { loadAnalysisData, type AnalysisData, type LoadOptions, type LoadSource } from './results-load';
import { modelCoverage, readStamps, stampsThatCount, type ModelCoverage } from './results-coverage';
import { readMusicTags, readTrackInfo, type TagSource } from './results-tags';

export { ANALYSIS, ANALYSIS_ERRORS, EMBEDDINGS_PREFIX } from './results-tables';
export type { Stamp } from './results-tables';
export type { AnalysisData, LoadOptions } from './results-load';
export type { ModelCoverage } from './results-coverage';

export interface AnalysisCounts {
  analysed: number;
  failed: number;
}

/** Writes between two compactions. */
const OPTIMIZE_EVERY = 50;

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

  /** Where the results are written (the database folder), for messages. */
  get location(): string {
    return this.db.uri;
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
      table = await this.db.recreateTable(ANALYSIS, analysisSchema(dim));
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
      const table = await this.db.recreateTable(name, embeddingsSchema(dim, tagCount));
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
    const [rows, failed] = await Promise.all([
      readStamps(this.analysis, 'analysedAt'),
      readStamps(this.errorsTable, 'at'),
    ]);
    const model = version ? modelOfVersion(version) : null;
    if (!version || !model) return { analysed: rows, failed };
    const own = await readStamps(this.modelTable(model), 'analysedAt');
    return { analysed: stampsThatCount(rows, own, version), failed };
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
    const { analysed, failed } = await this.stamps();
    return modelCoverage(analysed, failed, this.embeddings.values(), keep);
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
  getTrackInfo(trackId: string, topTags = 10): Promise<TrackAnalysisInfo | null> {
    return readTrackInfo(this.tagSource(), trackId, topTags);
  }

  /**
   * The top music tags (genres, moods, instruments, vocals) of many tracks at once, per model
   * whose results are usable with the track's features: trackId → model → tags, best first.
   */
  musicTags(trackIds: Iterable<string>, top = 5): Promise<Map<string, Record<string, TagScore[]>>> {
    return readMusicTags(this.tagSource(), trackIds, top);
  }

  private tagSource(): TagSource {
    return {
      analysis: this.analysis,
      embeddingTables: () => this.embeddings.values(),
      tagNames: (model) => this.tagNames(model),
      stamps: () => this.stamps(),
    };
  }

  private loadSource(): LoadSource {
    return {
      analysis: this.analysis,
      modelTable: (model) => this.modelTable(model),
      featureNames: this.featureNames,
      tagNames: (model) => this.tagNames(model),
    };
  }

  /**
   * Everything similarity and clustering need, for every track's latest analysis. The embedding is
   * the model given, else the one most analyses used; a track's embedding counts only when it was
   * made by the same analysis (version) as its features.
   */
  loadAll(options: LoadOptions = {}): Promise<AnalysisData> {
    return loadAnalysisData(this.loadSource(), null, options);
  }

  /**
   * The same as `loadAll`, restricted to the tracks given (those without stored results are left
   * out; rows come in storage order, `ids` says which). Without a model, the embedding is the one
   * most of these tracks used: pass the model of the data this subset joins to stay consistent.
   */
  loadSome(trackIds: Iterable<string>, options: LoadOptions = {}): Promise<AnalysisData> {
    return loadAnalysisData(this.loadSource(), [...new Set(trackIds)], options);
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
    // Older versions are gone now: the newest is what a lost manifest must be measured against.
    await this.db.markVersions();
  }
}
