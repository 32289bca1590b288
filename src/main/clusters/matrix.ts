/**
 * The dense matrix every clustering step works on (row-major Float32Array, one row per track), with
 * the small kernels they share: squared distances, a seeded generator, deterministic sampling,
 * progress and cancellation.
 */

export interface Matrix {
  /** Row-major values, `n × dim`. */
  data: Float32Array;
  n: number;
  dim: number;
}

/** What a long step reports: which step, how far. */
export interface Progress {
  step: string;
  done: number;
  total: number;
}

/** Options every long step accepts. */
export interface RunControl {
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
}

/** Label of a point no cluster claims (HDBSCAN, DBSCAN). */
export const NOISE = -1;

export function matrix(data: Float32Array, n: number, dim: number): Matrix {
  if (!Number.isInteger(n) || !Number.isInteger(dim) || n < 0 || dim < 1) {
    throw new Error(`bad matrix shape ${n} × ${dim}`);
  }
  if (data.length !== n * dim) throw new Error(`matrix holds ${data.length} values, not ${n} × ${dim}`);
  return { data, n, dim };
}

/** Builds a matrix from rows of equal length (tests, small inputs). */
export function fromRows(rows: ArrayLike<number>[]): Matrix {
  const n = rows.length;
  const dim = n > 0 ? rows[0].length : 1;
  const data = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    if (rows[i].length !== dim) throw new Error(`row ${i} has ${rows[i].length} values, not ${dim}`);
    for (let d = 0; d < dim; d++) data[i * dim + d] = rows[i][d];
  }
  return { data, n, dim };
}

/** The rows `indices` of `m`, copied. */
export function takeRows(m: Matrix, indices: ArrayLike<number>): Matrix {
  const out = new Float32Array(indices.length * m.dim);
  for (let r = 0; r < indices.length; r++) {
    out.set(m.data.subarray(indices[r] * m.dim, (indices[r] + 1) * m.dim), r * m.dim);
  }
  return { data: out, n: indices.length, dim: m.dim };
}

/** Squared Euclidean distance between row `i` of `a` and row `j` of `b` (same dimension). */
export function sqDist(a: Float32Array, i: number, b: Float32Array, j: number, dim: number): number {
  const oi = i * dim;
  const oj = j * dim;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let d = 0;
  const end4 = dim - (dim % 4);
  for (; d < end4; d += 4) {
    const e0 = a[oi + d] - b[oj + d];
    const e1 = a[oi + d + 1] - b[oj + d + 1];
    const e2 = a[oi + d + 2] - b[oj + d + 2];
    const e3 = a[oi + d + 3] - b[oj + d + 3];
    s0 += e0 * e0;
    s1 += e1 * e1;
    s2 += e2 * e2;
    s3 += e3 * e3;
  }
  for (; d < dim; d++) {
    const e = a[oi + d] - b[oj + d];
    s0 += e * e;
  }
  return s0 + s1 + s2 + s3;
}

/** Mulberry32: a small, fast, seeded generator in [0, 1); the same seed gives the same run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `size` distinct indices of `0..n-1` drawn with `random` (all of them, in order, when size ≥ n). */
export function sampleIndices(n: number, size: number, random: () => number): Int32Array {
  if (size >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const pool = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(random() * (n - i));
    const t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
  }
  return pool.slice(0, size).sort();
}

/** Throws the signal's reason (an AbortError) when cancelled. */
export function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    const reason: unknown = signal.reason;
    throw reason instanceof Error ? reason : new DOMException('clustering cancelled', 'AbortError');
  }
}

/** Number of clusters in `labels` (noise not counted); labels are 0..k-1 or NOISE. */
export function clusterCount(labels: ArrayLike<number>): number {
  let k = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] + 1 > k) k = labels[i] + 1;
  return k;
}

/** Per-cluster mean rows (k × dim), noise skipped, and the member counts. */
export function centroids(
  m: Matrix,
  labels: ArrayLike<number>,
  k: number,
): { centres: Float64Array; counts: Int32Array } {
  const { data, n, dim } = m;
  const centres = new Float64Array(k * dim);
  const counts = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    const c = labels[i];
    if (c < 0) continue;
    counts[c]++;
    const o = i * dim;
    const oc = c * dim;
    for (let d = 0; d < dim; d++) centres[oc + d] += data[o + d];
  }
  for (let c = 0; c < k; c++) {
    if (counts[c] === 0) continue;
    const oc = c * dim;
    for (let d = 0; d < dim; d++) centres[oc + d] /= counts[c];
  }
  return { centres, counts };
}
