/**
 * Per-track audio features: timbre, loudness/dynamics, rhythm and tonality, as named scalars (what
 * the UI and the explanations show) and a fixed-length vector (for similarity; not normalised here).
 *
 * Rate: 16 kHz mono, the rate MusiCNN needs, so one ffmpeg stream serves both. Measured on a
 * 4-minute MP3: a second 22.05 kHz output from the same ffmpeg run (asplit) cost ~10 % more ffmpeg
 * CPU, and our kernels scale with the sample count (+38 % at 22.05 kHz). What 16 kHz loses is the
 * band above 8 kHz, which only shifts centroid/rolloff/flatness, and they stay comparable between
 * tracks because every track is analysed at the same rate.
 *
 * Cost policy (budget ≈ 1.2 s CPU per 4-minute track for decode + features, measured in
 * bench/features.ts):
 * - Frame features run over the whole decoded signal in our own TS kernels (dsp/): 1024-sample Hann
 *   frames every 512 samples (64 ms / 32 ms): one real FFT per frame (dsp/fft.ts) feeds the
 *   magnitude spectrum, 40 HTK-mel bands, 13 MFCC (identical to Essentia's MFCC), centroid,
 *   rolloff, flux, flatness (one fused pass), zero-crossing rate; spectral contrast on every 8th
 *   frame (two order-statistic selections per band); chroma on 4096-sample frames without overlap
 *   (3.9 Hz bins, needed to separate semitones down to ~60 Hz; its own FFT, magnitudes only up to
 *   5 kHz); EBU R128 loudness and range. Measured CPU per hour of audio on 8 corpus tracks
 *   (docs/benchmarks.md, "Features"): frames ~1.8 s, chroma ~0.8 s, loudness ~0.4 s, everything
 *   ~3.6 s (it was ~8.1 s with the radix-2² FFT, sorts and essentia.js's DFA).
 * - Tempo and onset rate come from the onset envelope of the mel frames (dsp/tempo.ts) rather than
 *   Essentia's RhythmExtractor2013 (assumes 44.1 kHz; ~800 ms per 30 s there) or OnsetRate (44.1 kHz
 *   only; 340 ms per 30 s).
 * - Key: Essentia `Key` on the track's mean chroma (what KeyExtractor does with its mean HPCP, but
 *   our chroma covers the whole track and costs ~1/7 of KeyExtractor's framewise path: ~15 vs ~110 ms
 *   CPU per 30 s at 16 kHz).
 * - Danceability (DFA) and dynamic complexity: our TS versions of Essentia's algorithms (dsp/dfa.ts,
 *   dsp/dynamic-complexity.ts; equal to essentia.js to its float32 rounding, ~3 and ~2.3 ms per
 *   minute against ~90 and ~40 ms there) on one excerpt of at most ENVELOPE_EXCERPT_SECONDS from the
 *   middle of the decoded signal, as when they ran in essentia.js: both are statistics of the
 *   signal's envelope that a minute estimates well, and the excerpt keeps the values they had.
 * Digital silence (every |sample| ≤ 1e-9) skips these and yields defaults (bpm 0, key C major
 * strength 0, loudness −70 …). No value in the vector is ever NaN or infinite.
 */
import type { FeatureResult } from '../types';
import type { FeatureScalars } from '../../../shared/types';
import { SpectrumAnalyzer, frameCount } from '../dsp/spectrum';
import { hann } from '../dsp/window';
import { ampToDb, applyDct, applyMel, dctTable, melFilterbank } from '../dsp/mel';
import {
  RunningStats,
  octaveBands,
  spectralContrast,
  spectralStats,
  signBlock,
  joinSignBlocks,
  type SignBlock,
} from '../dsp/stats';
import {
  ChromaScratch,
  chromaBinsRead,
  chromaFrame,
  chromaSettings,
  type ChromaSettings,
} from '../dsp/chroma';
import { ebur128 } from '../dsp/loudness';
import { estimateTempo, onsetRate } from '../dsp/tempo';
import { danceability } from '../dsp/dfa';
import { dynamicComplexity } from '../dsp/dynamic-complexity';
import { essentiaCall, num, str, withVectors } from './essentia';

