/**
 * One entry for every algorithm, and the automatic search over their main parameters.
 *
 * The search is a fixed grid (no randomness beyond each algorithm's seed), every candidate is
 * scored and kept, and the winner is picked by the rule in `WINNER_RULE`:
 *   eligible: at least 2 clusters, at most half the rows noise, finite scores;
 *   silhouette is noise-adjusted (noise rows count 0: silhouette × (1 − noise share));
 *   each eligible candidate is ranked on adjusted silhouette (high), Davies–Bouldin (low) and
 *   Calinski–Harabasz (high), the last two of the whole partition (noise rows attached to their
 *   nearest cluster centre: scored on the clustered rows alone they reward giving rows up as
 *   noise); the lowest mean rank wins; ties go to the higher adjusted silhouette,
 *   then to fewer clusters, then to the earlier grid position.
 * `auto` pools the candidates of all algorithms under the same rule.
 */
import {
  type Matrix,
  type RunControl,
  centroids,
  checkAbort,
  clusterCount,
  sampleIndices,
  seededRandom,
  sqDist,
  takeRows,
} from './matrix';
import { kmeans } from './kmeans';
import { gmm } from './gmm';
import { hdbscanFromHierarchy, hdbscanHierarchy, type HdbscanHierarchy } from './hdbscan';
import { dbscan } from './dbscan';
import { cutMerges, wardMerges, agglomerative, type Merge } from './agglomerative';
import { type InternalScores, calinskiHarabasz, daviesBouldin, internalScores } from './metrics';

