/**
 * EBU R128 / ITU-R BS.1770-4 loudness of a mono signal treated as two identical channels (what
 * Essentia's `LoudnessEBUR128(x, x)` computes): K-weighting (high shelf + high pass, designed for any
 * sample rate from the analog prototype, as libebur128 does), 400 ms blocks every 100 ms gated at
 * −70 LUFS and −10 LU for the integrated loudness, and 3 s windows gated at −70 LUFS and −20 LU, the
 * 10th–95th percentile spread, for the loudness range. ~20× faster than Essentia's (450 ms per 30 s
 * at 16 kHz there).
 */

interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

export function kWeightingFilters(sampleRate: number): [Biquad, Biquad] {
  // Stage 1: high shelf (the head's acoustic effect)
  let f0 = 1681.974450955533;
  const g = 3.999843853973347;
  let q = 0.7071752369554196;
  let k = Math.tan((Math.PI * f0) / sampleRate);
  const vh = Math.pow(10, g / 20);
  const vb = Math.pow(vh, 0.4996667741545416);
  let a0 = 1 + k / q + k * k;
  const shelf: Biquad = {
    b0: (vh + (vb * k) / q + k * k) / a0,
    b1: (2 * (k * k - vh)) / a0,
    b2: (vh - (vb * k) / q + k * k) / a0,
    a1: (2 * (k * k - 1)) / a0,
    a2: (1 - k / q + k * k) / a0,
  };
  // Stage 2: RLB high pass
  f0 = 38.13547087602444;
  q = 0.5003270373238773;
  k = Math.tan((Math.PI * f0) / sampleRate);
  a0 = 1 + k / q + k * k;
  const highPass: Biquad = { b0: 1, b1: -2, b2: 1, a1: (2 * (k * k - 1)) / a0, a2: (1 - k / q + k * k) / a0 };
  return [shelf, highPass];
}

export interface LoudnessResult {
  /** Integrated loudness, LUFS (−70 for silence). */
  integrated: number;
  /** Loudness range, LU. */
  range: number;
}

const ABS_GATE = -70;

function energyToLufs(e: number): number {
  // Two identical channels: channel sum of mean squares = 2·e.
  return -0.691 + 10 * Math.log10(2 * e);
}

/** Mean square of the K-weighted signal per 100 ms block (trailing partial block dropped). */
export function kWeightedBlockEnergies(x: Float32Array, sampleRate: number): Float64Array {
  const [s, h] = kWeightingFilters(sampleRate);
  const block = Math.round(sampleRate / 10);
  const nBlocks = Math.floor(x.length / block);
  const out = new Float64Array(nBlocks);
  // Direct form I, two cascaded sections: x → (shelf) → y → (high pass) → z
  let x1 = 0;
  let x2 = 0;
  let y1 = 0;
  let y2 = 0;
  let z1 = 0;
  let z2 = 0;
  let i = 0;
  for (let b = 0; b < nBlocks; b++) {
    let acc = 0;
    for (let end = i + block; i < end; i++) {
      const xi = x[i];
      const y = s.b0 * xi + s.b1 * x1 + s.b2 * x2 - s.a1 * y1 - s.a2 * y2;
      const z = y - 2 * y1 + y2 - h.a1 * z1 - h.a2 * z2;
      x2 = x1;
      x1 = xi;
      y2 = y1;
      y1 = y;
      z2 = z1;
      z1 = z;
      acc += z * z;
    }
    out[b] = acc / block;
  }
  return out;
}

function gatedMean(energies: number[], relativeGateLu: number): { lufs: number; kept: number[] } {
  const aboveAbs = energies.filter((e) => e > 0 && energyToLufs(e) > ABS_GATE);
  if (aboveAbs.length === 0) return { lufs: ABS_GATE, kept: [] };
  const mean = aboveAbs.reduce((a, b) => a + b, 0) / aboveAbs.length;
  const gate = energyToLufs(mean) + relativeGateLu;
  const kept = aboveAbs.filter((e) => energyToLufs(e) > gate);
  if (kept.length === 0) return { lufs: ABS_GATE, kept: [] };
  return { lufs: energyToLufs(kept.reduce((a, b) => a + b, 0) / kept.length), kept };
}

function windowEnergies(blocks: Float64Array, len: number): number[] {
  const out: number[] = [];
  if (blocks.length < len) {
    if (blocks.length > 0) out.push(blocks.reduce((a, b) => a + b, 0) / blocks.length);
    return out;
  }
  let acc = 0;
  for (let i = 0; i < len; i++) acc += blocks[i];
  out.push(acc / len);
  for (let i = len; i < blocks.length; i++) {
    acc += blocks[i] - blocks[i - len];
    out.push(Math.max(0, acc) / len);
  }
  return out;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Integrated loudness and loudness range of a mono signal (as two identical channels). */
export function ebur128(x: Float32Array, sampleRate: number): LoudnessResult {
  const blocks = kWeightedBlockEnergies(x, sampleRate);
  const momentary = windowEnergies(blocks, 4);
  const integrated = gatedMean(momentary, -10).lufs;
  const shortTerm = windowEnergies(blocks, 30);
  const { kept } = gatedMean(shortTerm, -20);
  const levels = kept.map(energyToLufs).sort((a, b) => a - b);
  const range = levels.length > 1 ? percentile(levels, 0.95) - percentile(levels, 0.1) : 0;
  return {
    integrated: Number.isFinite(integrated) ? integrated : ABS_GATE,
    range: Number.isFinite(range) ? range : 0,
  };
}
