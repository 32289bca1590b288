/**
 * 2:1 decimation with a windowed-sinc FIR low-pass, so the analysis can decode a track once at the
 * model's rate (32 kHz) and derive the features' rate (16 kHz) here.
 *
 * The filter is the one ffmpeg's default resampler (libswresample, `aresample` without options)
 * builds for an exact 2:1 ratio: a sinc cut off at 0.97 of the output's Nyquist frequency, Kaiser
 * window β 9, 32 output periods long (65 taps), normalised to unit DC gain. Halving ffmpeg's 32 kHz
 * output with it gives what ffmpeg's own 16 kHz output would have been, so the features stay the
 * ones computed from a direct 16 kHz decode (measured on 16 corpus tracks: the feature vectors
 * differ by 0.001 of a feature's spread across tracks; libsoxr instead of this filter moves them by
 * 0.07). A half-band filter would be a little cheaper (odd taps only) but cuts off at 8 kHz and
 * moved the features by 0.08. Response (test/unit/analysis/decimate.test.ts), for a 32 kHz input:
 * flat to within 0.001 dB up to 6.3 kHz, −6 dB at 7.76 kHz, −10 dB at 8 kHz, ≥ 90 dB down from
 * 9.3 kHz; what lies between 8 and 9.3 kHz folds into the top 1.2 kHz of the output, attenuated,
 * as it does in ffmpeg's own 16 kHz output.
 *
 * Cost (bench/decimate.ts, real corpus tracks decoded at 32 kHz, CPU per hour of audio): the
 * WebAssembly SIMD kernel (decimate-simd.ts: f32x4, polyphase, eight outputs per pass) 0.47–0.51 s,
 * against 2.9 s for the scalar TypeScript it replaced (float64 sums, two outputs per pass); its
 * block copies in and out of its memory are ~0.05–0.07 s of that. Where ffmpeg is forked from the
 * process (see decimateInPlace), the first call after each decode cost the old code 4.1 s into a
 * kept buffer, the kernel 1.7 s, and the kernel in place 0.52 s (7.8× less than before).
 * Its outputs differ from the float64 sums by float32 rounding only (≤ 2.4e-7 over the corpus).
 * Without WebAssembly SIMD the TypeScript path (decimateScalar: identical outputs to the old code)
 * costs 2.0–2.3 s. Either is less than what a second ffmpeg output costs.
 *
 * Zero-phase: output k is centred on input 2k, input beyond either end counts as silence, so the
 * output lines up sample for sample with ffmpeg's direct decode at the lower rate.
 */
import { SimdDecimator } from './decimate-simd';

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for β ≤ 20). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 100; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

export interface LowpassDesign {
  /** Cut-off as a fraction of the output's Nyquist frequency (libswresample's `cutoff`). */
  cutoff: number;
  /** Kaiser window β (libswresample's `kaiser_beta`). */
  beta: number;
  /** Filter length in output periods (libswresample's `filter_size`). */
  periods: number;
}

/** libswresample's defaults (filter_size 32, cutoff 0.97, Kaiser β 9). */
export const SWR_DEFAULT_DESIGN: LowpassDesign = { cutoff: 0.97, beta: 9, periods: 32 };

/**
 * Taps of the 2:1 low-pass, centre first: h[0] weighs the input at the output's instant, h[d] the
 * inputs d samples either side. Built as libswresample builds its filter for one phase.
 */
export function decimationTaps(design: LowpassDesign = SWR_DEFAULT_DESIGN): Float64Array {
  const factor = Math.min(1, design.cutoff / 2); // cut-off relative to the input's Nyquist
  const tapCount = Math.max(1, Math.ceil(design.periods / factor));
  const centre = Math.floor((tapCount - 1) / 2);
  const i0b = besselI0(design.beta);
  const full = new Float64Array(tapCount);
  for (let i = 0; i < tapCount; i++) {
    const x = Math.PI * (i - centre) * factor;
    let y = x === 0 ? 1 : Math.sin(x) / x;
    const w = (2 * x) / (factor * tapCount * Math.PI);
    y *= besselI0(design.beta * Math.sqrt(Math.max(0, 1 - w * w))) / i0b;
    full[i] = y;
  }
  // Kept symmetric about the centre (zero phase): with an even tap count libswresample's last tap
  // lies past the symmetric span, where the window is ~1/I0(β) of its peak (weight ~1e-7); it is
  // dropped and the rest normalised to unit DC gain.
  const reach = Math.min(centre, tapCount - 1 - centre);
  const h = new Float64Array(reach + 1);
  let norm = full[centre];
  for (let d = 1; d <= reach; d++) norm += 2 * full[centre + d];
  for (let d = 0; d <= reach; d++) h[d] = full[centre + d] / norm;
  return h;
}

/** Magnitude response of the low-pass at `f`, a fraction of the input rate (0 … 0.5). */
export function decimationResponse(taps: Float64Array, f: number): number {
  let h = taps[0];
  for (let d = 1; d < taps.length; d++) h += 2 * taps[d] * Math.cos(2 * Math.PI * f * d);
  return Math.abs(h);
}

/** Which code halves: the WebAssembly SIMD kernel, or TypeScript where WebAssembly SIMD is missing. */
export type DecimatorKernel = 'wasm-simd' | 'scalar';

