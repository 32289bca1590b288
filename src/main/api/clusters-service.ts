/**
 * Clustering of the user's library behind the contract: runs the clustering on the vectors the
 * similarity engine answers with (in a worker process above WORKER_THRESHOLD tracks), stores each
 * run, describes the active one, draws its map, and hands its clusters to the similarity engine
 * for `similar.clusterSuggestions`. A run whose tracks or vectors no longer match the library is
 * reported stale, never passed off as current.
 *
 * A run reports where it stands (`ClusterProgress`, pushed as `clusters.progress`) and can be
 * cancelled; runs above the worker threshold execute in a child process, so the service keeps
 * answering (and hears the cancel) meanwhile. Exports (CSV, M3U) are made from any stored run.
 */
import { createHash } from 'node:crypto';
import { ApiError } from '../../shared/contract';
import type { ParsedRequest } from '../../shared/contract';
import type {
  ClusterCandidateScores,
  ClusterInfo,
  ClusterList,
  ClusterMap,
  ClusterMembershipWhy,
  ClusterProgress,
  ClusterRun,
  ClusterRunRecord,
  ExportFile,
  SimilaritySource,
  Track,
} from '../../shared/types';
import { clusterCsv, clusterPlaylists, playlistFile, type ExportRow } from '../clusters/export';
import type { Progress } from '../clusters/matrix';
import { type ClusterOutcome, type ClusterRequest, runClustering } from '../clusters/pipeline';
import { runClusteringInWorker, runTsneInWorker } from '../clusters/runner';
import { TSNE_LIMIT, tsne } from '../clusters/tsne';
import { Joiner } from '../clusters/join';
import { explainMembership, profileClusters, type FeatureTable } from '../clusters/profiles';
import type { ClusterRunStore, MemberRow } from '../clusters/run-store';
import type { Candidate } from '../clusters/tune';
import type { Matrix } from '../clusters/matrix';
import { SCALAR_WORDS, scalarTable } from '../clusters/words';
import type { SimilarityEngine } from '../similarity/engine';
import { packageVersion } from '../project-root';
import type { FeatureDescriptor } from '../clusters/profiles';
import { importedSpace, IMPORTED_WORDS } from '../clusters/imported-space';
import type { ImportedFeatures } from '../library/imported-store';
import { parseTrackQuery, QuerySyntaxError } from '../library/track-query';

/**
 * Above this many tracks a run goes to a child process, off the main thread: an in-process run
 * blocks the service (no progress reaches clients, a cancel is heard only at the end), which is
 * only acceptable for the second or so a small library takes.
 */
export const WORKER_THRESHOLD = 1000;

export interface ClusterServiceOptions {
  /** Where progress goes (the service emits it as `clusters.progress`). */
  onProgress?: (progress: ClusterProgress) => void;
  /** Catalogued tracks by id (unknown ids left out): exports and map labels. */
  tracks?: (ids: string[]) => Track[];
  workerThreshold?: number;
  /** False when the service only reads the home: maps made on demand are then not stored. */
  canWrite?: boolean;
}

/** t-SNE is slower per track than a clustering: above this many it goes to a worker process. */
const TSNE_IN_PROCESS = 500;

const IDLE: ClusterProgress = {
  state: 'idle',
  phase: '',
  done: 0,
  total: 0,
  message: 'No clustering run in this session.',
  algorithm: null,
  space: null,
  tracks: 0,
  inWorker: false,
  startedAt: null,
  runId: null,
};

/** A pipeline step in words, for the progress bar. */
const STEP_WORDS: Record<string, string> = {
  neighbours: 'finding neighbours',
  'spanning tree': 'HDBSCAN spanning tree',
  kmeans: 'k-means',
  'kmeans restarts': 'k-means restarts',
  gmm: 'Gaussian mixture (EM)',
  dbscan: 'DBSCAN',
  ward: 'agglomerative (Ward)',
};
const stepWords = (step: string): string => STEP_WORDS[step] ?? step;

