/**
 * DBSCAN (Ester et al. 1996) on the dense matrix, with eps read off the k-distance curve when not
 * given. Ours: density-clustering's DBSCAN works on arrays of arrays and scans every point per
 * region query with no early exit, which bench/clusters.ts measures against this.
 */
import { type Matrix, type RunControl, NOISE, checkAbort } from './matrix';
import { kNearest } from './neighbours';

export interface DbscanOptions extends RunControl {
  /** Neighbourhood radius; from the k-distance curve when omitted. */
  eps?: number;
  /** Points within eps (the point itself counted) that make a core point. */
  minPoints: number;
}

export interface DbscanResult {
  labels: Int32Array;
  /** 1 for core points, 0.5 for border points, 0 for noise. */
  strengths: Float32Array;
  eps: number;
}

/**
 * eps from the sorted (minPoints − 1)-th neighbour distances: the "knee", the point of the curve
 * farthest from the chord between its ends.
 */
export function epsFromKDistance(m: Matrix, minPoints: number, control: RunControl = {}): number {
  const k = Math.max(1, Math.min(minPoints - 1, m.n - 1));
  const nn = kNearest(m, k, control);
  const kd = new Float64Array(m.n);
  for (let i = 0; i < m.n; i++) kd[i] = Math.sqrt(nn.sqDistances[i * k + k - 1]);
  return kneeOf(kd.sort());
}

/** Knee of an ascending curve: the point farthest from the chord joining first and last. */
export function kneeOf(sorted: Float64Array): number {
  const n = sorted.length;
  if (n < 3) return sorted[n - 1] ?? 0;
  const x1 = n - 1;
  const y0 = sorted[0];
  const y1 = sorted[n - 1];
  // Scale both axes to [0, 1] so the knee does not depend on units.
  const dy = y1 - y0 || 1;
  let best = 0;
  let bestGap = -Infinity;
  for (let i = 0; i < n; i++) {
    const gap = i / x1 - (sorted[i] - y0) / dy;
    if (gap > bestGap) {
      bestGap = gap;
      best = i;
    }
  }
  return sorted[best];
}

export function dbscan(m: Matrix, options: DbscanOptions): DbscanResult {
  const { data, n, dim } = m;
  const { minPoints } = options;
  if (!Number.isInteger(minPoints) || minPoints < 1) throw new Error('minPoints must be a positive integer');
  const eps = options.eps ?? epsFromKDistance(m, minPoints, options);
  if (!(eps > 0)) throw new Error(`eps must be positive, not ${eps}`);
  const epsSq = eps * eps;
  const labels = new Int32Array(n).fill(-2); // -2: not visited yet
  const strengths = new Float32Array(n);
  const region = (i: number, out: number[]): void => {
    out.length = 0;
    const oi = i * dim;
    for (let j = 0; j < n; j++) {
      const oj = j * dim;
      let s = 0;
      for (let d = 0; d < dim; d++) {
        const e = data[oi + d] - data[oj + d];
        s += e * e;
        if (s > epsSq) break;
      }
      if (s <= epsSq) out.push(j);
    }
  };
  const neighbours: number[] = [];
  let cluster = 0;
  let visited = 0;
  for (let i = 0; i < n; i++) {
    if (labels[i] !== -2) continue;
    region(i, neighbours);
    if (neighbours.length < minPoints) {
      labels[i] = NOISE;
      continue;
    }
    labels[i] = cluster;
    strengths[i] = 1;
    // Every point is queued at most once: it takes the cluster's label when queued.
    const queue: number[] = [];
    const claim = (list: number[]): void => {
      for (const x of list) {
        if (labels[x] === -2) {
          labels[x] = cluster;
          queue.push(x);
        } else if (labels[x] === NOISE) {
          labels[x] = cluster;
          strengths[x] = 0.5;
        }
      }
    };
    claim(neighbours);
    for (let q = 0; q < queue.length; q++) {
      if ((++visited & 1023) === 0) {
        checkAbort(options.signal);
        options.onProgress?.({ step: 'dbscan', done: visited, total: n });
      }
      const j = queue[q];
      region(j, neighbours);
      if (neighbours.length >= minPoints) {
        strengths[j] = 1;
        claim(neighbours);
      } else strengths[j] = 0.5;
    }
    cluster++;
  }
  return { labels, strengths, eps };
}
