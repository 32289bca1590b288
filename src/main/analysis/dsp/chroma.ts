/**
 * 12-bin chroma (pitch-class profile) from a magnitude spectrum, built like Essentia's HPCP with its
 * default parameters so that it can be tested against it:
 * - spectral peaks: local maxima between minHz and maxHz, frequency and magnitude refined by
 *   parabolic interpolation, the `maxPeaks` largest kept (Essentia `SpectralPeaks`);
 * - each peak adds w·mag² to the pitch class nearest its frequency, w = cos²(π·d) where d (≤ 0.5
 *   semitone) is its distance to that class's centre (`squaredCosine` weight, one-semitone window,
 *   no harmonics);
 * - band preset: peaks below and above `splitHz` (500 Hz) make two profiles, each normalised to max 1,
 *   then summed, so bass does not drown the melody and chords;
 * - the frame's profile is normalised to max 1 (`unitMax`).
 * Index 0 is A (reference 440 Hz), as in Essentia's HPCP, so the mean can be fed to Essentia `Key`.
 */
import { selectKth } from './select';

export interface ChromaSettings {
  sampleRate: number;
  spectrumBins: number;
  minHz: number;
  maxHz: number;
  splitHz: number;
  refHz: number;
  maxPeaks: number;
}

export function chromaSettings(
  spectrumBins: number,
  sampleRate: number,
  overrides: Partial<ChromaSettings> = {},
): ChromaSettings {
  return {
    sampleRate,
    spectrumBins,
    minHz: 40,
    maxHz: Math.min(5000, sampleRate / 2 - 100),
    splitHz: 500,
    refHz: 440,
    maxPeaks: 100,
    ...overrides,
  };
}

/** Scratch buffers for chromaFrame (one per caller). */
export class ChromaScratch {
  readonly freq: Float64Array;
  readonly mag: Float64Array;
  readonly sorted: Float64Array;
  readonly low = new Float64Array(12);
  readonly high = new Float64Array(12);
  constructor(spectrumBins: number) {
    this.freq = new Float64Array(spectrumBins);
    this.mag = new Float64Array(spectrumBins);
    this.sorted = new Float64Array(spectrumBins);
  }
}

function normaliseMax(v: Float64Array): void {
  let max = 0;
  for (let i = 0; i < v.length; i++) if (v[i] > max) max = v[i];
  if (max > 0) for (let i = 0; i < v.length; i++) v[i] /= max;
}

/** Bins 0 … (this − 1) of the spectrum are all chromaFrame reads (the rest need not be computed). */
export function chromaBinsRead(s: ChromaSettings): number {
  const hzPerBin = s.sampleRate / 2 / (s.spectrumBins - 1);
  return Math.min(s.spectrumBins - 2, Math.ceil(s.maxHz / hzPerBin)) + 2;
}

/** One frame's chroma into `out` (length 12); returns false (and zeros) when the frame has no peaks. */
export function chromaFrame(
  s: ChromaSettings,
  spectrum: Float64Array,
  out: Float64Array,
  scratch: ChromaScratch,
): boolean {
  out.fill(0);
  const hzPerBin = s.sampleRate / 2 / (s.spectrumBins - 1);
  const kLo = Math.max(1, Math.floor(s.minHz / hzPerBin));
  const kHi = Math.min(s.spectrumBins - 2, Math.ceil(s.maxHz / hzPerBin));
  let n = 0;
  for (let k = kLo; k <= kHi; k++) {
    const c = spectrum[k];
    if (!(c > spectrum[k - 1] && c >= spectrum[k + 1]) || c <= 0) continue;
    const a = spectrum[k - 1];
    const b = spectrum[k + 1];
    const den = a - 2 * c + b;
    const p = den !== 0 ? (0.5 * (a - b)) / den : 0;
    const f = (k + p) * hzPerBin;
    if (f < s.minHz || f > s.maxHz) continue;
    scratch.freq[n] = f;
    scratch.mag[n] = c - 0.25 * (a - b) * p;
    n++;
  }
  if (n === 0) return false;
  let threshold = 0;
  if (n > s.maxPeaks) {
    // The maxPeaks-th largest magnitude, by selection (dsp/select.ts): the value a sort gives.
    const sorted = scratch.sorted;
    sorted.set(scratch.mag.subarray(0, n));
    threshold = selectKth(sorted, n - s.maxPeaks, 0, n);
  }
  const low = scratch.low;
  const high = scratch.high;
  low.fill(0);
  high.fill(0);
  for (let i = 0; i < n; i++) {
    const m = scratch.mag[i];
    if (m < threshold) continue;
    const semis = 12 * Math.log2(scratch.freq[i] / s.refHz);
    const nearest = Math.round(semis);
    const d = semis - nearest;
    const w = Math.cos(Math.PI * d) ** 2;
    const pc = ((nearest % 12) + 12) % 12;
    if (scratch.freq[i] < s.splitHz) low[pc] += w * m * m;
    else high[pc] += w * m * m;
  }
  normaliseMax(low);
  normaliseMax(high);
  let max = 0;
  for (let c = 0; c < 12; c++) {
    out[c] = low[c] + high[c];
    if (out[c] > max) max = out[c];
  }
  if (!(max > 0)) {
    out.fill(0);
    return false;
  }
  for (let c = 0; c < 12; c++) out[c] /= max;
  return true;
}
