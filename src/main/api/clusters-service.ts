/**
 * Clustering of the user's library behind the contract: runs the clustering on the vectors the
 * similarity engine answers with (in a worker process above WORKER_THRESHOLD tracks), stores each
 * run, describes the active one, draws its map, and hands its clusters to the similarity engine
 * for `similar.clusterSuggestions`. A run whose tracks or vectors no longer match the library is
 * reported stale, never passed off as current.
 *
 * A run reports where it stands (`ClusterProgress`, pushed as `clusters.progress`) and can be
 * cancelled. Exports (CSV, M3U) are made from any stored run. The work is done in src/main/clusters;
 * this class wires it to the store and the engine and keeps what is cached between calls.
 */
import { ApiError } from '../../shared/contract';
import type { ParsedRequest } from '../../shared/contract';
import type {
  ClusterList,
  ClusterMap,
  ClusterMembershipWhy,
  ClusterProgress,
  ClusterRun,
  ExportFile,
  Track,
} from '../../shared/types';
import { describeRun, type Described } from '../clusters/describe';
import {
  askedSpace,
  clusteringInput,
  type ClusterSpace,
  type ClusteringInput,
  type ImportedSource,
} from '../clusters/input';
import { RunJoins } from '../clusters/joining';
import { storedMap, mapOf, tsneRows, type TrackLookup } from '../clusters/maps';
import { RunControl } from '../clusters/run-control';
import { runExport, tracksExport } from '../clusters/run-exports';
import type { ClusterRunStore, MemberRow } from '../clusters/run-store';
import { membershipWhy } from '../clusters/why';
import type { SimilarityEngine } from '../similarity/engine';

export { WORKER_THRESHOLD } from '../clusters/run-control';
export type { ClusteringInput, ImportedSource } from '../clusters/input';

export interface ClusterServiceOptions {
  /** Where progress goes (the service emits it as `clusters.progress`). */
  onProgress?: (progress: ClusterProgress) => void;
  /** Catalogued tracks by id (unknown ids left out): exports and map labels. */
  tracks?: (ids: string[]) => Track[];
  workerThreshold?: number;
  /** False when the service only reads the home: maps made on demand are then not stored. */
  canWrite?: boolean;
}

export class ClusterService {
  /** The described active run, rebuilt when the run or the engine changes. */
  private cache: {
    runId: string;
    engine: SimilarityEngine | null;
    size: number;
    importedRevision: number;
    described: Described;
  } | null = null;
  private applied = new WeakMap<SimilarityEngine, { runId: string; size: number; joins: number }>();
  /** Bumped when tracks join the active run (what the engine was given changes). */
  private joins = 0;
  private joining: Promise<void> = Promise.resolve();
  private readonly joiner = new RunJoins();
  private readonly runs: RunControl;
  private readonly lookup: TrackLookup;

  /** Bumped when imported tracks change (the engine does not see them). */
  private importedRevision = 0;

  constructor(
    private readonly store: ClusterRunStore,
    private readonly engine: () => Promise<SimilarityEngine>,
    private readonly imported: ImportedSource = async () => null,
    private readonly options: ClusterServiceOptions = {},
  ) {
    this.lookup = options.tracks ?? (() => []);
    this.runs = new RunControl(
      store,
      {
        input: async (req) => this.inputFor(req.space, req.where ?? '', await this.engineOrNull()),
        hasImported: async () => (await this.imported()) !== null,
        onSaved: () => {
          this.cache = null;
        },
      },
      options,
    );
  }

  /** The stored members of a run, kept for the active one: joins read them on every analysed batch. */
  private memberCache: { runId: string; members: MemberRow[] } | null = null;

  private async membersOf(runId: string): Promise<MemberRow[]> {
    if (this.memberCache?.runId !== runId)
      this.memberCache = { runId, members: await this.store.members(runId) };
    return this.memberCache.members;
  }

