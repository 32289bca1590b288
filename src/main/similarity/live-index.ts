/**
 * Keeps one similarity engine built over the latest analysis results. After a scan or a settings
 * change it is marked stale: queries keep being answered by the stale engine while one rebuild runs
 * in the background (a rebuild takes seconds on a large library); only the very first query, or one
 * after a settings change, waits for a build.
 *
 * Newly analysed tracks do not wait for a rebuild: `added` appends them to the engine in place
 * (`SimilarityEngine.add`, normalised with the last build's statistics). Every addition is logged
 * with a sequence number; a build remembers where the log stood when it began reading the
 * database (everything logged before is in what it reads) and applies the rest before it is
 * served, so a build that overlaps additions never drops them. Tracks analysed again, additions
 * that do not fit the engine (another feature layout or embedding model) and any failure fall back
 * to the throttled rebuild; so does growth by a quarter through additions, whose statistics drift.
 *
 * Each build chooses the model whose embeddings answer (`chooseAnsweringModel`): the one the
 * settings ask for once it covers the library, else the one that covers most, so a model switch
 * keeps answering with the previous model while the new one is analysed, and the switch happens
 * at the first rebuild after the new model caught up.
 */
import type { Settings } from '../../shared/types';
import { ApiError } from '../../shared/contract';
import type { ResultsStore } from '../analysis/results-store';
import type { Catalog } from '../library/catalog';
import { SimilarityEngine } from './engine';
import type { SimilarityInput } from './engine';
import { joinSimilarityInput, loadSimilarityBatch } from './load';
import { chooseAnsweringModel, type ModelChoice } from './model-choice';

/**
 * While analysis writes results every few seconds, a stale engine is rebuilt no sooner than a few
 * build times after the last rebuild started (a 100k library takes ~20 s of CPU that the analysis
 * also wants; a small one rebuilds almost at once), and never less often than this.
 */
const MAX_REBUILD_INTERVAL_MS = 30_000;
const REBUILD_INTERVAL_PER_BUILD = 5;
/** Growth through additions after which the engine is rebuilt (new library statistics). */
const REBUILD_AFTER_GROWTH = 0.25;
/**
 * An addition costs time in proportion to the library (its arrays are copied: ~0.8 s at 100k
 * tracks): the next one waits this many times as long, gathering what was written meanwhile, so
 * additions take at most a fifth of the main thread. A small library adds at once.
 */
const ADD_PACE = 4;

/** An engine and what it holds. */
interface Entry {
  engine: SimilarityEngine;
  /** Which model answers, and why. */
  choice: ModelChoice;
  /** Tracks the engine holds. */
  ids: Set<string>;
  /** Every addition logged before this sequence number is in the engine. */
  seq: number;
  builtSize: number;
  /** What additions must match: the build's feature names, embedding model and dim, tag names. */
  featureNames: string;
  model: string | null;
  embeddingDim: number;
  tagNames: string;
  epoch: number;
  /** Replaced, reset or broken: never added to or served again. */
  retired: boolean;
  /** Growth has already marked it stale. */
  grown: boolean;
  /** When the next addition may start (see ADD_PACE). */
  nextAddAt: number;
  /** Additions are applied one batch at a time. */
  applying: Promise<void>;
}

export class LiveSimilarityIndex {
  private lastBuildStartedAt = 0;
  private lastBuildMs = 0;
  /** Bumped by reset(): a build started before it must never be served. */
  private epoch = 0;
  private ready: Entry | null = null;
  private building: Promise<SimilarityEngine> | null = null;
  private closed = false;
  /** Where the log stood when the build in flight began reading. */
  private buildingSeq = 0;
  /** Bumped by every invalidation; an engine built from an older generation is stale. */
  private generation = 0;
  private builtGeneration = -1;
  /** Track ids of additions, from sequence number `logStart` on (older ones are in every engine). */
  private log: string[] = [];
  private logStart = 0;
  /**
   * Tracks that had stored results at the last database read or were added since (null before
   * the first read): an addition of one of these is a re-analysis, which only a rebuild updates.
   */
  private rowIds: Set<string> | null = null;

