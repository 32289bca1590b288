/**
 * Hubness: in high dimensions a few points ("hubs") are among the nearest neighbours of very many
 * others, so "play similar" keeps offering the same tracks. We measure it by the skewness of the
 * k-occurrence distribution (how often each point appears in others' k-NN lists, k = 10) and reduce
 * it with mutual proximity (Schnitzer et al. 2012), Gaussian approximation: each point's similarity
 * distribution is modelled as N(μ_x, σ_x) estimated from the library, and
 *   MP(x, y) = P(S_x < s) · P(S_y < s),  s = cos(x, y)
 * i.e. y is a close neighbour of x only if s is unusually high for both of them.
 * Ranking uses log(1 − MP) (computed stably) because MP saturates at 1 for close neighbours.
 *
 * The statistics never depend on row order or track ids: up to HUB_EXACT_LIMIT rows they are exact
 * (every other row), above it they use the rows whose content hashes lowest (the same rows
 * whichever order the library was built in). Measured here on 232-d rows with other work on the
 * machine: exact statistics cost ~0.13 s at 500 rows and grow with n² (~0.5 s at 1,000), so the
 * limit is 512; a sample of 128 costs n × 128 dot products.
 */
import type { RowSource } from './vectors';
import { rowHash } from './canonical';
import { dotRow, dotRows } from './vectors';

/** Libraries up to this many rows get exact statistics (every pair). */
export const HUB_EXACT_LIMIT = 512;

export interface HubStats {
  mu: Float32Array;
  sigma: Float32Array;
  /** The rows the statistics were estimated against (to estimate them for a new query vector). */
  sample: Int32Array;
}

/**
 * The rows statistics are measured against: every row up to `exactUpTo`, else the `sampleSize`
 * rows whose content hashes lowest (ties by row content, never by position alone).
 */
export function hubSample(
  src: RowSource,
  sampleSize = 128,
  seed = 7,
  exactUpTo = HUB_EXACT_LIMIT,
): Int32Array {
  const { data, dim, count: n } = src;
  if (n <= exactUpTo || sampleSize >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = rowHash(data, i * dim, dim, seed);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => keys[a] - keys[b] || a - b);
  return Int32Array.from(order.slice(0, Math.max(1, sampleSize)));
}

/**
 * μ and σ of each row's similarities to the sample rows (itself excluded); see `hubSample`. With
 * `prev`, rows from `from` on are added and measured against the sample of the build.
 */
export function hubStats(
  src: RowSource,
  sampleSize = 128,
  seed = 7,
  from = 0,
  prev?: HubStats,
  exactUpTo = HUB_EXACT_LIMIT,
): HubStats {
  const { data, dim, count: n } = src;
  // Added rows are measured against the sample chosen at build time.
  const sample = prev ? prev.sample : hubSample(src, sampleSize, seed, exactUpTo);
  if (!prev && sample.length === n) return exactHubStats(src, sample);
  const mu = new Float32Array(n);
  const sigma = new Float32Array(n);
  if (prev) {
    mu.set(prev.mu.subarray(0, Math.min(from, prev.mu.length)));
    sigma.set(prev.sigma.subarray(0, Math.min(from, prev.sigma.length)));
  }
  for (let i = prev ? from : 0; i < n; i++) {
    let sum = 0;
    let sq = 0;
    let m = 0;
    for (let j = 0; j < sample.length; j++) {
      const r = sample[j];
      if (r === i) continue;
      const v = dotRows(data, i, r, dim);
      sum += v;
      sq += v * v;
      m++;
    }
    const mean = m > 0 ? sum / m : 0;
    const variance = m > 1 ? Math.max(0, (sq - m * mean * mean) / (m - 1)) : 0;
    mu[i] = mean;
    sigma[i] = Math.max(Math.sqrt(variance), 1e-3);
  }
  return { mu, sigma, sample };
}

/** Exact statistics (every other row), each pair's product computed once. */
function exactHubStats(src: RowSource, sample: Int32Array): HubStats {
  const { data, dim, count: n } = src;
  const sum = new Float64Array(n);
  const sq = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = dotRows(data, i, j, dim);
      sum[i] += v;
      sum[j] += v;
      sq[i] += v * v;
      sq[j] += v * v;
    }
  }
  const mu = new Float32Array(n);
  const sigma = new Float32Array(n);
  const m = n - 1;
  for (let i = 0; i < n; i++) {
    const mean = m > 0 ? sum[i] / m : 0;
    const variance = m > 1 ? Math.max(0, (sq[i] - m * mean * mean) / (m - 1)) : 0;
    mu[i] = mean;
    sigma[i] = Math.max(Math.sqrt(variance), 1e-3);
  }
  return { mu, sigma, sample };
}