  /** The engine, or null while nothing is analysed (imported tracks can still be clustered). */
  private async engineOrNull(): Promise<SimilarityEngine | null> {
    try {
      return await this.engine();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'unavailable') return null;
      throw err;
    }
  }

  /** Imported tracks changed: descriptions of the active run are rebuilt. */
  importedChanged(): void {
    this.importedRevision++;
    this.cache = null;
  }

  /** The tracks a run in `space` over `subset` clusters (clusters/input.ts). */
  async inputFor(
    space: ClusterSpace,
    subset: string,
    engine: SimilarityEngine | null,
  ): Promise<ClusteringInput> {
    return clusteringInput(space, subset, engine, this.imported);
  }

  /** Where the latest run stands. */
  status(): ClusterProgress {
    return this.runs.status();
  }

  run(req: ParsedRequest<'clusters.run'>): Promise<ClusterRun> {
    return this.runs.run(req);
  }

  /** Starts a run and answers at once with its first progress; the run's end comes as progress. */
  start(req: ParsedRequest<'clusters.run'>): ClusterProgress {
    return this.runs.start(req);
  }

  /** Asks the run under way to stop; its caller gets a `cancelled` error. */
  cancel(): { cancelled: boolean } {
    return this.runs.cancel();
  }

  /** Before the database closes: cancels a run under way and waits for it and for the joins. */
  async close(): Promise<void> {
    await this.runs.stop();
    await this.joining;
  }

  /**
   * Tracks just analysed (`ids`) join the active run if they belong to its subset and it is
   * still current (clusters/joining.ts). Batches are serialised; returns how many joined.
   */
  join(ids: string[]): Promise<number> {
    const job = this.joining.then(() => this.joinNow(ids));
    this.joining = job.then(
      () => undefined,
      () => undefined,
    );
    return job;
  }

  private async joinNow(ids: string[]): Promise<number> {
    if (ids.length === 0 || this.runs.busy) return 0;
    const run = await this.store.active();
    if (!run) return 0;
    const engine = await this.engineOrNull();
    if (!engine && !run.space.endsWith(':imported')) return 0;
    const input = await this.inputFor(askedSpace(run), run.subset, engine).catch(() => null);
    if (!input) return 0;
    const members = await this.membersOf(run.id);
    const rows = this.joiner.place(run, members, input, engine, ids);
    if (rows.length === 0) return 0;
    await this.store.addMembers(run.id, rows);
    if (this.memberCache?.runId === run.id)
      this.memberCache = { runId: run.id, members: [...members, ...rows] };
    this.cache = null;
    this.joins++;
    return rows.length;
  }

  /** The run `runId` (else the active one) described; null when there is no active run. */
  private async describe(runId?: string): Promise<Described | null> {
    const run = runId !== undefined ? await this.store.get(runId) : await this.store.active();
    if (!run) {
      if (runId !== undefined) throw new ApiError('not_found', `No clustering run ${runId}.`);
      return null;
    }
    const engine = await this.engineOrNull();
    if (
      this.cache &&
      this.cache.runId === run.id &&
      this.cache.engine === engine &&
      this.cache.size === (engine?.size ?? 0) &&
      this.cache.importedRevision === this.importedRevision
    )
      return this.cache.described;
    const members = await this.membersOf(run.id);
    const space = askedSpace(run);
    let input: ClusteringInput;
    try {
      input = await this.inputFor(space, run.subset, engine);
    } catch {
      // A stored query this version cannot read: describe the run from nothing, as stale.
      input = { ...(await this.inputFor(space, '', engine)), tracks: [], data: new Float32Array(0) };
    }
    const described = describeRun(run, members, input);
    // Only the active run is kept: an export of another run (--run) describes it once.
    if (runId === undefined)
      this.cache = {
        runId: run.id,
        engine,
        size: engine?.size ?? 0,
        importedRevision: this.importedRevision,
        described,
      };
    return described;
  }

  /** Why a track is in its cluster of the active run: the features that put it there, largest first. */
  async why(trackId: string): Promise<ClusterMembershipWhy> {
    const d = await this.describe();
    if (!d)
      throw new ApiError(
        'unavailable',
        'No clustering yet: run one first (Clusters screen or `timbre cluster`).',
      );
    return membershipWhy(d, trackId);
  }

  async list(): Promise<ClusterList> {
    return (await this.describe())?.list ?? { run: null, clusters: [], noiseIds: [] };
  }

  async map(req: ParsedRequest<'clusters.map'>): Promise<ClusterMap> {
    const d = await this.describe();
    if (!d) return { runId: null, method: req.method, stale: false, points: [] };
    if (req.method !== 'tsne') return storedMap(d, req.method, this.lookup);
    // Made once, on first request, then stored with the run (not when this service only reads the home).
    let rows = await this.store.map(d.run.id, 'tsne');
    if (rows.length === 0) {
      rows = await tsneRows(
        d,
        await this.inputFor(askedSpace(d.run), d.run.subset, await this.engineOrNull()),
      );
      if (this.options.canWrite !== false) await this.store.saveMap(d.run.id, 'tsne', rows);
    }
    return mapOf(d, 'tsne', rows, this.lookup);
  }

  /** A CSV of a run's tracks, or M3U playlists of its clusters or of any tracks. */
  async export(req: ParsedRequest<'clusters.export'>): Promise<{ files: ExportFile[] }> {
    if (req.kind === 'tracks') return { files: tracksExport(req, this.lookup) };
    const d = await this.describe(req.runId);
    if (!d) throw new ApiError('not_found', 'No clusters yet: run the clustering first.');
    return { files: runExport(req, d, this.lookup) };
  }

  /**
   * Gives the engine the active run's clusters (once per engine and run). Tracks the run does not
   * know (analysed after it) are left out of every cluster. Returns whether the run is stale.
   */
  async applyTo(engine: SimilarityEngine): Promise<{ applied: boolean; stale: boolean }> {
    const d = await this.describe();
    if (!d) {
      engine.setClusters(undefined);
      return { applied: false, stale: false };
    }
    const done = this.applied.get(engine);
    if (!done || done.runId !== d.run.id || done.size !== engine.size || done.joins !== this.joins) {
      const labelOf = new Map(d.members.map((mr) => [mr.trackId, mr.label]));
      const assignments = Int32Array.from(engine.rowIds().map((id) => labelOf.get(id) ?? -1));
      engine.setClusters({ assignments, info: d.info });
      this.applied.set(engine, { runId: d.run.id, size: engine.size, joins: this.joins });
    }
    return { applied: true, stale: d.run.stale };
  }
}
