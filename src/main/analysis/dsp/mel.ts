/**
 * Mel filterbank and DCT-II, built to reproduce Essentia's `MelBands`/`MFCC` (defaults: HTK mel
 * warping `2595·log10(1 + f/700)`, triangles in the warped domain, each filter normalised to unit
 * sum, power (squared magnitude) input, bin k at k·(sr/2)/(bins−1)) and `DCT` (type II, orthonormal
 * scaling √(1/N) for c0 and √(2/N) otherwise).
 */

export const hz2melHtk = (hz: number): number => 2595 * Math.log10(1 + hz / 700);
export const melHtk2hz = (mel: number): number => 700 * (Math.pow(10, mel / 2595) - 1);

/** Sparse triangular filterbank: for filter b, weights over bins start[b] … start[b]+weights[b].length−1. */
export interface MelFilterbank {
  bands: number;
  start: Int32Array;
  weights: Float64Array[];
}

export function melFilterbank(
  bands: number,
  bins: number,
  sampleRate: number,
  lowHz = 0,
  highHz = sampleRate / 2,
): MelFilterbank {
  if (highHz > sampleRate / 2 + 1e-9) throw new Error('melFilterbank: high bound above Nyquist');
  const lowMel = hz2melHtk(lowHz);
  const step = (hz2melHtk(highHz) - lowMel) / (bands + 1);
  const edges = new Float64Array(bands + 2);
  for (let i = 0; i < bands + 2; i++) edges[i] = melHtk2hz(lowMel + i * step);
  const scale = sampleRate / 2 / (bins - 1);
  const start = new Int32Array(bands);
  const weights: Float64Array[] = [];
  for (let b = 0; b < bands; b++) {
    const m0 = hz2melHtk(edges[b]);
    const m1 = hz2melHtk(edges[b + 1]);
    const m2 = hz2melHtk(edges[b + 2]);
    const jBegin = Math.trunc(edges[b] / scale + 0.5);
    // Essentia's loop includes the rounded end bin (the weight conditions then decide).
    const jEnd = Math.min(bins, Math.trunc(edges[b + 2] / scale + 0.5) + 1);
    const w = new Float64Array(Math.max(0, jEnd - jBegin));
    let sum = 0;
    for (let j = jBegin; j < jEnd; j++) {
      const f = j * scale;
      let v = 0;
      if (f >= edges[b] && f < edges[b + 1]) v = (hz2melHtk(f) - m0) / (m1 - m0);
      else if (f >= edges[b + 1] && f < edges[b + 2]) v = (m2 - hz2melHtk(f)) / (m2 - m1);
      w[j - jBegin] = v;
      sum += v;
    }
    if (sum > 0) for (let i = 0; i < w.length; i++) w[i] /= sum;
    start[b] = jBegin;
    weights.push(w);
  }
  return { bands, start, weights };
}

/** Mel band energies from a magnitude spectrum (squared inside, like Essentia's type 'power'). */
export function applyMel(fb: MelFilterbank, mag: Float64Array, out: Float64Array): void {
  for (let b = 0; b < fb.bands; b++) {
    const w = fb.weights[b];
    const s = fb.start[b];
    let acc = 0;
    for (let i = 0; i < w.length; i++) {
      const m = mag[s + i];
      acc += m * m * w[i];
    }
    out[b] = acc;
  }
}

/** Orthonormal DCT-II table [outputs × inputs]. */
export function dctTable(inputs: number, outputs: number): Float64Array {
  const t = new Float64Array(inputs * outputs);
  const s0 = Math.sqrt(1 / inputs);
  const s1 = Math.sqrt(2 / inputs);
  for (let i = 0; i < outputs; i++) {
    const s = i === 0 ? s0 : s1;
    for (let j = 0; j < inputs; j++) t[i * inputs + j] = s * Math.cos((Math.PI / inputs) * i * (j + 0.5));
  }
  return t;
}

export function applyDct(table: Float64Array, inputs: number, x: ArrayLike<number>, out: Float64Array): void {
  const outputs = out.length;
  for (let i = 0; i < outputs; i++) {
    let acc = 0;
    const o = i * inputs;
    for (let j = 0; j < inputs; j++) acc += table[o + j] * x[j];
    out[i] = acc;
  }
}

/** Essentia MFCC's log: amplitude dB, `20·log10(max(x, 1e-10))`. */
export function ampToDb(x: number, silence = 1e-10): number {
  return 20 * Math.log10(x > silence ? x : silence);
}
