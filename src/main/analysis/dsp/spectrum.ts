import { RealFFT } from './fft';

/**
 * Windowed magnitude spectrum of one frame: |FFT(window · frame)|, bins 0…N/2. Frames that run past
 * the end of the signal are zero-padded. Reuses its buffers; not re-entrant.
 */
export class SpectrumAnalyzer {
  readonly size: number;
  readonly bins: number;
  private readonly fft: RealFFT;
  private readonly window: Float64Array;
  private readonly frame: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;

  constructor(size: number, window: Float64Array) {
    if (window.length !== size) throw new Error('SpectrumAnalyzer: window length must equal the frame size');
    this.size = size;
    this.bins = size / 2 + 1;
    this.fft = new RealFFT(size);
    this.window = window;
    this.frame = new Float64Array(size);
    this.re = new Float64Array(this.bins);
    this.im = new Float64Array(this.bins);
  }

  /** Magnitude spectrum of signal[start … start+size) into `mag` (length size/2+1). */
  magnitude(signal: Float32Array, start: number, mag: Float64Array): void {
    const n = this.size;
    const frame = this.frame;
    const w = this.window;
    const avail = Math.max(0, Math.min(n, signal.length - start));
    for (let i = 0; i < avail; i++) frame[i] = signal[start + i] * w[i];
    for (let i = avail; i < n; i++) frame[i] = 0;
    this.fft.forward(frame, this.re, this.im);
    const re = this.re;
    const im = this.im;
    for (let k = 0; k < this.bins; k++) mag[k] = Math.sqrt(re[k] * re[k] + im[k] * im[k]);
  }
}

/** Number of frames of `size` every `hop` samples covering a signal of `length` samples (last frame may be
 * zero-padded; at least one frame for a non-empty signal). */
export function frameCount(length: number, size: number, hop: number): number {
  if (length <= 0) return 0;
  if (length <= size) return 1;
  return 1 + Math.ceil((length - size) / hop);
}
