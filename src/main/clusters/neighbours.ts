/**
 * Exact nearest neighbours by brute force over the dense matrix. Quadratic, so it is meant for the
 * reduced spaces (≈10-D) density clustering runs in, where a full pass over 20,000 rows takes a
 * few seconds; partial distances are abandoned once they exceed the current k-th best.
 */
import { type Matrix, type RunControl, checkAbort } from './matrix';

export interface Neighbours {
  k: number;
  /** n × k indices, nearest first (the row itself excluded). */
  indices: Int32Array;
  /** n × k squared distances, matching `indices`. */
  sqDistances: Float64Array;
}

/** The k nearest other rows of every row. */
export function kNearest(m: Matrix, k: number, control: RunControl = {}): Neighbours {
  const { data, n, dim } = m;
  if (k < 1 || k >= n) throw new Error(`k = ${k} must be between 1 and n - 1 = ${n - 1}`);
  const indices = new Int32Array(n * k);
  const sq = new Float64Array(n * k).fill(Infinity);
  const bestI = new Int32Array(k);
  const bestD = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    if ((i & 255) === 0) {
      checkAbort(control.signal);
      control.onProgress?.({ step: 'neighbours', done: i, total: n });
    }
    bestD.fill(Infinity);
    bestI.fill(-1);
    let worst = Infinity;
    const oi = i * dim;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const oj = j * dim;
      let s = 0;
      for (let d = 0; d < dim; d++) {
        const e = data[oi + d] - data[oj + d];
        s += e * e;
        if (s >= worst) break;
      }
      if (s >= worst) continue;
      // Insert into the sorted top-k.
      let p = k - 1;
      while (p > 0 && bestD[p - 1] > s) {
        bestD[p] = bestD[p - 1];
        bestI[p] = bestI[p - 1];
        p--;
      }
      bestD[p] = s;
      bestI[p] = j;
      worst = bestD[k - 1];
    }
    indices.set(bestI, i * k);
    sq.set(bestD, i * k);
  }
  return { k, indices, sqDistances: sq };
}

/** The k nearest rows of `reference` to row `q` of `queries` (for assigning new points). */
export function kNearestOf(
  reference: Matrix,
  queries: Float32Array,
  q: number,
  k: number,
): { indices: Int32Array; sqDistances: Float64Array } {
  const { data, n, dim } = reference;
  const kk = Math.min(k, n);
  const bestI = new Int32Array(kk).fill(-1);
  const bestD = new Float64Array(kk).fill(Infinity);
  const oq = q * dim;
  for (let j = 0; j < n; j++) {
    const oj = j * dim;
    let s = 0;
    for (let d = 0; d < dim; d++) {
      const e = queries[oq + d] - data[oj + d];
      s += e * e;
    }
    if (s >= bestD[kk - 1]) continue;
    let p = kk - 1;
    while (p > 0 && bestD[p - 1] > s) {
      bestD[p] = bestD[p - 1];
      bestI[p] = bestI[p - 1];
      p--;
    }
    bestD[p] = s;
    bestI[p] = j;
  }
  return { indices: bestI, sqDistances: bestD };
}