const isAbort = (err: unknown): boolean =>
  (err instanceof Error || err instanceof DOMException) && err.name === 'AbortError';

type Space = ParsedRequest<'clusters.run'>['space'];

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

function candidateScores(c: Candidate): ClusterCandidateScores {
  return {
    algorithm: c.algorithm,
    params: { ...c.params },
    silhouette: finite(c.scores.silhouette),
    daviesBouldin: finite(c.scores.daviesBouldin),
    calinskiHarabasz: finite(c.scores.calinskiHarabasz),
    clusters: c.scores.clusters,
    noiseShare: c.scores.noiseShare,
    adjustedSilhouette: finite(c.adjustedSilhouette),
    ...(c.partition
      ? {
          partition: {
            daviesBouldin: finite(c.partition.daviesBouldin),
            calinskiHarabasz: finite(c.partition.calinskiHarabasz),
          },
        }
      : {}),
    eligible: c.eligible,
    ...(c.reason !== undefined ? { reason: c.reason } : {}),
    ...(c.meanRank !== undefined ? { meanRank: c.meanRank } : {}),
    ...(c.seconds !== undefined ? { seconds: c.seconds } : {}),
  };
}

function sourceOf(space: Space): SimilaritySource | undefined {
  return space === 'default' ? undefined : space;
}

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

/** The rows of an input the predicate keeps (the input itself when it keeps all). */
function subsetOf(input: ClusteringInput, keep: ((t: Track) => boolean) | null): ClusteringInput {
  if (!keep) return input;
  const rows = input.tracks.flatMap((t, i) => (keep(t) ? [i] : []));
  if (rows.length === input.tracks.length) return input;
  const pick = (src: Float32Array, dim: number): Float32Array => {
    const out = new Float32Array(rows.length * dim);
    rows.forEach((r, j) => out.set(src.subarray(r * dim, (r + 1) * dim), j * dim));
    return out;
  };
  const f = input.features.values;
  const tagDim = input.tags?.names.length ?? 0;
  return {
    source: input.source,
    tracks: rows.map((r) => input.tracks[r]),
    data: pick(input.data, input.dim),
    dim: input.dim,
    features: {
      values: { data: pick(f.data, f.dim), n: rows.length, dim: f.dim },
      descriptors: input.features.descriptors,
    },
    tags: input.tags ? { names: input.tags.names, data: pick(input.tags.data, tagDim) } : null,
    ...(input.raw ? { raw: { data: pick(input.raw.data, input.raw.dim), dim: input.raw.dim } } : {}),
  };
}

/** Imported tracks and their stored feature values (null: none imported). */
export type ImportedSource = () => Promise<{ tracks: Track[]; features: ImportedFeatures } | null>;

/** What identifies the clustered library: the space, the track ids and their vectors, in row order. */
function fingerprint(source: string, ids: string[], data: Float32Array): string {
  const h = createHash('sha256');
  h.update(source);
  for (const id of ids) h.update(id).update('\0');
  h.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return h.digest('hex').slice(0, 32);
}

/** Version 2 fingerprints: over the run's own tracks, by id, so that tracks joining later leave it. */
const FINGERPRINT_V2 = 'v2:';

/**
 * The fingerprint of the tracks `ids` as `input` has them now (sorted by id: order-free), or null
 * when one of them is no longer there.
 */
function memberFingerprint(input: ClusteringInput, ids: string[], rowOf: Map<string, number>): string | null {
  const h = createHash('sha256');
  h.update(input.source);
  for (const id of [...ids].sort()) {
    const r = rowOf.get(id);
    if (r === undefined) return null;
    const { data, dim } = input.raw ?? input;
    const v = data.subarray(r * dim, (r + 1) * dim);
    h.update(id)
      .update('\0')
      .update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  }
  return FINGERPRINT_V2 + h.digest('hex').slice(0, 32);
}

