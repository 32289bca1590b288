/**
 * essentia.js (AGPL, WASM) behind a small typed, safe surface:
 * - loaded lazily, once per process (only analysis workers and tests should call this);
 * - the process-wide `unhandledRejection` / `uncaughtException` handlers its Emscripten glue installs
 *   (the first aborts the process on any unhandled rejection) are removed right after loading;
 * - every call goes through `essentiaCall`, which turns the raw numbers it throws (C++ exception
 *   pointers) into Errors naming the algorithm;
 * - `withVectors` deletes every vector created or returned inside it (it leaks otherwise).
 */
import { createRequire } from 'node:module';

/** An Emscripten std::vector<float> handle. */
export interface EssentiaVector {
  delete(): void;
  size(): number;
}

type Result = Record<string, unknown>;

/** The part of essentia.js's core API we use (positional parameters, as essentia.js takes them). */
export interface EssentiaApi {
  version: string;
  arrayToVector(a: Float32Array): EssentiaVector;
  vectorToArray(v: EssentiaVector): Float32Array;
  Danceability(signal: EssentiaVector, maxTau?: number, minTau?: number, sampleRate?: number): Result;
  DynamicComplexity(signal: EssentiaVector, frameSize?: number, sampleRate?: number): Result;
  Key(
    pcp: EssentiaVector,
    numHarmonics?: number,
    pcpSize?: number,
    profileType?: string,
    slope?: number,
    useMajMin?: boolean,
    usePolyphony?: boolean,
    useThreeChords?: boolean,
  ): Result;
  KeyExtractor(audio: EssentiaVector, ...rest: unknown[]): Result;
  RhythmExtractor2013(signal: EssentiaVector, maxTempo?: number, method?: string, minTempo?: number): Result;
  OnsetRate(signal: EssentiaVector): Result;
  LoudnessEBUR128(left: EssentiaVector, right: EssentiaVector, hopSize?: number, sampleRate?: number): Result;
  Windowing(frame: EssentiaVector, normalized?: boolean, size?: number, type?: string): Result;
  Spectrum(frame: EssentiaVector, size?: number): Result;
  SpectralPeaks(spectrum: EssentiaVector, ...rest: unknown[]): Result;
  HPCP(frequencies: EssentiaVector, magnitudes: EssentiaVector, ...rest: unknown[]): Result;
  MFCC(spectrum: EssentiaVector, ...rest: unknown[]): Result;
  Centroid(array: EssentiaVector, range?: number): Result;
  RollOff(spectrum: EssentiaVector, cutoff?: number, sampleRate?: number): Result;
  Flatness(array: EssentiaVector): Result;
  Flux(spectrum: EssentiaVector, halfRectify?: boolean, norm?: string): Result;
  ZeroCrossingRate(signal: EssentiaVector, threshold?: number): Result;
}

let instance: EssentiaApi | null = null;

/** The process's essentia.js instance (created on first use). */
export function getEssentia(): EssentiaApi {
  if (instance) return instance;
  const beforeRejection = process.listeners('unhandledRejection');
  const beforeException = process.listeners('uncaughtException');
  const require = createRequire(import.meta.url);
  let mod: { Essentia: new (wasm: unknown) => EssentiaApi; EssentiaWASM: unknown };
  try {
    mod = require('essentia.js') as typeof mod;
  } finally {
    for (const l of process.listeners('unhandledRejection')) {
      if (!beforeRejection.includes(l)) process.removeListener('unhandledRejection', l);
    }
    for (const l of process.listeners('uncaughtException')) {
      if (!beforeException.includes(l)) process.removeListener('uncaughtException', l);
    }
  }
  instance = new mod.Essentia(mod.EssentiaWASM);
  return instance;
}

/** Runs one essentia.js call; whatever it throws becomes an Error naming the algorithm. */
export function essentiaCall<T>(algorithm: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof Error) throw new Error(`essentia ${algorithm}: ${err.message}`, { cause: err });
    const detail = typeof err === 'number' ? `C++ exception (pointer ${err})` : String(err);
    throw new Error(`essentia ${algorithm} failed: ${detail}`, { cause: err });
  }
}

function isVector(v: unknown): v is EssentiaVector {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as EssentiaVector).delete === 'function' &&
    typeof (v as EssentiaVector).size === 'function'
  );
}

/**
 * Scope for vectors: `vec(float32)` makes an input vector, `keep(result)` registers every vector in
 * an algorithm's result; all are deleted when `fn` returns or throws.
 */
export function withVectors<T>(
  fn: (e: EssentiaApi, vec: (a: Float32Array) => EssentiaVector, keep: <R extends Result>(r: R) => R) => T,
): T {
  const e = getEssentia();
  const owned: EssentiaVector[] = [];
  const vec = (a: Float32Array): EssentiaVector => {
    const v = essentiaCall('arrayToVector', () => e.arrayToVector(a));
    owned.push(v);
    return v;
  };
  const keep = <R extends Result>(r: R): R => {
    for (const v of Object.values(r)) if (isVector(v)) owned.push(v);
    return r;
  };
  try {
    return fn(e, vec, keep);
  } finally {
    for (const v of owned) {
      try {
        v.delete();
      } catch {
        /* already deleted */
      }
    }
  }
}

/** A number from an essentia result, 0 when missing or not finite. */
export function num(r: Result, key: string): number {
  const v = r[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

export function str(r: Result, key: string, fallback: string): string {
  const v = r[key];
  return typeof v === 'string' && v ? v : fallback;
}
