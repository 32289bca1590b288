/**
 * Quality of a clustering: internal (silhouette, Davies–Bouldin, Calinski–Harabasz) and against
 * reference labels (adjusted Rand index, normalised mutual information). Noise (label < 0) is left
 * out of the internal scores; the share of noise is reported beside them.
 */
import { type Matrix, centroids, clusterCount, sampleIndices, seededRandom, sqDist } from './matrix';

export interface InternalScores {
  /** Mean silhouette in [−1, 1], higher is better; NaN with fewer than 2 clusters. */
  silhouette: number;
  /** Davies–Bouldin index ≥ 0, lower is better. */
  daviesBouldin: number;
  /** Calinski–Harabasz index, higher is better. */
  calinskiHarabasz: number;
  clusters: number;
  noiseShare: number;
  /** Rows the silhouette was computed on (all labelled rows, or a sample of them). */
  silhouetteRows: number;
}

export interface SilhouetteOptions {
  /** Above this many labelled rows the silhouette is computed on a sample of this size. */
  sampleSize?: number;
  seed?: number;
}

/** Mean silhouette of the labelled rows (exact up to `sampleSize` rows, else on a seeded sample). */
export function silhouette(
  m: Matrix,
  labels: ArrayLike<number>,
  options: SilhouetteOptions = {},
): { value: number; rows: number } {
  const { sampleSize = 2000, seed = 7 } = options;
  const labelled: number[] = [];
  for (let i = 0; i < m.n; i++) if (labels[i] >= 0) labelled.push(i);
  const pick = sampleIndices(labelled.length, sampleSize, seededRandom(seed));
  const rows = Array.from(pick, (p) => labelled[p]);
  const s = rows.length;
  // Compact labels of the rows used.
  const ids = new Map<number, number>();
  const lab = new Int32Array(s);
  for (let r = 0; r < s; r++) {
    const l = labels[rows[r]];
    let id = ids.get(l);
    if (id === undefined) {
      id = ids.size;
      ids.set(l, id);
    }
    lab[r] = id;
  }
  const k = ids.size;
  if (k < 2 || k >= s) return { value: NaN, rows: s };
  const counts = new Int32Array(k);
  for (let r = 0; r < s; r++) counts[lab[r]]++;
  const sums = new Float64Array(s * k);
  const { data, dim } = m;
  for (let a = 0; a < s; a++) {
    for (let b = a + 1; b < s; b++) {
      const d = Math.sqrt(sqDist(data, rows[a], data, rows[b], dim));
      sums[a * k + lab[b]] += d;
      sums[b * k + lab[a]] += d;
    }
  }
  let total = 0;
  for (let r = 0; r < s; r++) {
    const own = lab[r];
    if (counts[own] === 1) continue; // a singleton's silhouette is 0
    const a = sums[r * k + own] / (counts[own] - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own && counts[c] > 0) b = Math.min(b, sums[r * k + c] / counts[c]);
    const denominator = Math.max(a, b);
    total += denominator > 0 ? (b - a) / denominator : 0;
  }
  return { value: total / s, rows: s };
}

export function daviesBouldin(m: Matrix, labels: ArrayLike<number>): number {
  const k = clusterCount(labels);
  const { centres, counts } = centroids(m, labels, k);
  const c32 = Float32Array.from(centres);
  const scatter = new Float64Array(k);
  for (let i = 0; i < m.n; i++) {
    const c = labels[i];
    if (c >= 0) scatter[c] += Math.sqrt(sqDist(m.data, i, c32, c, m.dim));
  }
  const present: number[] = [];
  for (let c = 0; c < k; c++) {
    if (counts[c] > 0) {
      scatter[c] /= counts[c];
      present.push(c);
    }
  }
  if (present.length < 2) return NaN;
  let total = 0;
  for (const i of present) {
    let worst = 0;
    for (const j of present) {
      if (i === j) continue;
      const sep = Math.sqrt(sqDist(c32, i, c32, j, m.dim));
      const r = sep > 0 ? (scatter[i] + scatter[j]) / sep : Infinity;
      if (r > worst) worst = r;
    }
    total += worst;
  }
  return total / present.length;
}