/** μ and σ of a query vector's similarities to the sample rows. */
export function queryStats(src: RowSource, hub: HubStats, q: Float32Array): { mu: number; sigma: number } {
  let sum = 0;
  let sq = 0;
  const m = hub.sample.length;
  for (let j = 0; j < m; j++) {
    const v = dotRow(src.data, hub.sample[j], q, src.dim);
    sum += v;
    sq += v * v;
  }
  const mean = m > 0 ? sum / m : 0;
  const variance = m > 1 ? Math.max(0, (sq - m * mean * mean) / (m - 1)) : 0;
  return { mu: mean, sigma: Math.max(Math.sqrt(variance), 1e-3) };
}

/** log of the upper tail Q(z) = P(Z > z) of the standard normal, accurate far into both tails. */
export function logNormalTail(z: number): number {
  if (z < 0) return Math.log1p(-0.5 * erfcPos(-z / Math.SQRT2));
  if (z < 8) return Math.log(0.5 * erfcPos(z / Math.SQRT2));
  // Asymptotic expansion of Mills' ratio.
  const z2 = z * z;
  return (
    -0.5 * z2 -
    Math.log(z) -
    0.5 * Math.log(2 * Math.PI) +
    Math.log1p(-1 / z2 + 3 / (z2 * z2) - 15 / (z2 * z2 * z2))
  );
}

/** erfc(x) for x ≥ 0 (Numerical Recipes' Chebyshev fit, relative error < 1.2e-7). */
function erfcPos(x: number): number {
  const t = 1 / (1 + 0.5 * x);
  const y =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return y;
}

/**
 * log(1 − MP(x, y)) for similarity s: lower means closer. Stable when both tails are tiny.
 * 1 − MP = Qx + Qy − Qx·Qy.
 */
export function logOneMinusMp(s: number, mux: number, sx: number, muy: number, sy: number): number {
  const a = logNormalTail((s - mux) / sx);
  const b = logNormalTail((s - muy) / sy);
  const hi = Math.max(a, b);
  const lo = Math.min(a, b);
  const lse = hi + Math.log1p(Math.exp(lo - hi));
  const prod = a + b;
  const r = Math.exp(prod - lse);
  return r < 1 ? lse + Math.log1p(-r) : -Infinity;
}

/** Mutual-proximity score in [0, 1] (higher is closer) from log(1 − MP). */
export function mpScore(logOneMinus: number): number {
  return 1 - Math.exp(logOneMinus);
}

/** Sample skewness of a distribution. */
export function skewness(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 3) return 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i];
  mean /= n;
  let m2 = 0;
  let m3 = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - mean;
    m2 += d * d;
    m3 += d * d * d;
  }
  m2 /= n;
  m3 /= n;
  return m2 > 0 ? m3 / Math.pow(m2, 1.5) : 0;
}

/**
 * k-occurrence counts given each point's neighbour lists (self excluded by the caller):
 * N_k(x) = how many lists contain x.
 */
export function kOccurrence(neighbours: ArrayLike<number>[], n: number): Int32Array {
  const counts = new Int32Array(n);
  for (const list of neighbours) for (let j = 0; j < list.length; j++) counts[list[j]]++;
  return counts;
}

/** Exact k-NN lists of every row (cosine, self excluded), optionally re-ranked by mutual proximity. */
export function allKnn(src: RowSource, k: number, hub?: HubStats): Int32Array[] {
  const { data, dim, count: n } = src;
  const out: Int32Array[] = [];
  const scores = new Float64Array(n);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const q = data.subarray(i * dim, i * dim + dim);
    for (let j = 0; j < n; j++) {
      if (j === i) {
        scores[j] = -Infinity;
        continue;
      }
      const s = dotRow(data, j, q, dim);
      scores[j] = hub ? -logOneMinusMp(s, hub.mu[i], hub.sigma[i], hub.mu[j], hub.sigma[j]) : s;
      order[j] = j;
    }
    order[i] = i;
    const idx = Array.from(order);
    idx.sort((a, b) => scores[b] - scores[a]);
    out.push(Int32Array.from(idx.slice(0, k)));
  }
  return out;
}

/** k-occurrence skewness at k (exact k-NN, O(n²): for corpora up to a few thousand rows). */
export function hubnessSkewness(src: RowSource, k = 10, hub?: HubStats): number {
  return skewness(kOccurrence(allKnn(src, k, hub), src.count));
}
