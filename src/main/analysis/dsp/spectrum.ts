import { RealFFT } from './fft';

/**
 * Windowed spectrum of one frame: |FFT(window · frame)|² and |FFT(window · frame)|, bins 0…N/2.
 * Frames that run past the end of the signal are zero-padded. Reuses its buffers; not re-entrant.
 */
export class SpectrumAnalyzer {
  readonly size: number;
  readonly bins: number;
  private readonly fft: RealFFT;
  private readonly window: Float64Array;
  /** The last frame's power spectrum (|X|²), bins 0…N/2: callers that square magnitudes read it. */
  readonly power: Float64Array;

  constructor(size: number, window: Float64Array) {
    if (window.length !== size) throw new Error('SpectrumAnalyzer: window length must equal the frame size');
    this.size = size;
    this.bins = size / 2 + 1;
    this.fft = new RealFFT(size);
    this.window = window;
    this.power = new Float64Array(this.bins);
  }

  /**
   * Magnitude spectrum of signal[start … start+size) into `mag` (length size/2+1), bins below
   * `toBin` only (the rest of `mag` is left as it was); `power` holds every bin.
   */
  magnitude(signal: Float32Array, start: number, mag: Float64Array, toBin = this.bins): void {
    const p = this.power;
    this.fft.powerSpectrum(signal, start, this.window, p);
    const end = Math.min(toBin, this.bins);
    for (let k = 0; k < end; k++) mag[k] = Math.sqrt(p[k]);
  }
}

/** Number of frames of `size` every `hop` samples covering a signal of `length` samples (last frame may be
 * zero-padded; at least one frame for a non-empty signal). */
export function frameCount(length: number, size: number, hop: number): number {
  if (length <= 0) return 0;
  if (length <= size) return 1;
  return 1 + Math.ceil((length - size) / hop);
}