  constructor(
    private readonly catalog: Catalog,
    private readonly results: ResultsStore,
    private readonly settings: () => Promise<Settings>,
  ) {}

  /** New data: the current engine may still answer while a fresh one is built. */
  invalidate(): void {
    this.generation++;
  }

  /** Settings changed what answers mean: never answer with the old engine again. */
  reset(): void {
    this.generation++;
    this.epoch++;
    if (this.ready) this.ready.retired = true;
    this.ready = null;
    this.building = null;
  }

  /**
   * These tracks' analysis results were just written. New tracks are added to the engine in place
   * (resolves once the current engine answers with them); re-analysed ones mark it stale.
   * Never rejects: whatever cannot be added is left to a rebuild.
   */
  async added(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const rowIds = this.rowIds;
    if (!rowIds || ids.some((id) => rowIds.has(id))) this.invalidate();
    for (const id of ids) {
      this.log.push(id);
      rowIds?.add(id);
    }
    if (this.ready) await this.catchUp(this.ready);
    else this.trimLog();
  }

  /**
   * Before the database closes: no build or catch-up starts any more, and those under way end
   * first (they read the tables). Never rejects.
   */
  async close(): Promise<void> {
    this.closed = true;
    const building = this.building;
    const applying = this.ready?.applying;
    this.reset();
    await Promise.allSettled([building, applying]);
  }

  async engine(): Promise<SimilarityEngine> {
    if (this.closed) throw new Error('similarity: the library is closed');
    if (this.ready && this.builtGeneration === this.generation) return this.ready.engine;
    if (this.ready) {
      const interval = Math.min(MAX_REBUILD_INTERVAL_MS, REBUILD_INTERVAL_PER_BUILD * this.lastBuildMs);
      if (Date.now() - this.lastBuildStartedAt >= interval) {
        this.startBuild().catch(() => undefined);
      }
      return this.ready.engine;
    }
    return this.startBuild();
  }

  private get logEnd(): number {
    return this.logStart + this.log.length;
  }

  private live(entry: Entry): boolean {
    return !entry.retired && entry.epoch === this.epoch;
  }

  private startBuild(): Promise<SimilarityEngine> {
    if (this.building) return this.building;
    const generation = this.generation;
    const epoch = this.epoch;
    const seq = this.logEnd;
    const startedAt = Date.now();
    this.lastBuildStartedAt = startedAt;
    this.buildingSeq = seq;
    const building = this.build(seq, epoch).then(
      async (entry) => {
        // Additions logged since the build began reading (they may be missing from what it read).
        if (epoch === this.epoch) await this.catchUp(entry);
        if (epoch !== this.epoch) return this.engine();
        if (this.building === building) this.building = null;
        if (entry.retired) throw new Error('similarity: could not add the latest tracks to the new engine');
        if (this.ready) this.ready.retired = true;
        this.ready = entry;
        this.builtGeneration = generation;
        this.lastBuildMs = Date.now() - startedAt;
        // Anything logged between the catch-up and now.
        if (entry.seq < this.logEnd) void this.catchUp(entry);
        else this.trimLog();
        return entry.engine;
      },
      (err: unknown) => {
        if (this.building === building) this.building = null;
        throw err;
      },
    );
    this.building = building;
    return building;
  }

  /** The model choice of the engine being served (null before the first build). */
  get choice(): ModelChoice | null {
    return this.ready?.choice ?? null;
  }

