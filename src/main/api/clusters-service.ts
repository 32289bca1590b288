/**
 * Clustering of the user's library behind the contract: runs the clustering on the vectors the
 * similarity engine answers with (in a worker process above WORKER_THRESHOLD tracks), stores each
 * run, describes the active one, draws its map, and hands its clusters to the similarity engine
 * for `similar.clusterSuggestions`. A run whose tracks or vectors no longer match the library is
 * reported stale, never passed off as current.
 */
import { createHash } from 'node:crypto';
import { ApiError } from '../../shared/contract';
import type { ParsedRequest } from '../../shared/contract';
import type {
  ClusterCandidateScores,
  ClusterInfo,
  ClusterList,
  ClusterMap,
  ClusterRun,
  ClusterRunRecord,
  SimilaritySource,
} from '../../shared/types';
import { type ClusterOutcome, type ClusterRequest, runClustering } from '../clusters/pipeline';
import { runClusteringInWorker } from '../clusters/runner';
import { pca } from '../clusters/reduce';
import { profileClusters } from '../clusters/profiles';
import type { ClusterRunStore, MemberRow } from '../clusters/run-store';
import type { Candidate } from '../clusters/tune';
import type { Matrix } from '../clusters/matrix';
import { SCALAR_WORDS, scalarTable } from '../clusters/words';
import type { SimilarityEngine } from '../similarity/engine';
import { packageVersion } from '../project-root';

/** Above this many tracks a run goes to a child process, off the main thread. */
export const WORKER_THRESHOLD = 5000;

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
    eligible: c.eligible,
    ...(c.reason !== undefined ? { reason: c.reason } : {}),
    ...(c.meanRank !== undefined ? { meanRank: c.meanRank } : {}),
    ...(c.seconds !== undefined ? { seconds: c.seconds } : {}),
  };
}

function sourceOf(space: Space): SimilaritySource | undefined {
  return space === 'default' ? undefined : space;
}

/** What identifies the clustered library: the space, the track ids and their vectors, in row order. */
function fingerprint(source: SimilaritySource, ids: string[], data: Float32Array): string {
  const h = createHash('sha256');
  h.update(source);
  for (const id of ids) h.update(id).update('\0');
  h.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return h.digest('hex').slice(0, 32);
}

interface Described {
  run: ClusterRun;
  members: MemberRow[];
  list: ClusterList;
  info: ClusterInfo[];
}

export class ClusterService {
  /** The described active run, rebuilt when the run or the engine changes. */
  private cache: { runId: string; engine: SimilarityEngine; size: number; described: Described } | null =
    null;
  private applied = new WeakMap<SimilarityEngine, { runId: string; size: number }>();
  private running: Promise<ClusterRun> | null = null;

  constructor(
    private readonly store: ClusterRunStore,
    private readonly engine: () => Promise<SimilarityEngine>,
  ) {}

  async run(req: ParsedRequest<'clusters.run'>): Promise<ClusterRun> {
    if (this.running) throw new ApiError('unavailable', 'a clustering run is already under way');
    this.running = this.runNow(req);
    try {
      return await this.running;
    } finally {
      this.running = null;
    }
  }

  private async runNow(req: ParsedRequest<'clusters.run'>): Promise<ClusterRun> {
    const engine = await this.engine();
    const input = engine.clusteringInput(sourceOf(req.space));
    const n = input.tracks.length;
    if (n < 4) throw new ApiError('unavailable', `Clustering needs at least 4 analysed tracks (${n} now).`);
    const m: Matrix = { data: input.data, n, dim: input.dim };
    const request: ClusterRequest = {
      algorithm: req.algorithm,
      ...(req.k !== undefined ? { params: { k: req.k } } : {}),
      map: 'umap',
    };
    const start = performance.now();
    let outcome: ClusterOutcome;
    try {
      outcome =
        n > WORKER_THRESHOLD ? await runClusteringInWorker(m, request) : await runClustering(m, request);
    } catch (err) {
      throw new ApiError(
        'bad_request',
        `Clustering failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    // PCA 2-D is cheap: stored beside the UMAP map so either can be drawn without a re-run.
    const pcaMap = pca(m, { components: 2, seed: 1 }).data;
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
      fingerprint: fingerprint(
        input.source,
        input.tracks.map((t) => t.id),
        input.data,
      ),
      trackCount: n,
      members,
    });
    this.cache = null;
    return { ...record, stale: false };
  }

  /** Is the run still a clustering of the library as the engine sees it now? */
  private isStale(run: ClusterRunRecord, engine: SimilarityEngine): boolean {
    const space = run.space.split(':')[0] as Space;
    const input = engine.clusteringInput(sourceOf(space));
    if (`${space}:${input.source}` !== run.space) return true;
    return (
      fingerprint(
        input.source,
        input.tracks.map((t) => t.id),
        input.data,
      ) !== run.fingerprint
    );
  }

  private async describe(): Promise<Described | null> {
    const run = await this.store.active();
    if (!run) return null;
    const engine = await this.engine();
    if (
      this.cache &&
      this.cache.runId === run.id &&
      this.cache.engine === engine &&
      this.cache.size === engine.size
    )
      return this.cache.described;
    const members = await this.store.members(run.id);
    const stale = this.isStale(run, engine);
    const active: ClusterRun = { ...run, stale };
    // Profiles are measured on the tracks of the run that the engine still has, in its space.
    const space = run.space.split(':')[0] as Space;
    const input = engine.clusteringInput(sourceOf(space));
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
    const scalars = scalarTable(rows.map((r) => input.scalars[r]));
    const tagDim = input.tags?.names.length ?? 0;
    const profiles =
      rows.length > 0 && labels.some((l) => l >= 0)
        ? profileClusters({
            space: spaceM,
            labels,
            features: { values: scalars, descriptors: SCALAR_WORDS },
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
    const described: Described = { run: active, members, list, info };
    this.cache = { runId: run.id, engine, size: engine.size, described };
    return described;
  }

  async list(): Promise<ClusterList> {
    return (await this.describe())?.list ?? { run: null, clusters: [], noiseIds: [] };
  }

  async map(req: ParsedRequest<'clusters.map'>): Promise<ClusterMap> {
    const d = await this.describe();
    if (!d) return { runId: null, method: req.method, stale: false, points: [] };
    const umap = req.method === 'umap';
    return {
      runId: d.run.id,
      method: req.method,
      stale: d.run.stale,
      points: d.members.map((mr) => ({
        id: mr.trackId,
        x: umap ? mr.x : mr.px,
        y: umap ? mr.y : mr.py,
        clusterId: mr.label,
      })),
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
    if (!done || done.runId !== d.run.id || done.size !== engine.size) {
      const labelOf = new Map(d.members.map((mr) => [mr.trackId, mr.label]));
      const assignments = Int32Array.from(engine.rowIds().map((id) => labelOf.get(id) ?? -1));
      engine.setClusters({ assignments, info: d.info });
      this.applied.set(engine, { runId: d.run.id, size: engine.size });
    }
    return { applied: true, stale: d.run.stale };
  }
}