export const ALGORITHMS = ['kmeans', 'gmm', 'hdbscan', 'dbscan', 'agglomerative'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

export interface ClusterParams {
  k?: number;
  minClusterSize?: number;
  minSamples?: number;
  selection?: 'eom' | 'leaf';
  eps?: number;
  minPoints?: number;
  seed?: number;
}

export interface Clustering {
  algorithm: Algorithm;
  params: ClusterParams;
  labels: Int32Array;
  /** Membership strength per row in [0, 1] (0 for noise). */
  strengths: Float32Array;
  clusters: number;
}

export interface Candidate {
  algorithm: Algorithm;
  params: ClusterParams;
  scores: InternalScores;
  /** Silhouette × (1 − noise share): what the rule ranks. */
  adjustedSilhouette: number;
  /**
   * Davies–Bouldin and Calinski–Harabasz of the whole partition: noise rows attached to their
   * nearest cluster centre (equal to `scores` without noise). What the rule ranks.
   */
  partition?: { daviesBouldin: number; calinskiHarabasz: number };
  eligible: boolean;
  /** Why a candidate was not eligible. */
  reason?: string;
  meanRank?: number;
  seconds: number;
}

export interface TuneResult {
  winner: Clustering;
  winnerIndex: number;
  candidates: Candidate[];
  rule: string;
}

export const WINNER_RULE =
  'eligible: ≥ 2 clusters, ≤ 50 % noise, finite scores; rank on silhouette × (1 − noise share) (high), ' +
  'Davies–Bouldin (low) and Calinski–Harabasz (high) of the whole partition (noise rows attached to ' +
  'their nearest cluster centre); lowest mean rank wins; ties: higher adjusted silhouette, then fewer ' +
  'clusters, then earlier in the grid';

function requireInt(value: number | undefined, name: string, min: number): number {
  if (value === undefined || !Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be an integer ≥ ${min}, not ${String(value)}`);
  }
  return value;
}

/** Runs one algorithm with explicit parameters. */
export function runAlgorithm(
  m: Matrix,
  algorithm: Algorithm,
  params: ClusterParams,
  control: RunControl = {},
): Clustering {
  const seed = params.seed ?? 1;
  const finish = (labels: Int32Array, strengths: Float32Array): Clustering => ({
    algorithm,
    params,
    labels,
    strengths,
    clusters: clusterCount(labels),
  });
  switch (algorithm) {
    case 'kmeans': {
      const r = kmeans(m, { k: requireInt(params.k, 'k', 1), seed, ...control });
      return finish(r.labels, new Float32Array(m.n).fill(1));
    }
    case 'gmm': {
      const r = gmm(m, { k: requireInt(params.k, 'k', 1), seed, ...control });
      return finish(r.labels, r.strengths);
    }
    case 'hdbscan': {
      const minClusterSize = requireInt(params.minClusterSize, 'minClusterSize', 2);
      const h = hdbscanHierarchy(m, params.minSamples ?? Math.min(minClusterSize, 10), control);
      const r = hdbscanFromHierarchy(m, h, { minClusterSize, selection: params.selection });
      return finish(r.labels, r.strengths);
    }
    case 'dbscan': {
      const r = dbscan(m, {
        minPoints: requireInt(params.minPoints, 'minPoints', 1),
        eps: params.eps,
        ...control,
      });
      return finish(r.labels, r.strengths);
    }
    case 'agglomerative': {
      const r = agglomerative(m, { k: requireInt(params.k, 'k', 1), seed, ...control });
      return finish(r.labels, new Float32Array(m.n).fill(1));
    }
  }
}

/** The k values tried: 2–10, then coarser up to 40, never more than n / 5. */
export function kGrid(n: number): number[] {
  const limit = Math.max(2, Math.min(40, Math.floor(n / 5)));
  return [2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 20, 25, 30, 35, 40].filter((k) => k <= limit);
}

/** minClusterSize values tried: fractions of n, at least 5 (at least 2 for tiny inputs). */
export function minClusterSizeGrid(n: number): number[] {
  const floor = n < 50 ? 2 : 5;
  const sizes = [0.005, 0.01, 0.02, 0.03, 0.05].map((f) => Math.max(floor, Math.round(f * n)));
  return [...new Set(sizes)];
}

export function grid(algorithm: Algorithm, n: number): ClusterParams[] {
  switch (algorithm) {
    case 'kmeans':
    case 'gmm':
    case 'agglomerative':
      return kGrid(n).map((k) => ({ k }));
    case 'hdbscan':
      return minClusterSizeGrid(n).map((minClusterSize) => ({
        minClusterSize,
        minSamples: Math.min(minClusterSize, 10),
      }));
    case 'dbscan':
      return [4, 8, 16].filter((p) => p < n).map((minPoints) => ({ minPoints }));
  }
}

export interface TuneOptions extends RunControl {
  /** Rows of the silhouette sample per candidate. */
  silhouetteSample?: number;
  /** Restrict the search to these parameter sets (default: the grid). */
  params?: ClusterParams[];
  /** Rows Ward's merges are computed on (the rest are assigned). */
  wardSample?: number;
}

/** Runs and scores every candidate of one algorithm; reuses what does not depend on the swept parameter. */
function candidatesOf(
  m: Matrix,
  algorithm: Algorithm,
  options: TuneOptions,
  out: { candidate: Candidate; clustering: Clustering }[],
): void {
  const list = options.params ?? grid(algorithm, m.n);
  const hierarchies = new Map<number, HdbscanHierarchy>();
  let ward: { sample: Int32Array; sub: Matrix; merges: Merge[] } | undefined;
  for (const params of list) {
    checkAbort(options.signal);
    options.onProgress?.({ step: `tuning ${algorithm}`, done: out.length, total: list.length });
    const start = performance.now();
    let clustering: Clustering;
    if (algorithm === 'hdbscan') {
      const minClusterSize = requireInt(params.minClusterSize, 'minClusterSize', 2);
      const minSamples = params.minSamples ?? Math.min(minClusterSize, 10);
      let h = hierarchies.get(minSamples);
      if (!h) {
        h = hdbscanHierarchy(m, minSamples, { signal: options.signal });
        hierarchies.set(minSamples, h);
      }
      const r = hdbscanFromHierarchy(m, h, { minClusterSize, selection: params.selection });
      clustering = {
        algorithm,
        params,
        labels: r.labels,
        strengths: r.strengths,
        clusters: clusterCount(r.labels),
      };
    } else if (algorithm === 'agglomerative') {
      // One set of merges serves every k.
      if (!ward) {
        const sample = sampleIndices(
          m.n,
          Math.max(options.wardSample ?? 2000, 2),
          seededRandom(params.seed ?? 1),
        );
        const sub = sample.length === m.n ? m : takeRows(m, sample);
        ward = { sample, sub, merges: wardMerges(sub, { signal: options.signal }) };
      }
      const k = Math.min(requireInt(params.k, 'k', 1), ward.sub.n);
      const labels = assignToSampleClusters(
        m,
        ward.sample,
        ward.sub,
        cutMerges(ward.sub.n, ward.merges, k),
        k,
      );
      clustering = { algorithm, params, labels, strengths: new Float32Array(m.n).fill(1), clusters: k };
    } else {
      clustering = runAlgorithm(m, algorithm, params, { signal: options.signal });
    }
    const scores = internalScores(m, clustering.labels, { sampleSize: options.silhouetteSample ?? 1000 });
    const adjustedSilhouette = scores.silhouette * (1 - scores.noiseShare);
    const partition =
      scores.noiseShare > 0 && scores.clusters >= 2 ? partitionScores(m, clustering.labels) : undefined;
    const reason =
      scores.clusters < 2
        ? 'fewer than 2 clusters'
        : scores.noiseShare > 0.5
          ? 'more than half noise'
          : ![adjustedSilhouette, scores.daviesBouldin, scores.calinskiHarabasz].every(Number.isFinite)
            ? 'scores not finite'
            : undefined;
    out.push({
      clustering,
      candidate: {
        algorithm,
        params,
        scores,
        adjustedSilhouette,
        ...(partition ? { partition } : {}),
        eligible: reason === undefined,
        ...(reason ? { reason } : {}),
        seconds: (performance.now() - start) / 1000,
      },
    });
  }
}

function assignToSampleClusters(
  m: Matrix,
  sample: Int32Array,
  sub: Matrix,
  sampleLabels: Int32Array,
  k: number,
): Int32Array {
  if (sample.length === m.n) return sampleLabels;
  const c32 = Float32Array.from(centroids(sub, sampleLabels, k).centres);
  const labels = new Int32Array(m.n);
  for (let i = 0; i < m.n; i++) {
    let best = 0;
    let bestD = Infinity;
    for (let c = 0; c < k; c++) {
      const d = sqDist(m.data, i, c32, c, m.dim);
      if (d < bestD) [bestD, best] = [d, c];
    }
    labels[i] = best;
  }
  for (let s = 0; s < sample.length; s++) labels[sample[s]] = sampleLabels[s];
  return labels;
}

/** Ranks (1 = best; equal values share the mean rank) of `values`, `better` saying which way is up. */
function ranks(values: number[], higherIsBetter: boolean): number[] {
  const order = values
    .map((v, i) => i)
    .sort((a, b) => (higherIsBetter ? values[b] - values[a] : values[a] - values[b]));
  const out = new Array<number>(values.length);
  for (let p = 0; p < order.length;) {
    let q = p;
    while (q + 1 < order.length && values[order[q + 1]] === values[order[p]]) q++;
    for (let t = p; t <= q; t++) out[order[t]] = (p + q) / 2 + 1;
    p = q + 1;
  }
  return out;
}

/**
 * Davies–Bouldin and Calinski–Harabasz with every noise row attached to its nearest cluster
 * centre. Measured on the clustered rows alone, both improve when a candidate gives its hardest
 * rows up as noise; the silhouette already counts noise rows as 0, and these then judge the same
 * thing: a partition of every row.
 */
function partitionScores(m: Matrix, labels: Int32Array): { daviesBouldin: number; calinskiHarabasz: number } {
  const k = clusterCount(labels);
  const { centres, counts } = centroids(m, labels, k);
  const full = Int32Array.from(labels);
  for (let i = 0; i < m.n; i++) {
    if (full[i] >= 0) continue;
    let best = -1;
    let bestD = Infinity;
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) continue;
      let d2 = 0;
      for (let d = 0; d < m.dim; d++) d2 += (m.data[i * m.dim + d] - centres[c * m.dim + d]) ** 2;
      if (d2 < bestD) {
        bestD = d2;
        best = c;
      }
    }
    full[i] = best;
  }
  return { daviesBouldin: daviesBouldin(m, full), calinskiHarabasz: calinskiHarabasz(m, full) };
}

/** Applies WINNER_RULE; returns the index of the winner among `candidates` (−1 when none is eligible). */
export function pickWinner(candidates: Candidate[]): number {
  const eligible = candidates.map((c, i) => (c.eligible ? i : -1)).filter((i) => i >= 0);
  if (eligible.length === 0) return -1;
  const sil = ranks(
    eligible.map((i) => candidates[i].adjustedSilhouette),
    true,
  );
  const db = ranks(
    eligible.map((i) => (candidates[i].partition ?? candidates[i].scores).daviesBouldin),
    false,
  );
  const ch = ranks(
    eligible.map((i) => (candidates[i].partition ?? candidates[i].scores).calinskiHarabasz),
    true,
  );
  eligible.forEach((i, e) => (candidates[i].meanRank = (sil[e] + db[e] + ch[e]) / 3));
  const sorted = [...eligible].sort((a, b) => {
    const ca = candidates[a];
    const cb = candidates[b];
    return (
      (ca.meanRank as number) - (cb.meanRank as number) ||
      cb.adjustedSilhouette - ca.adjustedSilhouette ||
      ca.scores.clusters - cb.scores.clusters ||
      a - b
    );
  });
  return sorted[0];
}

/** Searches one algorithm's grid, or every algorithm's with `auto`. */
export function tune(m: Matrix, algorithm: Algorithm | 'auto', options: TuneOptions = {}): TuneResult {
  if (m.n < 3) throw new Error(`clustering needs at least 3 rows, not ${m.n}`);
  const runs: { candidate: Candidate; clustering: Clustering }[] = [];
  for (const a of algorithm === 'auto' ? ALGORITHMS : [algorithm]) candidatesOf(m, a, options, runs);
  const candidates = runs.map((r) => r.candidate);
  const winnerIndex = pickWinner(candidates);
  if (winnerIndex < 0) throw new Error(`no ${algorithm} candidate was eligible (${WINNER_RULE})`);
  return { winner: runs[winnerIndex].clustering, winnerIndex, candidates, rule: WINNER_RULE };
}
