/**
 * EfficientAT's front end (upstream `AugmentMelSTFT` in eval mode) in plain TypeScript, exactly as
 * ../shared/models/efficientat/README.md §2 defines it: 32 kHz mono → pre-emphasis (0.97) →
 * reflect-padded centred frames of 1024 every 320 → symmetric 800-sample Hann zero-padded to 1024 →
 * power spectrum → 128 Kaldi-style mel triangles (0–15 kHz) → (ln(x + 1e-5) + 4.5) / 5.
 *
 * The filterbank is evaluated the way upstream evaluates it, in float32 (every operation rounded
 * with Math.fround), because its float32 weights differ from the float64 formula by up to 1.3e-5,
 * enough to move quiet frames by 1.6e-4; everything else runs in float64 and is stored as float32.
 */
import { RealFFT } from '../../dsp/fft';

export const EFFAT_SAMPLE_RATE = 32000;
export const EFFAT_N_FFT = 1024;
export const EFFAT_WIN = 800;
export const EFFAT_HOP = 320;
export const EFFAT_MELS = 128;
export const EFFAT_FMIN = 0;
export const EFFAT_FMAX = 15000;
const PREEMPHASIS = 0.97;
const N_BINS = EFFAT_N_FFT / 2 + 1;

/** Samples in one 10-s window (the training clip length): 1,000 frames. */
export const EFFAT_WINDOW_SAMPLES = 10 * EFFAT_SAMPLE_RATE;

/** Frames for an input of `length` samples: 1 + floor((L − 1) / 320). */
export function effatFrameCount(length: number): number {
  return 1 + Math.floor((length - 1) / EFFAT_HOP);
}

/** Symmetric Hann of 800 centred in 1024 (112 zeros each side). */
const WINDOW: Float64Array = (() => {
  const w = new Float64Array(EFFAT_N_FFT);
  const pad = (EFFAT_N_FFT - EFFAT_WIN) / 2;
  for (let n = 0; n < EFFAT_WIN; n++) w[pad + n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / (EFFAT_WIN - 1));
  return w;
})();

const f32 = Math.fround;
const melScale = (f: number) => f32(1127 * f32(Math.log(f32(1 + f32(f / 700)))));

/**
 * The mel filterbank `[128][513]` as torchaudio's `kaldi.get_mel_banks` builds it in float32
 * (Nyquist column zero). Exported for the test against the reference bank.
 */
export function effatMelBank(): Float32Array {
  const bank = new Float32Array(EFFAT_MELS * N_BINS);
  // The scalar edges are Python floats (double) in upstream; the per-bin work is float32 tensors.
  const lo = 1127 * Math.log(1 + EFFAT_FMIN / 700);
  const hi = 1127 * Math.log(1 + EFFAT_FMAX / 700);
  const delta = f32((hi - lo) / (EFFAT_MELS + 1));
  const loF = f32(lo);
  const binWidth = f32(EFFAT_SAMPLE_RATE / EFFAT_N_FFT);
  const mel = new Float64Array(N_BINS - 1);
  for (let k = 0; k < N_BINS - 1; k++) mel[k] = melScale(f32(binWidth * k));
  for (let m = 0; m < EFFAT_MELS; m++) {
    const left = f32(loF + f32(m * delta));
    const centre = f32(loF + f32((m + 1) * delta));
    const right = f32(loF + f32((m + 2) * delta));
    for (let k = 0; k < N_BINS - 1; k++) {
      const up = f32(f32(mel[k] - left) / f32(centre - left));
      const down = f32(f32(right - mel[k]) / f32(right - centre));
      bank[m * N_BINS + k] = Math.max(0, Math.min(up, down));
    }
  }
  return bank;
}

interface SparseBand {
  start: number;
  weights: Float64Array;
}

let bands: SparseBand[] | null = null;
function sparseBands(): SparseBand[] {
  if (bands) return bands;
  const bank = effatMelBank();
  bands = [];
  for (let m = 0; m < EFFAT_MELS; m++) {
    const row = bank.subarray(m * N_BINS, (m + 1) * N_BINS);
    let first = row.findIndex((w) => w > 0);
    let last = N_BINS - 1;
    while (last > 0 && row[last] === 0) last--;
    if (first < 0) first = last = 0;
    bands.push({ start: first, weights: Float64Array.from(row.subarray(first, last + 1)) });
  }
  return bands;
}

/** Reusable scratch for one worker (not re-entrant). */
export class EffatMelFrontEnd {
  private readonly fft = new RealFFT(EFFAT_N_FFT);
  private readonly frame = new Float64Array(EFFAT_N_FFT);
  private readonly re = new Float64Array(N_BINS);
  private readonly im = new Float64Array(N_BINS);
  private readonly bands = sparseBands();
  private y = new Float64Array(0);

  /**
   * The model input for one clip: `[128, T]` row-major (time fastest), T = effatFrameCount(L),
   * written into `out` at `outOffset` (or a new array). Needs L ≥ 514.
   */
  compute(x: Float32Array, out?: Float32Array, outOffset = 0): Float32Array {
    const L = x.length;
    if (L < 514) throw new Error(`EfficientAT front end needs at least 514 samples, got ${L}`);
    const N = L - 1;
    const T = effatFrameCount(L);
    const target = out ?? new Float32Array(EFFAT_MELS * T);
    if (target.length < outOffset + EFFAT_MELS * T)
      throw new Error('EfficientAT front end: output too small');
    if (this.y.length < N) this.y = new Float64Array(N);
    const y = this.y;
    for (let n = 0; n < N; n++) y[n] = x[n + 1] - PREEMPHASIS * x[n];
    const half = EFFAT_N_FFT / 2;
    const { frame, re, im, fft } = this;
    for (let t = 0; t < T; t++) {
      const base = t * EFFAT_HOP - half; // index into y of frame sample 0
      // Only samples under the (non-zero) window matter: n in [112, 912).
      const n0 = (EFFAT_N_FFT - EFFAT_WIN) / 2;
      const n1 = n0 + EFFAT_WIN;
      if (base + n0 >= 0 && base + n1 <= N) {
        for (let n = n0; n < n1; n++) frame[n] = y[base + n] * WINDOW[n];
      } else {
        for (let n = n0; n < n1; n++) {
          let j = base + n;
          if (j < 0) j = -j;
          else if (j > N - 1) j = 2 * (N - 1) - j;
          frame[n] = y[j] * WINDOW[n];
        }
      }
      fft.forward(frame, re, im);
      for (let m = 0; m < EFFAT_MELS; m++) {
        const { start, weights } = this.bands[m];
        let acc = 0;
        for (let j = 0; j < weights.length; j++) {
          const k = start + j;
          acc += weights[j] * (re[k] * re[k] + im[k] * im[k]);
        }
        target[outOffset + m * T + t] = (Math.log(acc + 1e-5) + 4.5) / 5;
      }
    }
    return target;
  }
}