export const FEATURES_VERSION = '1';
export const FEATURE_SAMPLE_RATE = 16000;
export const ENVELOPE_EXCERPT_SECONDS = 60;

const FRAME = 1024;
const HOP = 512;
const MEL_BANDS = 40;
const N_MFCC = 13;
const CHROMA_FRAME = 4096;
const CONTRAST_EVERY = 8;
const CONTRAST_BANDS = 6;
const SILENCE = 1e-9;
const LOG_MEL_FLOOR = -160;

const PITCH_CLASSES = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'];

function range(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

/** Names of the vector's dimensions, in order. */
export const FEATURE_NAMES: readonly string[] = Object.freeze([
  ...range('mfcc_mean_', N_MFCC),
  ...range('mfcc_std_', N_MFCC),
  ...range('mfcc_delta_std_', N_MFCC),
  'centroid_mean',
  'centroid_std',
  'rolloff_mean',
  'rolloff_std',
  'flux_mean',
  'flux_std',
  'flatness_mean',
  'flatness_std',
  'zcr_mean',
  'zcr_std',
  ...range('contrast_mean_', CONTRAST_BANDS),
  ...PITCH_CLASSES.map((p) => `chroma_${p}`),
  'loudness_integrated',
  'loudness_range',
  'dynamic_complexity',
  'rms_db',
  'bpm',
  'bpm_confidence',
  'danceability',
  'onset_rate',
  'key_fifths_sin',
  'key_fifths_cos',
  'key_major',
  'key_strength',
]);

/** CPU milliseconds (this thread's process, user + system) spent per stage (for the bench). */
export type FeatureTimings = Record<string, number>;

/** CPU time in ms (process.cpuUsage: robust to a loaded machine, unlike wall time). */
function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Reusable kernels for one sample rate. */
class Kernels {
  readonly sampleRate: number;
  readonly spec: SpectrumAnalyzer;
  readonly chromaSpec: SpectrumAnalyzer;
  readonly mel: ReturnType<typeof melFilterbank>;
  readonly dct: Float64Array;
  readonly contrastBands: [number, number][];
  readonly chroma: ChromaSettings;
  readonly chromaScratch: ChromaScratch;
  constructor(sampleRate: number) {
    this.sampleRate = sampleRate;
    this.spec = new SpectrumAnalyzer(FRAME, hann(FRAME, true));
    this.chromaSpec = new SpectrumAnalyzer(CHROMA_FRAME, hann(CHROMA_FRAME, true));
    this.mel = melFilterbank(MEL_BANDS, FRAME / 2 + 1, sampleRate, 0, sampleRate / 2);
    this.dct = dctTable(MEL_BANDS, N_MFCC);
    this.contrastBands = octaveBands(FRAME / 2 + 1, sampleRate, 200, CONTRAST_BANDS);
    this.chroma = chromaSettings(CHROMA_FRAME / 2 + 1, sampleRate);
    this.chromaScratch = new ChromaScratch(CHROMA_FRAME / 2 + 1);
  }
}

const kernelCache = new Map<number, Kernels>();
function kernels(sampleRate: number): Kernels {
  let k = kernelCache.get(sampleRate);
  if (!k) {
    k = new Kernels(sampleRate);
    kernelCache.set(sampleRate, k);
  }
  return k;
}

interface FrameFeatures {
  mfccMean: Float64Array;
  mfccStd: Float64Array;
  deltaStd: Float64Array;
  spectral: { mean: Float64Array; std: Float64Array };
  contrast: Float64Array;
  envelope: Float32Array;
  frameRate: number;
}

function frameFeatures(x: Float32Array, k: Kernels): FrameFeatures {
  const bins = FRAME / 2 + 1;
  const n = frameCount(x.length, FRAME, HOP);
  let mag = new Float64Array(bins);
  let prevMag = new Float64Array(bins);
  const mel = new Float64Array(MEL_BANDS);
  const logMel = new Float64Array(MEL_BANDS);
  const prevLogMel = new Float64Array(MEL_BANDS);
  const mfcc = new Float64Array(N_MFCC);
  const prevMfcc = new Float64Array(N_MFCC);
  const delta = new Float64Array(N_MFCC);
  const spectralRow = new Float64Array(5);
  const contrastRow = new Float64Array(CONTRAST_BANDS);
  const scratch = new Float64Array(bins);
  const mfccStats = new RunningStats(N_MFCC);
  const deltaStats = new RunningStats(N_MFCC);
  const spectralRunning = new RunningStats(5);
  const contrastStats = new RunningStats(CONTRAST_BANDS);
  const envelope = new Float32Array(n);
  const sr = k.sampleRate;
  // Zero crossings per hop-sized block (frames are two blocks since FRAME = 2·HOP): each sample is
  // scanned once instead of twice.
  const blockOf = (i: number): SignBlock => signBlock(x, i * HOP, Math.min(x.length, (i + 1) * HOP));
  let nextBlock = blockOf(0);
  for (let f = 0; f < n; f++) {
    const start = f * HOP;
    const thisBlock = nextBlock;
    nextBlock = blockOf(f + 1);
    k.spec.magnitude(x, start, mag);
    applyMel(k.mel, mag, mel);
    let onset = 0;
    for (let b = 0; b < MEL_BANDS; b++) {
      const db = ampToDb(mel[b]);
      logMel[b] = db;
      if (f > 0) {
        const d = Math.max(db, LOG_MEL_FLOOR) - Math.max(prevLogMel[b], LOG_MEL_FLOOR);
        if (d > 0) onset += d;
      }
    }
    envelope[f] = onset / MEL_BANDS;
    prevLogMel.set(logMel);
    applyDct(k.dct, MEL_BANDS, logMel, mfcc);
    mfccStats.push(mfcc);
    if (f > 0) {
      for (let i = 0; i < N_MFCC; i++) delta[i] = mfcc[i] - prevMfcc[i];
      deltaStats.push(delta);
    }
    prevMfcc.set(mfcc);
    spectralStats(mag, prevMag, sr, spectralRow); // centroid, rolloff, flux, flatness
    spectralRow[4] = joinSignBlocks(thisBlock, nextBlock) / FRAME;
    spectralRunning.push(spectralRow);
    if (f % CONTRAST_EVERY === 0) {
      spectralContrast(mag, k.contrastBands, contrastRow, scratch);
      contrastStats.push(contrastRow);
    }
    const t = prevMag;
    prevMag = mag;
    mag = t;
  }
  return {
    mfccMean: mfccStats.mean(),
    mfccStd: mfccStats.std(),
    deltaStd: deltaStats.std(),
    spectral: { mean: spectralRunning.mean(), std: spectralRunning.std() },
    contrast: contrastStats.mean(),
    envelope,
    frameRate: sr / HOP,
  };
}

/** Mean chroma (12 bins, index 0 = A), over non-silent 4096-sample frames. */
export function meanChroma(x: Float32Array, sampleRate: number): Float64Array {
  const k = kernels(sampleRate);
  const bins = CHROMA_FRAME / 2 + 1;
  const mag = new Float64Array(bins);
  const row = new Float64Array(12);
  const sum = new Float64Array(12);
  let used = 0;
  const n = frameCount(x.length, CHROMA_FRAME, CHROMA_FRAME);
  const toBin = chromaBinsRead(k.chroma); // 5 kHz and below: 63 % of the bins
  for (let f = 0; f < n; f++) {
    k.chromaSpec.magnitude(x, f * CHROMA_FRAME, mag, toBin);
    if (!chromaFrame(k.chroma, mag, row, k.chromaScratch)) continue;
    for (let c = 0; c < 12; c++) sum[c] += row[c];
    used++;
  }
  if (used > 0) for (let c = 0; c < 12; c++) sum[c] /= used;
  return sum;
}

function middleExcerpt(x: Float32Array, sampleRate: number, seconds: number): Float32Array {
  const len = Math.min(x.length, Math.round(seconds * sampleRate));
  const start = Math.floor((x.length - len) / 2);
  return x.subarray(start, start + len);
}

function finite(v: number, fallback = 0): number {
  return Number.isFinite(v) ? v : fallback;
}

/** Peak |sample| and Σ sample² of a signal, and whether every sample is finite. */
interface Scan {
  peak: number;
  sumSquares: number;
  finite: boolean;
}

/** One pass for what used to be three (finiteness, peak, RMS); Σ x² summed in order, as rms() does. */
function scanSignal(x: Float32Array): Scan {
  let peak = 0;
  let sumSquares = 0;
  let bad = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    const a = Math.abs(v);
    if (a > peak) peak = a;
    sumSquares += v * v;
    bad += v - v; // NaN for ±Infinity and NaN, 0 otherwise
  }
  return { peak, sumSquares, finite: bad === 0 };
}

