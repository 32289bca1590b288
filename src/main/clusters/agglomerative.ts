/**
 * Agglomerative clustering with Ward's linkage by the nearest-neighbour chain (exact, O(s²) time
 * and memory on s rows). Large inputs are clustered on a deterministic sample and every other row
 * joins the cluster whose sample centroid is nearest.
 */
import {
  type Matrix,
  type RunControl,
  centroids,
  checkAbort,
  sampleIndices,
  seededRandom,
  sqDist,
  takeRows,
} from './matrix';

export interface AgglomerativeOptions extends RunControl {
  k: number;
  /** Rows clustered exactly; the rest are assigned. */
  sampleSize?: number;
  seed?: number;
}

export interface Merge {
  a: number;
  b: number;
  /** Ward distance: the increase in within-cluster sum of squares times two. */
  distance: number;
}

export interface AgglomerativeResult {
  labels: Int32Array;
  k: number;
  /** Merges of the sampled rows (sample-local indices), by increasing distance. */
  merges: Merge[];
  sample: Int32Array;
}

/** Ward merges of all rows of `m`, sorted by distance (n − 1 of them). */
export function wardMerges(m: Matrix, control: RunControl = {}): Merge[] {
  const { data, n, dim } = m;
  const dist = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = sqDist(data, i, data, j, dim);
      dist[i * n + j] = d;
      dist[j * n + i] = d;
    }
  }
  const size = new Float64Array(n).fill(1);
  const active = new Uint8Array(n).fill(1);
  const merges: Merge[] = [];
  const chain: number[] = [];
  let nextStart = 0;
  while (merges.length < n - 1) {
    if (chain.length === 0) {
      while (!active[nextStart]) nextStart++;
      chain.push(nextStart);
    }
    const a = chain[chain.length - 1];
    const previous = chain.length >= 2 ? chain[chain.length - 2] : -1;
    // Nearest active cluster to a; the previous chain element wins ties (keeps the chain finite).
    let b = previous;
    let best = previous >= 0 ? dist[a * n + previous] : Infinity;
    for (let j = 0; j < n; j++) {
      if (!active[j] || j === a) continue;
      const d = dist[a * n + j];
      if (d < best) {
        best = d;
        b = j;
      }
    }
    if (b !== previous) {
      chain.push(b);
      continue;
    }
    chain.pop();
    chain.pop();
    merges.push({ a, b, distance: best });
    if ((merges.length & 127) === 0) {
      checkAbort(control.signal);
      control.onProgress?.({ step: 'ward', done: merges.length, total: n - 1 });
    }
    // Lance–Williams update for Ward: the merged cluster lives in slot a.
    const na = size[a];
    const nb = size[b];
    for (let j = 0; j < n; j++) {
      if (!active[j] || j === a || j === b) continue;
      const nj = size[j];
      const d = ((na + nj) * dist[a * n + j] + (nb + nj) * dist[b * n + j] - nj * best) / (na + nb + nj);
      dist[a * n + j] = d;
      dist[j * n + a] = d;
    }
    size[a] = na + nb;
    active[b] = 0;
  }
  return merges.sort((x, y) => x.distance - y.distance);
}

/** Labels 0..k−1 from the first n − k merges. */
export function cutMerges(n: number, merges: Merge[], k: number): Int32Array {
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  for (let s = 0; s < n - k; s++) parent[find(merges[s].a)] = find(merges[s].b);
  const labels = new Int32Array(n);
  const ids = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const root = find(i);
    let id = ids.get(root);
    if (id === undefined) {
      id = ids.size;
      ids.set(root, id);
    }
    labels[i] = id;
  }
  return labels;
}

export function agglomerative(m: Matrix, options: AgglomerativeOptions): AgglomerativeResult {
  const { k, sampleSize = 2000, seed = 1 } = options;
  if (!Number.isInteger(k) || k < 1 || k > m.n) throw new Error(`k must be an integer in 1..${m.n}`);
  const sample = sampleIndices(m.n, Math.max(sampleSize, k), seededRandom(seed));
  const sub = sample.length === m.n ? m : takeRows(m, sample);
  const merges = wardMerges(sub, options);
  const sampleLabels = cutMerges(sub.n, merges, k);
  if (sample.length === m.n) return { labels: sampleLabels, k, merges, sample };
  const { centres } = centroids(sub, sampleLabels, k);
  const centres32 = Float32Array.from(centres);
  const labels = new Int32Array(m.n);
  for (let i = 0; i < m.n; i++) {
    let best = 0;
    let bestD = Infinity;
    for (let c = 0; c < k; c++) {
      const d = sqDist(m.data, i, centres32, c, m.dim);
      if (d < bestD) {
        bestD = d;
        best = c;
      }
    }
    labels[i] = best;
  }
  for (let s = 0; s < sample.length; s++) labels[sample[s]] = sampleLabels[s];
  return { labels, k, merges, sample };
}
