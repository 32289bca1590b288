/**
 * MusiCNN's mel front end in plain TypeScript (what Essentia's TensorflowInputMusiCNN computes):
 * 16 kHz mono, centred frames of 512 samples every 256, symmetric Hann window, power spectrum of a
 * 512-point FFT, 96 unit-area Slaney mel triangles from 0 to 8 kHz, then log10(1 + 10000·x).
 * See ../shared/models/musicnn/README.md for the exact definition it is tested against.
 */
import { RealFFT } from '../dsp/fft';
import { hann } from '../dsp/window';

export const MUSICNN_SAMPLE_RATE = 16000;
export const MUSICNN_FRAME_SIZE = 512;
export const MUSICNN_HOP = 256;
export const MUSICNN_BANDS = 96;
export const MUSICNN_PATCH_FRAMES = 187;

const N_BINS = MUSICNN_FRAME_SIZE / 2 + 1;

/** Symmetric Hann window, not normalised. */
const HANN = hann(MUSICNN_FRAME_SIZE);

function hzToSlaneyMel(f: number): number {
  return f < 1000 ? f / (200 / 3) : 15 + (27 * Math.log(f / 1000)) / Math.log(6.4);
}

function slaneyMelToHz(m: number): number {
  return m < 15 ? m * (200 / 3) : 1000 * Math.exp(((m - 15) * Math.log(6.4)) / 27);
}

interface SparseFilter {
  start: number;
  weights: Float64Array;
}

/** 96 triangles between 98 mel-spaced edges, each scaled to unit area (Essentia's 'unit_tri'). */
const FILTERS: SparseFilter[] = (() => {
  const edges = MUSICNN_BANDS + 2;
  const melMax = hzToSlaneyMel(MUSICNN_SAMPLE_RATE / 2);
  const hz = new Float64Array(edges);
  for (let e = 0; e < edges; e++) hz[e] = slaneyMelToHz((melMax * e) / (edges - 1));
  const binHz = MUSICNN_SAMPLE_RATE / MUSICNN_FRAME_SIZE;
  const filters: SparseFilter[] = [];
  for (let b = 0; b < MUSICNN_BANDS; b++) {
    const lo = hz[b];
    const mid = hz[b + 1];
    const hi = hz[b + 2];
    const scale = 2 / (hi - lo);
    const first = Math.max(0, Math.ceil(lo / binHz));
    const last = Math.min(N_BINS - 1, Math.floor(hi / binHz));
    const weights: number[] = [];
    for (let k = first; k <= last; k++) {
      const f = k * binHz;
      let w = 0;
      if (f >= lo && f < mid) w = (f - lo) / (mid - lo);
      else if (f >= mid && f < hi) w = (hi - f) / (hi - mid);
      weights.push(w * scale);
    }
    filters.push({ start: first, weights: Float64Array.from(weights) });
  }
  return filters;
})();

/** Number of centred frames for a signal of `length` samples (frame starts lie before the end). */
export function musicnnFrameCount(length: number): number {
  return length <= 0 ? 0 : Math.ceil(length / MUSICNN_HOP) + 1;
}

/**
 * Mel frames of 16 kHz mono PCM, `[frames × 96]` row-major. Frame i covers samples
 * [256·i − 256, 256·i + 256), zeros outside the signal; 480,000 samples give 1,876 frames.
 */
export function musicnnMelFrames(pcm16k: Float32Array): Float32Array {
  const nFrames = musicnnFrameCount(pcm16k.length);
  const out = new Float32Array(nFrames * MUSICNN_BANDS);
  melFrameRange(pcm16k, 0, nFrames, out, 0);
  return out;
}

/**
 * Patches `[P, 187, 96]` starting at the given frame indices, computing only the frames they
 * cover (a track embedded from a few patches need not pay for the mel of the whole track).
 * Frames past the end of the signal are zeros, as in `patchesFromFrames(musicnnMelFrames(…))`.
 */
export function musicnnMelPatches(pcm16k: Float32Array, patchStarts: number[]): Float32Array {
  const nFrames = musicnnFrameCount(pcm16k.length);
  const patchSize = MUSICNN_PATCH_FRAMES * MUSICNN_BANDS;
  const out = new Float32Array(patchStarts.length * patchSize);
  patchStarts.forEach((start, p) => {
    const from = Math.max(0, start);
    const to = Math.min(nFrames, start + MUSICNN_PATCH_FRAMES);
    if (to > from) melFrameRange(pcm16k, from, to, out, p * patchSize + (from - start) * MUSICNN_BANDS);
  });
  return out;
}

/** Writes mel frames [from, to) of the signal into `out` starting at `outOffset`. */
function melFrameRange(
  pcm16k: Float32Array,
  from: number,
  to: number,
  out: Float32Array,
  outOffset: number,
): void {
  const frame = new Float64Array(MUSICNN_FRAME_SIZE);
  const fft = new RealFFT(MUSICNN_FRAME_SIZE);
  const re = new Float64Array(N_BINS);
  const im = new Float64Array(N_BINS);
  const power = new Float64Array(N_BINS);
  const len = pcm16k.length;
  const half = MUSICNN_FRAME_SIZE / 2;
  for (let i = from; i < to; i++) {
    const start = i * MUSICNN_HOP - half;
    if (start >= 0 && start + MUSICNN_FRAME_SIZE <= len) {
      for (let n = 0; n < MUSICNN_FRAME_SIZE; n++) frame[n] = pcm16k[start + n] * HANN[n];
    } else {
      for (let n = 0; n < MUSICNN_FRAME_SIZE; n++) {
        const s = start + n;
        frame[n] = s >= 0 && s < len ? pcm16k[s] * HANN[n] : 0;
      }
    }
    fft.forward(frame, re, im);
    for (let k = 0; k < N_BINS; k++) power[k] = re[k] * re[k] + im[k] * im[k];
    const row = outOffset + (i - from) * MUSICNN_BANDS;
    for (let b = 0; b < MUSICNN_BANDS; b++) {
      const { start: k0, weights } = FILTERS[b];
      let acc = 0;
      for (let j = 0; j < weights.length; j++) acc += weights[j] * power[k0 + j];
      out[row + b] = Math.log10(1 + 10000 * acc);
    }
  }
}

/**
 * Cuts patches of 187 frames starting at the given frame indices into `[P, 187, 96]`;
 * frames past the end (or before 0) are zeros.
 */
export function patchesFromFrames(
  frames: Float32Array,
  nFrames: number,
  patchStarts: number[],
): Float32Array {
  const patchSize = MUSICNN_PATCH_FRAMES * MUSICNN_BANDS;
  const out = new Float32Array(patchStarts.length * patchSize);
  patchStarts.forEach((start, p) => {
    const from = Math.max(0, start);
    const to = Math.min(nFrames, start + MUSICNN_PATCH_FRAMES);
    if (to <= from) return;
    out.set(
      frames.subarray(from * MUSICNN_BANDS, to * MUSICNN_BANDS),
      p * patchSize + (from - start) * MUSICNN_BANDS,
    );
  });
  return out;
}