/** The signal with non-finite samples replaced by 0 (a copy only when needed), and its scan. */
function sanitize(pcm: Float32Array): { pcm: Float32Array; scan: Scan } {
  const scan = scanSignal(pcm);
  if (scan.finite) return { pcm, scan };
  const copy = Float32Array.from(pcm);
  for (let j = 0; j < copy.length; j++) if (!Number.isFinite(copy[j])) copy[j] = 0;
  return { pcm: copy, scan: scanSignal(copy) };
}

interface EssentiaPart {
  danceability: number;
  dynamicComplexity: number;
  key: string;
  scale: 'major' | 'minor';
  keyStrength: number;
}

/** Key from a 12-bin A-based chroma with Essentia `Key` (profile 'bgate', as KeyExtractor). */
export function keyFromChroma(chromaA: Float64Array): {
  key: string;
  scale: 'major' | 'minor';
  strength: number;
} {
  let max = 0;
  for (let c = 0; c < 12; c++) max = Math.max(max, chromaA[c]);
  if (!(max > 0)) return { key: 'C', scale: 'major', strength: 0 };
  return withVectors((e, vec, keep) => {
    const r = keep(
      essentiaCall('Key', () =>
        e.Key(vec(Float32Array.from(chromaA)), 4, 12, 'bgate', 0.6, false, true, true),
      ),
    );
    const scale = str(r, 'scale', 'major') === 'minor' ? 'minor' : 'major';
    return { key: str(r, 'key', 'C'), scale, strength: finite(num(r, 'strength')) };
  });
}

