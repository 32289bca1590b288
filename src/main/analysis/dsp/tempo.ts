/**
 * Tempo and onset rate from an onset-strength envelope (one value per analysis frame: the summed
 * positive change of the log mel bands, as librosa's `onset_strength`).
 *
 * Tempo: the envelope is detrended (minus a 1 s moving average), autocorrelated, and every candidate
 * period T between 40 and 220 BPM (in steps of 0.02 frames) is scored by a comb over its first four
 * multiples Σ acf(m·T)/m (linear interpolation between lags), weighted by a log-normal prior on tempo
 * centred on 120 BPM (σ = half an octave: on the 12 fixtures this agreed with Essentia's degara on
 * 8/12 within 4 %, as often as Essentia's own Percival estimator does; σ = 1 octave agreed on 5/12). This replaces Essentia's RhythmExtractor2013, which assumes
 * 44.1 kHz input (it gave 76 BPM instead of 113 on 16 kHz audio) and costs ~800 ms per 30 s at
 * 44.1 kHz, most of the whole per-track budget; this costs a few ms on the envelope we already have.
 *
 * Confidence (0…1): how far the best comb score stands above the median score of all candidates,
 * relative to the energy at lag 0 (0 = no periodicity, 1 = a perfectly periodic envelope).
 */

import { selectKth } from './select';

export interface TempoEstimate {
  bpm: number;
  confidence: number;
}

function movingAverage(x: Float32Array, radius: number): Float64Array {
  const n = x.length;
  const out = new Float64Array(n);
  let acc = 0;
  let lo = 0;
  let hi = -1;
  for (let i = 0; i < n; i++) {
    const wantLo = Math.max(0, i - radius);
    const wantHi = Math.min(n - 1, i + radius);
    while (hi < wantHi) acc += x[++hi];
    while (lo < wantLo) acc -= x[lo++];
    out[i] = acc / (hi - lo + 1);
  }
  return out;
}

export interface TempoOptions {
  minBpm?: number;
  maxBpm?: number;
  /** Width (octaves, one standard deviation) of the log-normal tempo prior. */
  priorOctaves?: number;
  /** Centre of the prior, BPM. */
  priorBpm?: number;
  /** Multiples of the period summed by the comb. */
  harmonics?: number;
}

export function estimateTempo(
  envelope: Float32Array,
  frameRate: number,
  opts: TempoOptions = {},
): TempoEstimate {
  const minBpm = opts.minBpm ?? 40;
  const maxBpm = opts.maxBpm ?? 220;
  const priorOctaves = opts.priorOctaves ?? 0.5;
  const priorBpm = opts.priorBpm ?? 120;
  const harmonics = opts.harmonics ?? 4;
  const n = envelope.length;
  const maxLag = Math.ceil(((60 * frameRate) / minBpm) * harmonics) + 2;
  if (n < (60 * frameRate * 2) / maxBpm || n < 16) return { bpm: 0, confidence: 0 };
  const trend = movingAverage(envelope, Math.round(frameRate / 2));
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = envelope[i] - trend[i];
  const lags = Math.min(maxLag, n - 1);
  const acf = new Float64Array(lags + 1);
  for (let lag = 0; lag <= lags; lag++) {
    let acc = 0;
    for (let i = lag; i < n; i++) acc += d[i] * d[i - lag];
    acf[lag] = acc / (n - lag);
  }
  if (!(acf[0] > 1e-12)) return { bpm: 0, confidence: 0 };
  const at = (lag: number): number => {
    if (lag >= lags) return 0;
    const i = Math.floor(lag);
    const f = lag - i;
    return acf[i] * (1 - f) + acf[i + 1] * f;
  };
  const minPeriod = (60 * frameRate) / maxBpm;
  const maxPeriod = (60 * frameRate) / minBpm;
  const scores: number[] = [];
  let best = -Infinity;
  let bestPeriod = 0;
  for (let p = minPeriod; p <= maxPeriod; p += 0.02) {
    let s = 0;
    let norm = 0;
    for (let m = 1; m <= harmonics; m++) {
      if (m * p >= lags) break;
      s += at(m * p) / m;
      norm += 1 / m;
    }
    if (norm === 0) continue;
    s /= norm;
    scores.push(s);
    const bpm = (60 * frameRate) / p;
    const prior = Math.exp(-0.5 * (Math.log2(bpm / priorBpm) / priorOctaves) ** 2);
    const weighted = s * prior;
    if (weighted > best) {
      best = weighted;
      bestPeriod = p;
    }
  }
  if (bestPeriod === 0 || scores.length === 0) return { bpm: 0, confidence: 0 };
  // Refine the period around the winner without the prior (finer step, single lag + multiples).
  let refined = bestPeriod;
  let refinedScore = -Infinity;
  for (let p = bestPeriod - 0.1; p <= bestPeriod + 0.1; p += 0.005) {
    let s = 0;
    for (let m = 1; m <= harmonics; m++) if (m * p < lags) s += at(m * p) / m;
    if (s > refinedScore) {
      refinedScore = s;
      refined = p;
    }
  }
  const sorted = [...scores].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  let rawBest = -Infinity;
  for (let m = 1, norm = 0, s = 0; m <= harmonics; m++) {
    if (m * refined >= lags) break;
    s += at(m * refined) / m;
    norm += 1 / m;
    rawBest = s / norm;
  }
  const confidence = Math.min(1, Math.max(0, (rawBest - median) / (acf[0] - median || 1)));
  const bpm = (60 * frameRate) / refined;
  return { bpm: Number.isFinite(bpm) ? bpm : 0, confidence: Number.isFinite(confidence) ? confidence : 0 };
}

/**
 * Onsets per second: peaks of the envelope that exceed a local adaptive threshold (median of the
 * surrounding ±0.5 s plus `delta` × the envelope's standard deviation), at least 50 ms apart.
 */
export function onsetRate(envelope: Float32Array, frameRate: number, delta = 0.5): number {
  const n = envelope.length;
  if (n < 3) return 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += envelope[i];
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (envelope[i] - mean) ** 2;
  const sd = Math.sqrt(v / n);
  if (!(sd > 1e-9)) return 0;
  const r = Math.max(1, Math.round(frameRate / 2));
  const minGap = Math.max(1, Math.round(frameRate * 0.05));
  let count = 0;
  let last = -Infinity;
  const win = new Float64Array(2 * r + 1);
  for (let i = 1; i < n - 1; i++) {
    const e = envelope[i];
    if (!(e > envelope[i - 1] && e >= envelope[i + 1])) continue;
    const lo = Math.max(0, i - r);
    const len = Math.min(n - 1, i + r) - lo + 1;
    for (let j = 0; j < len; j++) win[j] = envelope[lo + j];
    // The median by selection: the value sorting the window would put at len/2.
    const med = selectKth(win, len >> 1, 0, len);
    if (e > med + delta * sd && i - last >= minGap) {
      count++;
      last = i;
    }
  }
  return count / (n / frameRate);
}
