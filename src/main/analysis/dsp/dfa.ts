/**
 * Danceability by detrended fluctuation analysis (Streich & Herrera, AES 2005), defined as
 * Essentia's `Danceability` defines it so it can be tested against it (defaults: minTau 310 ms,
 * maxTau 8800 ms, tauMultiplier 1.1):
 * - the signal's standard deviation per 10 ms frame (n − 1 in the denominator), minus its mean,
 *   integrated (cumulative sum): y;
 * - for each box length τ (frames; 310 ms × 1.1^i up to 8800 ms, as Essentia steps it in float32),
 *   boxes [k, k + τ) for k = 0, jump, 2·jump … < N − τ (jump = max(1, ⌊τ/50⌋)), each contributing
 *   the mean squared residual of y's least-squares line over the box; F(τ) = √(Σ / ((N − τ)/jump));
 * - α_i = log10(F(τ_{i+1}) / F(τ_i)) / log10((τ_{i+1} + 3)/(τ_i + 3)); danceability = 1 / mean α
 *   (0 when the mean is ≤ 0, when some F is 0, or when fewer than two τ fit in the signal).
 *
 * Why not essentia.js: it sums every box directly in float32 (≈ 14 M multiply-adds for a minute at
 * any rate), ~90 ms CPU per 60 s excerpt here. Each box's sums (Σy, Σy², Σj·y) come here from prefix
 * sums in float64 instead, O(1) per box, so the cost is the one pass that makes the 10 ms deviations
 * (~3 ms per minute at 16 kHz), and the result is the same up to Essentia's own float32 rounding
 * (test/integration/analysis/features/envelope.test.ts states the tolerance).
 */

export interface DanceabilityOptions {
  minTauMs?: number;
  maxTauMs?: number;
  tauMultiplier?: number;
}

/** Box lengths in 10 ms frames, stepped as Essentia does (a float32 accumulator). */
export function dfaTaus(minTauMs = 310, maxTauMs = 8800, multiplier = 1.1): number[] {
  if (!(minTauMs > 0) || !(maxTauMs >= minTauMs) || !(multiplier > 1)) {
    throw new Error(`dfaTaus: bad range ${minTauMs}…${maxTauMs} ms × ${multiplier}`);
  }
  const out: number[] = [];
  const m = Math.fround(multiplier);
  const max = Math.fround(maxTauMs);
  for (let tau = Math.fround(minTauMs); tau <= max; tau = Math.fround(tau * m))
    out.push(Math.trunc(tau / 10));
  return out;
}

/** Standard deviation (n − 1 denominator) of each whole 10 ms frame of `x`. */
function frameDeviations(x: Float32Array, frameSize: number): Float64Array {
  const frames = Math.floor(x.length / frameSize);
  const out = new Float64Array(frames);
  for (let f = 0; f < frames; f++) {
    const a = f * frameSize;
    const b = a + frameSize;
    let sum = 0;
    for (let i = a; i < b; i++) sum += x[i];
    const mean = sum / frameSize;
    let v = 0;
    for (let i = a; i < b; i++) {
      const d = x[i] - mean;
      v += d * d;
    }
    out[f] = Math.sqrt(v / (frameSize - 1));
  }
  return out;
}

export function danceability(x: Float32Array, sampleRate: number, opts: DanceabilityOptions = {}): number {
  const taus = dfaTaus(opts.minTauMs, opts.maxTauMs, opts.tauMultiplier);
  const frameSize = Math.trunc(0.01 * sampleRate);
  if (frameSize < 2) throw new Error(`danceability: sample rate ${sampleRate} too low`);
  const s = frameDeviations(x, frameSize);
  const n = s.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += s[i];
  mean /= n;
  // Prefix sums of y, y² and j·y (y = the integrated, mean-removed deviations): p[i] sums j < i.
  const p1 = new Float64Array(n + 1);
  const p2 = new Float64Array(n + 1);
  const pj = new Float64Array(n + 1);
  let y = 0;
  for (let j = 0; j < n; j++) {
    y += s[j] - mean;
    p1[j + 1] = p1[j] + y;
    p2[j + 1] = p2[j] + y * y;
    pj[j + 1] = pj[j] + j * y;
  }
  const fluct: number[] = [];
  for (const tau of taus) {
    if (n < tau) break;
    if (n === tau) {
      fluct.push(0);
      continue;
    }
    const jump = Math.max(1, Math.trunc(tau / 50));
    const meanX = (tau - 1) / 2;
    const ssxx = (tau * (tau * tau - 1)) / 12;
    let total = 0;
    for (let k = 0; k < n - tau; k += jump) {
      const e = k + tau;
      const sy = p1[e] - p1[k];
      const syy = p2[e] - p2[k];
      const sxy = pj[e] - pj[k] - k * sy; // Σ (j − k)·y_j over the box
      const ssyy = syy - (sy * sy) / tau;
      const ssxy = sxy - meanX * sy;
      total += Math.max(0, ssyy - (ssxy * ssxy) / ssxx) / tau;
    }
    fluct.push(Math.sqrt(total / ((n - tau) / jump)));
  }
  if (fluct.length <= 1) return 0;
  let alpha = 0;
  for (let i = 0; i < fluct.length - 1; i++) {
    if (!(fluct[i + 1] > 0)) return 0;
    alpha += Math.log10(fluct[i + 1] / fluct[i]) / Math.log10((taus[i + 1] + 3) / (taus[i] + 3));
  }
  alpha /= fluct.length - 1;
  const d = alpha > 0 ? 1 / alpha : 0;
  return Number.isFinite(d) ? d : 0;
}