/** Features plus the time spent per stage. */
export function extractFeaturesTimed(
  pcmIn: Float32Array,
  sampleRate: number,
): { result: FeatureResult; timings: FeatureTimings } {
  if (!(sampleRate >= 8000)) throw new Error(`extractFeatures: sample rate ${sampleRate} too low`);
  const timings: FeatureTimings = {};
  let t = cpuNow();
  const { pcm, scan } = sanitize(pcmIn);
  const silent = pcm.length === 0 || scan.peak <= SILENCE;
  const rmsLevel = pcm.length === 0 ? 0 : Math.sqrt(scan.sumSquares / pcm.length);
  timings.tsScan = cpuNow() - t;

  const k = kernels(sampleRate);
  t = cpuNow();
  const ff = frameFeatures(pcm, k);
  timings.tsFrames = cpuNow() - t;

  t = cpuNow();
  const chromaA = silent ? new Float64Array(12) : meanChroma(pcm, sampleRate);
  timings.tsChroma = cpuNow() - t;

  t = cpuNow();
  const loud = silent ? { integrated: -70, range: 0 } : ebur128(pcm, sampleRate);
  timings.tsLoudness = cpuNow() - t;

  t = cpuNow();
  const tempo = silent ? { bpm: 0, confidence: 0 } : estimateTempo(ff.envelope, ff.frameRate);
  const onsets = silent ? 0 : onsetRate(ff.envelope, ff.frameRate);
  timings.tsRhythm = cpuNow() - t;

  let ess: EssentiaPart = { danceability: 0, dynamicComplexity: 0, key: 'C', scale: 'major', keyStrength: 0 };
  if (!silent) {
    t = cpuNow();
    const key = keyFromChroma(chromaA);
    timings.essentiaKey = cpuNow() - t;
    const excerpt = middleExcerpt(pcm, sampleRate, ENVELOPE_EXCERPT_SECONDS);
    let part = { danceability: 0, dynamicComplexity: 0 };
    if (scanSignal(excerpt).peak > SILENCE && excerpt.length >= sampleRate) {
      t = cpuNow();
      const dance = finite(danceability(excerpt, sampleRate));
      timings.tsDanceability = cpuNow() - t;
      t = cpuNow();
      const dyn = finite(dynamicComplexity(excerpt, sampleRate, 0.2).complexity);
      timings.tsDynamicComplexity = cpuNow() - t;
      part = { danceability: dance, dynamicComplexity: dyn };
    }
    ess = { ...part, key: key.key, scale: key.scale, keyStrength: key.strength };
  }

  const [centroid, rolloff, flux, flatness, zcr] = ff.spectral.mean;
  const chromaC = PITCH_CLASSES.map((_, j) => chromaA[(j + 3) % 12]);
  const pc = PITCH_CLASSES.indexOf(ess.key.replace('b', '#'));
  // Position on the circle of fifths; a minor key sits with its relative major.
  const tonic = pc < 0 ? 0 : ess.scale === 'minor' ? (pc + 3) % 12 : pc;
  const fifths = ((tonic * 7) % 12) / 12;
  const rmsDb = Math.max(-100, 20 * Math.log10(rmsLevel + 1e-10));
  const values: number[] = [
    ...ff.mfccMean,
    ...ff.mfccStd,
    ...ff.deltaStd,
    centroid,
    ff.spectral.std[0],
    rolloff,
    ff.spectral.std[1],
    flux,
    ff.spectral.std[2],
    flatness,
    ff.spectral.std[3],
    zcr,
    ff.spectral.std[4],
    ...ff.contrast,
    ...chromaC,
    loud.integrated,
    loud.range,
    ess.dynamicComplexity,
    rmsDb,
    tempo.bpm,
    tempo.confidence,
    ess.danceability,
    onsets,
    silent ? 0 : Math.sin(2 * Math.PI * fifths),
    silent ? 0 : Math.cos(2 * Math.PI * fifths),
    ess.scale === 'major' ? 1 : 0,
    ess.keyStrength,
  ];
  if (values.length !== FEATURE_NAMES.length) {
    throw new Error(`feature vector has ${values.length} values for ${FEATURE_NAMES.length} names`);
  }
  const vector = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) vector[i] = finite(values[i]);
  for (let i = 0; i < vector.length; i++) if (!Number.isFinite(vector[i])) vector[i] = 0; // float32 overflow

  const scalars: FeatureScalars = {
    bpm: finite(tempo.bpm),
    bpmConfidence: finite(tempo.confidence),
    danceability: ess.danceability,
    onsetRate: finite(onsets),
    key: ess.key,
    scale: ess.scale,
    keyStrength: ess.keyStrength,
    loudness: finite(loud.integrated, -70),
    loudnessRange: finite(loud.range),
    dynamicComplexity: ess.dynamicComplexity,
    rms: finite(rmsLevel),
    spectralCentroid: finite(centroid),
    spectralRolloff: finite(rolloff),
    spectralFlux: finite(flux),
    spectralFlatness: finite(flatness),
    zeroCrossingRate: finite(zcr),
  };
  return { result: { scalars, vector, names: [...FEATURE_NAMES] }, timings };
}

/** Features of mono PCM at `sampleRate` (FEATURE_SAMPLE_RATE is what the analysis uses). */
export function extractFeatures(pcm: Float32Array, sampleRate: number): FeatureResult {
  return extractFeaturesTimed(pcm, sampleRate).result;
}