  private async build(seq: number, epoch: number): Promise<Entry> {
    const settings = await this.settings();
    const tracks = await this.catalog.allTracks();
    const present = new Set(tracks.flatMap((t) => (t.status === 'missing' ? [] : [t.id])));
    const choice = chooseAnsweringModel(await this.results.coverage(present), settings.model);
    const data = await this.results.loadAll({ model: choice.model });
    this.rowIds ??= new Set();
    for (const id of data.ids) this.rowIds.add(id);
    const input = joinSimilarityInput(tracks, data);
    if (input.tracks.length === 0) {
      throw new ApiError('unavailable', 'No analysed tracks yet: scan a folder and run the analysis first.');
    }
    const engine = SimilarityEngine.build(input, settings);
    return {
      engine,
      choice,
      ids: new Set(input.tracks.map((t) => t.id)),
      seq,
      builtSize: input.tracks.length,
      featureNames: JSON.stringify(input.featureNames),
      model: input.embedding?.model ?? null,
      embeddingDim: input.embedding?.dim ?? 0,
      tagNames: JSON.stringify(input.tags?.names ?? null),
      epoch,
      retired: false,
      grown: false,
      nextAddAt: 0,
      applying: Promise.resolve(),
    };
  }

  /** Applies the additions the engine has not seen yet (resolves when it has seen all of them). */
  private catchUp(entry: Entry): Promise<void> {
    entry.applying = entry.applying
      .then(() => this.applyLog(entry))
      .catch(() => {
        this.invalidate();
      });
    return entry.applying;
  }

  private async applyLog(entry: Entry): Promise<void> {
    while (this.live(entry) && entry.seq < this.logEnd) {
      const wait = entry.nextAddAt - Date.now();
      if (wait > 0) {
        // A new build is served first and catches up with the rest at its pace.
        if (this.ready !== entry) break;
        await new Promise((resolve) => setTimeout(resolve, wait).unref());
        continue;
      }
      const end = this.logEnd;
      const ids = [...new Set(this.log.slice(entry.seq - this.logStart, end - this.logStart))].filter(
        (id) => !entry.ids.has(id),
      );
      if (ids.length === 0) {
        entry.seq = end;
        continue;
      }
      let batch: { input: SimilarityInput; consistent: boolean } | null;
      try {
        batch = await loadSimilarityBatch(this.catalog, this.results, ids, entry.model);
      } catch {
        batch = null;
      }
      // From here on synchronous: queries see the engine before or after the whole batch.
      if (!this.live(entry)) return;
      entry.seq = end;
      if (!batch || !this.fits(entry, batch.input, batch.consistent)) {
        // Their results are stored: the rebuild will have them.
        this.invalidate();
        continue;
      }
      const input = batch.input;
      if (input.tracks.length === 0) continue;
      const startedAt = Date.now();
      try {
        entry.engine.add(input);
        entry.nextAddAt = Date.now() + ADD_PACE * (Date.now() - startedAt);
      } catch {
        // `add` checks before it changes anything; a failure past that leaves an engine that
        // must not answer again.
        entry.retired = true;
        if (this.ready === entry) this.ready = null;
        this.invalidate();
        return;
      }
      for (const t of input.tracks) entry.ids.add(t.id);
      if (!entry.grown && entry.engine.size > entry.builtSize * (1 + REBUILD_AFTER_GROWTH)) {
        entry.grown = true;
        this.invalidate();
      }
    }
    this.trimLog();
  }

  /** Whether adding the batch gives what a rebuild would (up to the library statistics). */
  private fits(entry: Entry, input: SimilarityInput, consistent: boolean): boolean {
    if (input.tracks.length === 0) return true;
    return (
      consistent &&
      JSON.stringify(input.featureNames) === entry.featureNames &&
      (input.embedding?.dim ?? 0) === entry.embeddingDim &&
      JSON.stringify(input.tags?.names ?? null) === entry.tagNames
    );
  }

  /** Drops the log entries that every engine in use (or being built) has seen. */
  private trimLog(): void {
    let from = this.logEnd;
    if (this.ready) from = Math.min(from, this.ready.seq);
    if (this.building) from = Math.min(from, this.buildingSeq);
    if (from <= this.logStart) return;
    this.log.splice(0, from - this.logStart);
    this.logStart = from;
  }
}