export function calinskiHarabasz(m: Matrix, labels: ArrayLike<number>): number {
  const k = clusterCount(labels);
  const { centres, counts } = centroids(m, labels, k);
  const c32 = Float32Array.from(centres);
  const { dim } = m;
  const overall = new Float64Array(dim);
  let n = 0;
  for (let c = 0; c < k; c++) {
    n += counts[c];
    for (let d = 0; d < dim; d++) overall[d] += centres[c * dim + d] * counts[c];
  }
  for (let d = 0; d < dim; d++) overall[d] /= n;
  let between = 0;
  let present = 0;
  for (let c = 0; c < k; c++) {
    if (counts[c] === 0) continue;
    present++;
    let s = 0;
    for (let d = 0; d < dim; d++) {
      const e = centres[c * dim + d] - overall[d];
      s += e * e;
    }
    between += counts[c] * s;
  }
  let within = 0;
  for (let i = 0; i < m.n; i++) if (labels[i] >= 0) within += sqDist(m.data, i, c32, labels[i], dim);
  if (present < 2 || n <= present) return NaN;
  if (within === 0) return Infinity;
  return between / (present - 1) / (within / (n - present));
}

export function internalScores(
  m: Matrix,
  labels: ArrayLike<number>,
  options: SilhouetteOptions = {},
): InternalScores {
  let noise = 0;
  for (let i = 0; i < m.n; i++) if (labels[i] < 0) noise++;
  const sil = silhouette(m, labels, options);
  const present = new Set<number>();
  for (let i = 0; i < m.n; i++) if (labels[i] >= 0) present.add(labels[i]);
  return {
    silhouette: sil.value,
    daviesBouldin: daviesBouldin(m, labels),
    calinskiHarabasz: calinskiHarabasz(m, labels),
    clusters: present.size,
    noiseShare: m.n > 0 ? noise / m.n : 0,
    silhouetteRows: sil.rows,
  };
}

/** Contingency counts of two labelings (any integer labels; noise is a label of its own here). */
function contingency(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
): { table: Map<string, number>; rows: Map<number, number>; cols: Map<number, number>; n: number } {
  if (a.length !== b.length) throw new Error(`labelings differ in length: ${a.length} and ${b.length}`);
  const table = new Map<string, number>();
  const rows = new Map<number, number>();
  const cols = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    const key = `${a[i]} ${b[i]}`;
    table.set(key, (table.get(key) ?? 0) + 1);
    rows.set(a[i], (rows.get(a[i]) ?? 0) + 1);
    cols.set(b[i], (cols.get(b[i]) ?? 0) + 1);
  }
  return { table, rows, cols, n: a.length };
}

const pairs = (x: number): number => (x * (x - 1)) / 2;

/** Adjusted Rand index (Hubert & Arabie): 1 for identical partitions, ≈0 for chance. */
export function adjustedRandIndex(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const { table, rows, cols, n } = contingency(a, b);
  let index = 0;
  for (const v of table.values()) index += pairs(v);
  let sa = 0;
  for (const v of rows.values()) sa += pairs(v);
  let sb = 0;
  for (const v of cols.values()) sb += pairs(v);
  const expected = (sa * sb) / pairs(n);
  const max = (sa + sb) / 2;
  if (max === expected) return 1;
  return (index - expected) / (max - expected);
}

/** Normalised mutual information, arithmetic-mean normalisation (scikit-learn's default). */
export function normalisedMutualInformation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const { table, rows, cols, n } = contingency(a, b);
  const entropy = (counts: Iterable<number>): number => {
    let h = 0;
    for (const c of counts) if (c > 0) h -= (c / n) * Math.log(c / n);
    return h;
  };
  let mi = 0;
  for (const [key, v] of table) {
    const [x, y] = key.split(' ').map(Number);
    mi += (v / n) * Math.log((n * v) / ((rows.get(x) as number) * (cols.get(y) as number)));
  }
  const ha = entropy(rows.values());
  const hb = entropy(cols.values());
  if (ha === 0 && hb === 0) return 1;
  const denominator = (ha + hb) / 2;
  return denominator > 0 ? Math.max(0, mi) / denominator : 0;
}