/**
 * Halves the sample rate of mono PCM. `decimate` keeps no state between calls (each call is one
 * whole signal), so an instance may be shared within a thread.
 */
export class Decimator2 {
  readonly taps: Float64Array;
  readonly kernel: DecimatorKernel;
  private readonly simd: SimdDecimator | null;

  constructor(design: LowpassDesign = SWR_DEFAULT_DESIGN, options: { kernel?: DecimatorKernel } = {}) {
    this.taps = decimationTaps(design);
    this.simd = options.kernel === 'scalar' ? null : SimdDecimator.create(this.taps);
    this.kernel = this.simd ? 'wasm-simd' : 'scalar';
  }

  /** Output length for `inputLength` samples: one output per even input index. */
  static outputLength(inputLength: number): number {
    return Math.ceil(inputLength / 2);
  }

  /**
   * Low-passes and keeps every second sample of `x`. Writes into `out` when it is long enough (a
   * buffer kept between tracks: fresh memory is costly, see ffmpeg/pcm-buffers.ts) and returns the
   * filled part. `out` may be `x` itself (see decimateInPlace), or memory apart from it.
   */
  decimate(x: Float32Array, out?: Float32Array): Float32Array {
    const m = Decimator2.outputLength(x.length);
    const y = out && out.length >= m ? out.subarray(0, m) : new Float32Array(m);
    if (y.buffer === x.buffer && y.byteOffset !== x.byteOffset) {
      const [a, b] = [x.byteOffset, y.byteOffset];
      if (a < b + y.byteLength && b < a + x.byteLength)
        throw new Error('out overlaps x other than at its start');
    }
    return this.simd ? this.simd.decimate(x, y) : decimateScalar(this.taps, x, y);
  }

  /**
   * Halves `x` into its own first half and returns that view (the rest of `x` is left as it was
   * read or overwritten; `x` is no longer the input afterwards). Why: no second buffer (the worker's
   * halved PCM was a kept buffer of up to ~20 MB), and the decode buffer's pages have just been
   * written. Where ffmpeg is forked from the worker (libuv spawns with fork; the launcher shell of
   * ffmpeg/launcher.ts avoids it, direct spawn remains its fallback), every page of any other
   * buffer faults on its first write after the fork: measured before the launcher, 1.2 s CPU per
   * hour of audio for a kept output buffer, more than twice what the SIMD kernel costs.
   */
  decimateInPlace(x: Float32Array): Float32Array {
    return this.decimate(x, x);
  }
}

/**
 * The TypeScript path, for where WebAssembly SIMD is missing: `out` (at least ceil(x.length / 2)
 * long) gets the outputs; returns the filled part. Sums in float64 in the same order as the code
 * before the SIMD kernel (so its outputs are identical to it), four outputs per pass sharing each
 * tap load: measured 1.25–1.5× faster than two per pass (float32 taps: 1.0–1.2×).
 */
export function decimateScalar(h: Float64Array, x: Float32Array, out: Float32Array): Float32Array {
  const n = x.length;
  const m = Math.ceil(n / 2);
  const y = out.subarray(0, m);
  const reach = h.length - 1;
  const h0 = h[0];
  // In place (y starts where x does): output k overwrites input k, which outputs from k ≥ reach on
  // no longer read; the outputs before that are computed first and written last.
  const lead = y.buffer === x.buffer && y.byteOffset === x.byteOffset ? Math.min(m, reach + 1) : 0;
  const head = new Float32Array(lead);
  for (let k = 0; k < lead; k++) head[k] = edge(h, x, k);
  // Outputs whose taps all fall inside the signal: 2k − reach ≥ 0 and 2k + reach ≤ n − 1.
  const first = Math.max(lead, Math.min(m, Math.ceil(reach / 2)));
  const last = Math.max(first, Math.floor((n - 1 - reach) / 2) + 1);
  for (let k = lead; k < first; k++) y[k] = edge(h, x, k);
  let k = first;
  for (; k + 3 < last; k += 4) {
    const c = 2 * k;
    let a = h0 * x[c];
    let b = h0 * x[c + 2];
    let e = h0 * x[c + 4];
    let g = h0 * x[c + 6];
    for (let d = 1; d <= reach; d++) {
      const hd = h[d];
      a += hd * (x[c - d] + x[c + d]);
      b += hd * (x[c + 2 - d] + x[c + 2 + d]);
      e += hd * (x[c + 4 - d] + x[c + 4 + d]);
      g += hd * (x[c + 6 - d] + x[c + 6 + d]);
    }
    y[k] = a;
    y[k + 1] = b;
    y[k + 2] = e;
    y[k + 3] = g;
  }
  for (; k < last; k++) {
    const c = 2 * k;
    let a = h0 * x[c];
    for (let d = 1; d <= reach; d++) a += h[d] * (x[c - d] + x[c + d]);
    y[k] = a;
  }
  for (k = Math.max(first, last); k < m; k++) y[k] = edge(h, x, k);
  y.set(head);
  return y;
}

/** One output near an end of the signal (samples outside it are zero). */
function edge(h: Float64Array, x: Float32Array, k: number): number {
  const n = x.length;
  const c = 2 * k;
  let acc = h[0] * x[c];
  for (let d = 1; d < h.length; d++) {
    const a = c - d;
    const b = c + d;
    acc += h[d] * ((a >= 0 ? x[a] : 0) + (b < n ? x[b] : 0));
  }
  return acc;
}