/** A joined track's vector, hashed (to see a re-analysis change it). */
function vectorHash(input: ClusteringInput, row: number): string {
  const { data, dim } = input.raw ?? input;
  const v = data.subarray(row * dim, (row + 1) * dim);
  return createHash('sha256')
    .update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))
    .digest('hex')
    .slice(0, 16);
}

interface Described {
  run: ClusterRun;
  members: MemberRow[];
  list: ClusterList;
  info: ClusterInfo[];
  /** The run's tracks still there, with their features and labels: what `why` explains from. */
  explain: { features: FeatureTable; labels: Int32Array; rowOf: Map<string, number> };
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
  private running: Promise<ClusterRun> | null = null;
  private joining: Promise<void> = Promise.resolve();
  /** The joiner of the active run (its members' statistics), kept while run and engine stay. */
  private joiner: { runId: string; engine: SimilarityEngine | null; joiner: Joiner } | null = null;
  private abort: AbortController | null = null;
  private progress: ClusterProgress = IDLE;
  private lastProgressAt = 0;

  /** Bumped when imported tracks change (the engine does not see them). */
  private importedRevision = 0;

  constructor(
    private readonly store: ClusterRunStore,
    private readonly engine: () => Promise<SimilarityEngine>,
    private readonly imported: ImportedSource = async () => null,
    private readonly options: ClusterServiceOptions = {},
  ) {}

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

  /**
   * The tracks a run in `space` over `subset` clusters. Analysed tracks come from the engine;
   * imported tracks (no audio: another measurement) are clustered among themselves, in the
   * 'features' space when the selection holds no analysed track (docs/clusters.md).
   */
  async inputFor(space: Space, subset: string, engine: SimilarityEngine | null): Promise<ClusteringInput> {
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
    const imp = await this.imported();
    if (!imp) return analysed;
    const byId = new Map(imp.tracks.map((t) => [t.id, t]));
    const dim = imp.features.values.length / Math.max(1, imp.features.ids.length);
    const rows = imp.features.ids.flatMap((id, i) => {
      const t = byId.get(id);
      return t && (!keep || keep(t)) ? [i] : [];
    });
    const values = new Float32Array(rows.length * dim);
    rows.forEach((r, j) => values.set(imp.features.values.subarray(r * dim, (r + 1) * dim), j * dim));
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

  /** The option, else TIMBRE_CLUSTERS_WORKER_THRESHOLD (tests force the worker with 0), else the default. */
  private workerThreshold(): number {
    const env = Number(process.env.TIMBRE_CLUSTERS_WORKER_THRESHOLD);
    return (
      this.options.workerThreshold ??
      (process.env.TIMBRE_CLUSTERS_WORKER_THRESHOLD && Number.isFinite(env) ? env : WORKER_THRESHOLD)
    );
  }

  /** Where the latest run stands. */
  status(): ClusterProgress {
    return this.progress;
  }

  /** Updates the progress; step updates at most ~10 a second, state changes always. */
  private report(patch: Partial<ClusterProgress>, force = false): void {
    this.progress = { ...this.progress, ...patch };
    const now = Date.now();
    if (!force && now - this.lastProgressAt < 100) return;
    this.lastProgressAt = now;
    this.options.onProgress?.(this.progress);
  }

  async run(req: ParsedRequest<'clusters.run'>): Promise<ClusterRun> {
    if (this.running) throw new ApiError('unavailable', 'a clustering run is already under way');
    this.abort = new AbortController();
    this.running = this.runNow(req, this.abort.signal);
    try {
      return await this.running;
    } finally {
      this.running = null;
      this.abort = null;
    }
  }

  /** Starts a run and answers at once with its first progress; the run's end comes as progress. */
  start(req: ParsedRequest<'clusters.run'>): ClusterProgress {
    if (this.running) throw new ApiError('unavailable', 'a clustering run is already under way');
    // The run reports its own end (done, cancelled, failed): nothing is left to catch here.
    this.run(req).catch(() => undefined);
    return this.progress;
  }

  /** Asks the run under way to stop; its caller gets a `cancelled` error. */
  cancel(): { cancelled: boolean } {
    if (!this.abort || this.abort.signal.aborted) return { cancelled: false };
    this.abort.abort(new DOMException('clustering cancelled', 'AbortError'));
    this.report({ phase: 'cancelling', message: 'Cancelling…' }, true);
    return { cancelled: true };
  }

  private async runNow(req: ParsedRequest<'clusters.run'>, signal: AbortSignal): Promise<ClusterRun> {
    this.report(
      {
        ...IDLE,
        state: 'running',
        phase: 'preparing',
        message: 'Reading the analysed tracks…',
        algorithm: req.algorithm,
        space: req.space,
        startedAt: Date.now(),
      },
      true,
    );
    try {
      const run = await this.runSteps(req, signal);
      this.report(
        {
          state: 'done',
          phase: 'done',
          done: 1,
          total: 1,
          runId: run.id,
          message: `${run.metrics.scores?.clusters ?? 0} clusters of ${run.trackCount} tracks in ${run.seconds.toFixed(1)} s.`,
        },
        true,
      );
      return run;
    } catch (err) {
      const cancelled = signal.aborted || (err instanceof ApiError && err.code === 'cancelled');
      const message = cancelled
        ? 'Clustering cancelled; the previous run is still the active one.'
        : err instanceof Error
          ? err.message
          : String(err);
      this.report({ state: cancelled ? 'cancelled' : 'failed', message }, true);
      throw err;
    }
  }

  private async runSteps(req: ParsedRequest<'clusters.run'>, signal: AbortSignal): Promise<ClusterRun> {
    const engine = await this.engineOrNull();
    const subset = req.where ?? '';
    const input = await this.inputFor(req.space, subset, engine);
    const n = input.tracks.length;
    if (n < 4) {
      const what = subset ? `tracks matching ${JSON.stringify(subset)}` : 'analysed tracks';
      const hint =
        req.space !== 'features' && (await this.imported()) !== null
          ? ' Imported tracks (no audio) are clustered with --space features.'
          : '';
      throw new ApiError('unavailable', `Clustering needs at least 4 ${what} (${n} now).${hint}`);
    }
    const m: Matrix = { data: input.data, n, dim: input.dim };
    const request: ClusterRequest = {
      algorithm: req.algorithm,
      ...(req.k !== undefined ? { params: { k: req.k } } : {}),
      map: 'umap',
    };
    const inWorker = n > this.workerThreshold();
    this.report(
      {
        phase: 'clustering',
        tracks: n,
        inWorker,
        message: `Clustering ${n} tracks${inWorker ? ' in a worker process' : ''}…`,
      },
      true,
    );
    const onProgress = (p: Progress): void =>
      this.report({ phase: stepWords(p.step), done: p.done, total: p.total });
    // A macrotask first: the caller's answer and this progress leave before an in-process run
    // holds the thread.
    await new Promise((resolve) => setImmediate(resolve));
    const start = performance.now();
    let outcome: ClusterOutcome;
    try {
      const control = { signal, onProgress };
      outcome = inWorker
        ? await runClusteringInWorker(m, request, control)
        : await runClustering(m, request, control);
    } catch (err) {
      if (isAbort(err) || signal.aborted) throw new ApiError('cancelled', 'Clustering cancelled.');
      throw new ApiError(
        'bad_request',
        `Clustering failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    if (signal.aborted) throw new ApiError('cancelled', 'Clustering cancelled.');
    const pcaMap = outcome.pcaCoordinates;
    this.report({ phase: 'saving', message: 'Saving the run…' }, true);
    const seconds = (performance.now() - start) / 1000;
    const { clustering, scores } = outcome;
    const members: MemberRow[] = input.tracks.map((t, i) => ({
      trackId: t.id,
      label: clustering.labels[i],
      strength: clustering.strengths[i],
      x: outcome.coordinates[2 * i] ?? 0,
      y: outcome.coordinates[2 * i + 1] ?? 0,
      px: pcaMap[2 * i],
      py: pcaMap[2 * i + 1],
    }));
    const record = await this.store.save({
      algorithm: clustering.algorithm,
      params: { ...clustering.params },
      space: `${req.space}:${input.source}`,
      reduce: outcome.reduce,
      metrics: {
        scores: {
          silhouette: finite(scores.silhouette),
          daviesBouldin: finite(scores.daviesBouldin),
          calinskiHarabasz: finite(scores.calinskiHarabasz),
          clusters: scores.clusters,
          noiseShare: scores.noiseShare,
          silhouetteRows: scores.silhouetteRows,
        },
        ...(outcome.rule ? { rule: outcome.rule } : {}),
        candidates: outcome.candidates.map(candidateScores),
        timings: outcome.timings,
      },
      seconds,
      libraryVersion: packageVersion(),
      fingerprint: memberFingerprint(
        input,
        input.tracks.map((t) => t.id),
        new Map(input.tracks.map((t, i) => [t.id, i])),
      ) as string,
      trackCount: n,
      subset,
      members,
    });
    this.cache = null;
    return { ...record, stale: false };
  }

  /**
   * Is the run still a clustering of the library as the engine sees it now? Stale when its own
   * tracks changed (vectors, or gone), a track that joined it changed, or (unless `pending` is
   * allowed) a track of its subset is in neither (analysed since and not joined yet).
   */
  private isStale(
    run: ClusterRunRecord,
    input: ClusteringInput,
    members: MemberRow[],
    options: { pending?: boolean } = {},
  ): boolean {
    const space = run.space.split(':')[0] as Space;
    if (`${space}:${input.source}` !== run.space) return true;
    if (!run.fingerprint.startsWith(FINGERPRINT_V2)) {
      // Runs from before joining existed: their fingerprint covers the whole input in row order.
      return (
        fingerprint(
          input.source,
          input.tracks.map((t) => t.id),
          input.data,
        ) !== run.fingerprint
      );
    }
    const rowOf = new Map(input.tracks.map((t, i) => [t.id, i]));
    const own = members.filter((mr) => !mr.joined).map((mr) => mr.trackId);
    if (memberFingerprint(input, own, rowOf) !== run.fingerprint) return true;
    for (const mr of members) {
      if (!mr.joined) continue;
      const r = rowOf.get(mr.trackId);
      if (r === undefined || vectorHash(input, r) !== mr.vhash) return true;
    }
    if (options.pending) return false;
    const known = new Set(members.map((mr) => mr.trackId));
    return input.tracks.some((t) => !known.has(t.id));
  }

  /**
   * Tracks just analysed (`ids`) join the active run if they belong to its subset and it is
   * still current (clusters/join.ts). Batches are serialised; returns how many joined.
   */
  /** Before the database closes: cancels a run under way and waits for it and for the joins. */
  async close(): Promise<void> {
    this.abort?.abort();
    await this.running?.catch(() => undefined);
    await this.joining;
  }

  join(ids: string[]): Promise<number> {
    const job = this.joining.then(() => this.joinNow(ids));
    this.joining = job.then(
      () => undefined,
      () => undefined,
    );
    return job;
  }

  private async joinNow(ids: string[]): Promise<number> {
    if (ids.length === 0 || this.running) return 0;
    const run = await this.store.active();
    if (!run) return 0;
    const engine = await this.engineOrNull();
    if (!engine && !run.space.endsWith(':imported')) return 0;
    const space = run.space.split(':')[0] as Space;
    const input = await this.inputFor(space, run.subset, engine).catch(() => null);
    if (!input) return 0;
    const members = await this.membersOf(run.id);
    if (this.isStale(run, input, members, { pending: true })) return 0;
    const rowOf = new Map(input.tracks.map((t, i) => [t.id, i]));
    const known = new Set(members.map((mr) => mr.trackId));
    const fresh = [...new Set(ids)].filter((id) => rowOf.has(id) && !known.has(id));
    if (fresh.length === 0) return 0;
    let joiner = this.joiner;
    if (!joiner || joiner.runId !== run.id || joiner.engine !== engine) {
      const own = members.filter((mr) => !mr.joined && rowOf.has(mr.trackId));
      const data = new Float32Array(own.length * input.dim);
      own.forEach((mr, j) => {
        const r = rowOf.get(mr.trackId) as number;
        data.set(input.data.subarray(r * input.dim, (r + 1) * input.dim), j * input.dim);
      });
      joiner = {
        runId: run.id,
        engine,
        joiner: new Joiner({
          algorithm: run.algorithm,
          params: run.params,
          members: { data, n: own.length, dim: input.dim },
          labels: Int32Array.from(own, (mr) => mr.label),
          strengths: Float32Array.from(own, (mr) => mr.strength),
          umap: Float32Array.from(own.flatMap((mr) => [mr.x, mr.y])),
          pca: Float32Array.from(own.flatMap((mr) => [mr.px, mr.py])),
        }),
      };
      this.joiner = joiner;
    }
    const points = new Float32Array(fresh.length * input.dim);
    fresh.forEach((id, j) => {
      const r = rowOf.get(id) as number;
      points.set(input.data.subarray(r * input.dim, (r + 1) * input.dim), j * input.dim);
    });
    const placed = joiner.joiner.join({ data: points, n: fresh.length, dim: input.dim });
    const rows: MemberRow[] = fresh.map((id, j) => ({
      trackId: id,
      ...placed[j],
      joined: true,
      vhash: vectorHash(input, rowOf.get(id) as number),
    }));
    await this.store.addMembers(run.id, rows);
    if (this.memberCache?.runId === run.id)
      this.memberCache = { runId: run.id, members: [...members, ...rows] };
    this.cache = null;
    this.joins++;
    return fresh.length;
  }

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
    // Profiles are measured on the tracks of the run that are still there, in its space.
    const space = run.space.split(':')[0] as Space;
    let input: ClusteringInput;
    try {
      input = await this.inputFor(space, run.subset, engine);
    } catch {
      // A stored query this version cannot read: describe the run from nothing, as stale.
      input = { ...(await this.inputFor(space, '', engine)), tracks: [], data: new Float32Array(0) };
    }
    const stale = this.isStale(run, input, members);
    const active: ClusterRun = { ...run, stale };
    const rowOf = new Map(input.tracks.map((t, i) => [t.id, i]));
    const kept = members.filter((mr) => rowOf.has(mr.trackId));
    const rows = kept.map((mr) => rowOf.get(mr.trackId) as number);
    const pick = (src: Float32Array, dim: number): Float32Array => {
      const out = new Float32Array(rows.length * dim);
      rows.forEach((r, j) => out.set(src.subarray(r * dim, (r + 1) * dim), j * dim));
      return out;
    };
    const labels = Int32Array.from(kept.map((mr) => mr.label));
    const spaceM: Matrix = { data: pick(input.data, input.dim), n: rows.length, dim: input.dim };
    const fv = input.features.values;
    const tagDim = input.tags?.names.length ?? 0;
    const features: FeatureTable = {
      values: { data: pick(fv.data, fv.dim), n: rows.length, dim: fv.dim },
      descriptors: input.features.descriptors,
    };
    const profiles =
      rows.length > 0 && labels.some((l) => l >= 0)
        ? profileClusters({
            space: spaceM,
            labels,
            features,
            ...(input.tags && tagDim > 0
              ? {
                  tags: {
                    probabilities: { data: pick(input.tags.data, tagDim), n: rows.length, dim: tagDim },
                    names: input.tags.names,
                  },
                }
              : {}),
          })
        : [];
    const track = (j: number) => input.tracks[rows[j]];
    const clusters = profiles.map((p) => {
      const reps = [p.medoid, ...p.nearest.filter((r) => r !== p.medoid)].slice(0, 5);
      return {
        id: p.label,
        size: p.size,
        name: p.name,
        topTags: p.topTags.map((t) => ({ tag: t.tag, score: t.score, lift: t.lift })),
        distinctive: p.distinctive.map((d) => ({ feature: d.feature, effect: d.effect, word: d.word })),
        cohesion: p.cohesion,
        representatives: reps.map((j) => ({
          id: track(j).id,
          title: track(j).title,
          artist: track(j).artist,
        })),
        trackIds: kept.filter((mr) => mr.label === p.label).map((mr) => mr.trackId),
      };
    });
    const list: ClusterList = {
      run: active,
      clusters,
      noiseIds: kept.filter((mr) => mr.label < 0).map((mr) => mr.trackId),
    };
    const info: ClusterInfo[] = clusters.map((c) => ({
      id: c.id,
      label: c.name,
      size: c.size,
      topTags: c.topTags.map((t) => t.tag),
      exemplarIds: c.representatives.map((r) => r.id),
    }));
    const described: Described = {
      run: active,
      members,
      list,
      info,
      explain: { features, labels, rowOf: new Map(kept.map((mr, j) => [mr.trackId, j])) },
    };
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
    const row = d.explain.rowOf.get(trackId);
    if (row === undefined) {
      throw new ApiError(
        'not_found',
        `Track ${trackId} is not in the active clustering run (not analysed when it ran, or gone).`,
      );
    }
    const e = explainMembership(d.explain.features, d.explain.labels, row);
    const name = e.label >= 0 ? (d.list.clusters.find((c) => c.id === e.label)?.name ?? null) : null;
    return {
      runId: d.run.id,
      trackId,
      clusterId: e.label,
      clusterName: name,
      score: e.score,
      reasons: e.contributions
        .filter((c) => c.contribution > 0)
        .slice(0, 6)
        .map((c) => ({ feature: c.feature, phrase: c.phrase, contribution: c.contribution })),
    };
  }

  async list(): Promise<ClusterList> {
    return (await this.describe())?.list ?? { run: null, clusters: [], noiseIds: [] };
  }

  async map(req: ParsedRequest<'clusters.map'>): Promise<ClusterMap> {
    const d = await this.describe();
    if (!d) return { runId: null, method: req.method, stale: false, points: [] };
    if (req.method === 'tsne') return this.tsneMap(d);
    const umap = req.method === 'umap';
    const known = new Map(
      (this.options.tracks?.(d.members.map((mr) => mr.trackId)) ?? []).map((t) => [t.id, t]),
    );
    return {
      runId: d.run.id,
      method: req.method,
      stale: d.run.stale,
      points: d.members.map((mr) => {
        const t = known.get(mr.trackId);
        return {
          id: mr.trackId,
          x: umap ? mr.x : mr.px,
          y: umap ? mr.y : mr.py,
          clusterId: mr.label,
          ...(t ? { title: t.title || t.path, artist: t.artist } : {}),
        };
      }),
    };
  }

  /** A CSV of a run's tracks, or M3U playlists of its clusters or of any tracks. */
  async export(req: ParsedRequest<'clusters.export'>): Promise<{ files: ExportFile[] }> {
    const lookup = this.options.tracks ?? (() => []);
    const m3u = (f: { fileName: string; content: string; tracks: number }): ExportFile => ({
      ...f,
      mimeType: 'audio/x-mpegurl',
    });
    if (req.kind === 'tracks') {
      const tracks = lookup(req.ids);
      if (tracks.length === 0) throw new ApiError('not_found', 'None of these tracks is in the library.');
      return { files: [m3u(playlistFile(req.name ?? 'Timbre selection', tracks))] };
    }
    const d = await this.describe(req.runId);
    if (!d) throw new ApiError('not_found', 'No clusters yet: run the clustering first.');
    const names = new Map(d.list.clusters.map((c) => [c.id, c.name]));
    if (req.kind === 'csv') {
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
        files: [
          {
            fileName: `timbre-clusters-${day}-${d.run.algorithm}.csv`,
            mimeType: 'text/csv',
            content: clusterCsv(rows),
            tracks: rows.length,
          },
        ],
      };
    }
    const ordered = (ids: string[]): Track[] => lookup(ids);
    if (req.kind === 'cluster') {
      const ids =
        req.clusterId < 0 ? d.list.noiseIds : d.list.clusters.find((c) => c.id === req.clusterId)?.trackIds;
      if (!ids) throw new ApiError('not_found', `The run has no cluster ${req.clusterId}.`);
      const name =
        req.clusterId < 0 ? 'In no cluster' : (names.get(req.clusterId) ?? `Cluster ${req.clusterId}`);
      const tracks = ordered(this.byStrength(d, ids));
      if (tracks.length === 0) throw new ApiError('not_found', 'None of these tracks is in the library.');
      return { files: [m3u(playlistFile(name, tracks))] };
    }
    const files = clusterPlaylists(
      d.list.clusters.map((c) => ({
        id: c.id,
        name: c.name,
        tracks: ordered(this.byStrength(d, c.trackIds)),
      })),
    ).map(m3u);
    return { files };
  }

  /** `ids` with the run's most typical members (highest membership strength) first. */
  private byStrength(d: Described, ids: string[]): string[] {
    const strength = new Map(d.members.map((mr) => [mr.trackId, mr.strength]));
    return [...ids].sort((a, b) => (strength.get(b) ?? 0) - (strength.get(a) ?? 0));
  }

  /**
   * The t-SNE map of the active run: made on first request (in a worker process) from the run's
   * tracks in its space, then stored with the run (not when this service only reads the home).
   */
  private async tsneMap(d: Described): Promise<ClusterMap> {
    const labelOf = new Map(d.members.map((mr) => [mr.trackId, mr.label]));
    let rows = await this.store.map(d.run.id, 'tsne');
    if (rows.length === 0) {
      const n = d.members.length;
      if (n > TSNE_LIMIT)
        throw new ApiError(
          'unavailable',
          `The t-SNE map is limited to ${TSNE_LIMIT.toLocaleString('en')} tracks (this run has ${n.toLocaleString('en')}): it would take too long here. Use the UMAP map (--method umap).`,
        );
      const space = d.run.space.split(':')[0] as Space;
      const input = await this.inputFor(space, d.run.subset, await this.engineOrNull());
      const rowOf = new Map(input.tracks.map((t, i) => [t.id, i]));
      const kept = d.members.filter((mr) => rowOf.has(mr.trackId));
      const data = new Float32Array(kept.length * input.dim);
      kept.forEach((mr, j) => {
        const r = rowOf.get(mr.trackId) as number;
        data.set(input.data.subarray(r * input.dim, (r + 1) * input.dim), j * input.dim);
      });
      const m: Matrix = { data, n: kept.length, dim: input.dim };
      const coordinates = m.n > TSNE_IN_PROCESS ? await runTsneInWorker(m, 1) : tsne(m, { seed: 1 }).data;
      rows = kept.map((mr, j) => ({ trackId: mr.trackId, x: coordinates[2 * j], y: coordinates[2 * j + 1] }));
      if (this.options.canWrite !== false) await this.store.saveMap(d.run.id, 'tsne', rows);
    }
    const known = new Map((this.options.tracks?.(rows.map((r) => r.trackId)) ?? []).map((t) => [t.id, t]));
    return {
      runId: d.run.id,
      method: 'tsne',
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
