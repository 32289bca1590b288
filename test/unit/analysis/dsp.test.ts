import { describe, expect, it } from 'vitest';
import { RealFFT } from '../../../src/main/analysis/dsp/fft';
import { applyDct, dctTable, melFilterbank } from '../../../src/main/analysis/dsp/mel';
import { ebur128 } from '../../../src/main/analysis/dsp/loudness';
import {
  octaveBands,
  spectralCentroid,
  spectralContrast,
  spectralFlatness,
  spectralFlux,
  spectralRolloff,
  spectralStats,
  zeroCrossingRate,
} from '../../../src/main/analysis/dsp/stats';
import { selectKth } from '../../../src/main/analysis/dsp/select';
import { hann } from '../../../src/main/analysis/dsp/window';
import {
  FEATURE_NAMES,
  FEATURE_SAMPLE_RATE,
  FEATURES_VERSION,
  extractFeatures,
} from '../../../src/main/analysis/features/extract';
import { essentiaCall, getEssentia } from '../../../src/main/analysis/features/essentia';

const SR = FEATURE_SAMPLE_RATE;

/** Deterministic pseudo-random numbers in [-1, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

function sine(freq: number, seconds: number, amp: number, sr = SR): Float32Array {
  const x = new Float32Array(Math.round(seconds * sr));
  for (let i = 0; i < x.length; i++) x[i] = amp * Math.sin((2 * Math.PI * freq * i) / sr);
  return x;
}

/** Clicks (10 ms decaying 1 kHz bursts) at `bpm`, with a quieter off-beat hi-hat-like noise. */
function clickTrack(bpm: number, seconds: number): Float32Array {
  const x = new Float32Array(Math.round(seconds * SR));
  const period = (60 / bpm) * SR;
  const burst = Math.round(0.03 * SR);
  const rand = rng(7);
  for (let k = 0; k * period < x.length; k++) {
    const start = Math.round(k * period);
    for (let i = 0; i < burst && start + i < x.length; i++) {
      x[start + i] += 0.6 * Math.exp(-i / (0.006 * SR)) * Math.sin((2 * Math.PI * 1000 * i) / SR);
    }
  }
  for (let i = 0; i < x.length; i++) x[i] += 0.002 * rand();
  return x;
}

const MIDI = (n: number): number => 440 * Math.pow(2, (n - 69) / 12);

/** Chords (midi notes) of `seconds` each, harmonic tones with a decaying envelope. */
function chords(progression: number[][], seconds: number): Float32Array {
  const len = Math.round(seconds * SR);
  const x = new Float32Array(len * progression.length);
  progression.forEach((notes, c) => {
    for (const n of notes) {
      const f = MIDI(n);
      for (let i = 0; i < len; i++) {
        const env = Math.exp(-i / (1.5 * SR)) * 0.08;
        let v = 0;
        for (let h = 1; h <= 4; h++) v += Math.sin((2 * Math.PI * f * h * i) / SR) / h;
        x[c * len + i] += env * v;
      }
    }
  });
  return x;
}

function expectAllFinite(v: Float32Array): void {
  for (let i = 0; i < v.length; i++) expect(Number.isFinite(v[i]), FEATURE_NAMES[i]).toBe(true);
}

describe('RealFFT', () => {
  it('matches a direct DFT at every bin, for every pass layout (radix-4 only, and with a radix-2 pass)', () => {
    for (const n of [8, 16, 32, 64, 128, 512, 1024, 4096]) {
      const rand = rng(n);
      const x = Float64Array.from({ length: n }, () => rand());
      const re = new Float64Array(n / 2 + 1);
      const im = new Float64Array(n / 2 + 1);
      new RealFFT(n).forward(x, re, im);
      const step = n > 512 ? 7 : 1;
      for (let k = 0; k <= n / 2; k += k === n / 2 - 1 ? 1 : Math.min(step, Math.max(1, n / 2 - 1 - k))) {
        let dr = 0;
        let di = 0;
        for (let t = 0; t < n; t++) {
          dr += x[t] * Math.cos((2 * Math.PI * k * t) / n);
          di -= x[t] * Math.sin((2 * Math.PI * k * t) / n);
        }
        expect(Math.abs(re[k] - dr), `n ${n} bin ${k}`).toBeLessThan(1e-9 * n);
        expect(Math.abs(im[k] - di), `n ${n} bin ${k}`).toBeLessThan(1e-9 * n);
        if (k === n / 2) break;
      }
    }
  });

  it('powerSpectrum equals |forward(window · frame)|², zero-padding frames that run past the end', () => {
    for (const n of [16, 1024, 4096]) {
      const rand = rng(n + 1);
      const signal = Float32Array.from({ length: 3 * n }, () => rand());
      const w = hann(n, true);
      const fft = new RealFFT(n);
      const re = new Float64Array(n / 2 + 1);
      const im = new Float64Array(n / 2 + 1);
      const power = new Float64Array(n / 2 + 1);
      for (const start of [0, n + 3, 2 * n + n / 2, 3 * n - n / 4]) {
        const frame = new Float64Array(n);
        for (let i = 0; i < n; i++) frame[i] = start + i < signal.length ? signal[start + i] * w[i] : 0;
        fft.forward(frame, re, im);
        fft.powerSpectrum(signal, start, w, power);
        let peak = 0;
        for (let k = 0; k <= n / 2; k++) peak = Math.max(peak, re[k] * re[k] + im[k] * im[k]);
        for (let k = 0; k <= n / 2; k++) {
          expect(Math.abs(power[k] - (re[k] * re[k] + im[k] * im[k])) / peak).toBeLessThan(1e-14);
        }
      }
    }
  });
});

describe('selectKth', () => {
  it('puts at k the value a sort puts there, smaller before and larger after (ties, sizes 1 … 400)', () => {
    const rand = rng(11);
    for (const n of [1, 2, 3, 15, 16, 17, 64, 101, 400]) {
      for (const ties of [false, true]) {
        const x = Float64Array.from({ length: n }, () => (ties ? Math.floor(4 + 4 * rand()) : rand()));
        const sorted = Float64Array.from(x).sort();
        for (const k of [0, n >> 1, n - 1, Math.min(n - 1, 7)]) {
          const a = Float64Array.from(x);
          expect(selectKth(a, k)).toBe(sorted[k]);
          for (let i = 0; i < k; i++) expect(a[i]).toBeLessThanOrEqual(a[k]);
          for (let i = k + 1; i < n; i++) expect(a[i]).toBeGreaterThanOrEqual(a[k]);
          expect(Float64Array.from(a).sort()).toEqual(sorted);
        }
      }
    }
    // Within a sub-range, leaving the rest alone.
    const a = Float64Array.from([9, 5, 4, 3, 2, 1, 0]);
    expect(selectKth(a, 3, 1, 6)).toBe(3);
    expect([a[0], a[6]]).toEqual([9, 0]);
    expect(() => selectKth(a, 6, 1, 6)).toThrow();
  });
});

describe('mel filterbank and DCT', () => {
  it('has unit-sum filters and an orthonormal DCT', () => {
    const fb = melFilterbank(40, 513, SR, 0, SR / 2);
    for (const w of fb.weights) expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    const t = dctTable(40, 40);
    const e = new Float64Array(40);
    const out = new Float64Array(40);
    e[5] = 1;
    // Row i of an orthonormal DCT has unit norm; rows are orthogonal.
    applyDct(
      t,
      40,
      Array.from({ length: 40 }, (_, j) => t[3 * 40 + j]),
      out,
    );
    expect(out[3]).toBeCloseTo(1, 9);
    expect(Math.abs(out[4])).toBeLessThan(1e-9);
  });
});

describe('loudness (EBU R128)', () => {
  it('reads −20 LUFS for a 1 kHz sine at −20 dBFS in both channels, at 16 and 48 kHz', () => {
    for (const sr of [16000, 48000]) {
      const r = ebur128(sine(1000, 10, 0.1, sr), sr);
      expect(Math.abs(r.integrated + 20)).toBeLessThan(0.1);
      expect(r.range).toBeLessThan(0.1);
    }
  });

  it('reads a range of about 10 LU for 10 s at −30 then 10 s at −20 dBFS', () => {
    const x = new Float32Array(20 * SR);
    x.set(sine(1000, 10, 0.0316), 0);
    x.set(sine(1000, 10, 0.1), 10 * SR);
    const r = ebur128(x, SR);
    expect(Math.abs(r.range - 10)).toBeLessThan(0.6);
  });
});

describe('fused spectral stats and contrast', () => {
  it('spectralStats gives what centroid, rolloff, flux and flatness give (empty bins, underflow, silence)', () => {
    const rand = rng(5);
    const spectra: Float64Array[] = [];
    for (let t = 0; t < 20; t++)
      spectra.push(Float64Array.from({ length: 513 }, () => Math.abs(rand()) * 10 ** (t % 7)));
    const tiny = Float64Array.from({ length: 513 }, () => 1e-30 * (1 + Math.abs(rand())));
    const holed = Float64Array.from(spectra[3]);
    holed[200] = 0;
    spectra.push(tiny, holed, new Float64Array(513));
    const out = new Float64Array(4);
    for (let i = 0; i < spectra.length; i++) {
      const mag = spectra[i];
      const prev = spectra[(i + spectra.length - 1) % spectra.length];
      spectralStats(mag, prev, SR, out);
      expect(out[0]).toBe(spectralCentroid(mag, SR));
      expect(out[1]).toBe(spectralRolloff(mag, SR));
      expect(out[2]).toBe(spectralFlux(mag, prev));
      expect(out[3]).toBe(spectralFlatness(mag));
    }
  });

  it('spectralContrast equals the sort-based definition', () => {
    const rand = rng(9);
    const bands = octaveBands(513, SR, 200, 6);
    const out = new Float64Array(6);
    const scratch = new Float64Array(513);
    for (let t = 0; t < 30; t++) {
      const mag = Float64Array.from(
        { length: 513 },
        () => Math.abs(rand()) ** 3 * (t % 3 === 0 ? Math.floor(2 + 2 * rand()) : 1),
      );
      spectralContrast(mag, bands, out, scratch);
      bands.forEach(([lo, hi], b) => {
        const sorted = mag.slice(lo, hi).sort();
        const m = Math.max(1, Math.round(0.2 * sorted.length));
        let valley = 0;
        let peak = 0;
        for (let i = 0; i < m; i++) {
          valley += sorted[i];
          peak += sorted[sorted.length - 1 - i];
        }
        const want = 20 * Math.log10((peak / m + 1e-10) / (valley / m + 1e-10));
        expect(Math.abs(out[b] - want)).toBeLessThan(1e-9);
      });
    }
  });
});

describe('spectral stats edge cases', () => {
  it('flatness is 1 for a flat spectrum and 0 when a bin is empty; ZCR of a sine', () => {
    expect(spectralFlatness(new Float64Array(10).fill(3))).toBeCloseTo(1, 12);
    const z = new Float64Array(10).fill(1);
    z[3] = 0;
    expect(spectralFlatness(z)).toBe(0);
    // 100 Hz sine at 16 kHz: 200 crossings per second
    expect(zeroCrossingRate(sine(100, 1, 0.5), 0, SR) * SR).toBeCloseTo(200, -1);
  });
});

describe('extractFeatures', () => {
  it('exports a version, a rate and a fixed list of names', () => {
    expect(FEATURES_VERSION).toMatch(/\S/);
    expect(SR).toBe(16000);
    expect(new Set(FEATURE_NAMES).size).toBe(FEATURE_NAMES.length);
  });

  it('finds the tempo of click tracks at 120 and 100 BPM, and their onset rate', () => {
    for (const bpm of [120, 100]) {
      const f = extractFeatures(clickTrack(bpm, 30), SR);
      expect(Math.abs(f.scalars.bpm - bpm), `bpm ${bpm} → ${f.scalars.bpm}`).toBeLessThan(1.5);
      expect(f.scalars.bpmConfidence).toBeGreaterThan(0.3);
      expect(Math.abs(f.scalars.onsetRate - bpm / 60)).toBeLessThan(0.25);
    }
  });

  it('finds C major and A minor in chord progressions', () => {
    const cMajor = chords(
      [
        [48, 60, 64, 67],
        [53, 65, 69, 72],
        [55, 67, 71, 74],
        [48, 60, 64, 67],
      ],
      2.5,
    );
    const k1 = extractFeatures(cMajor, SR).scalars;
    expect([k1.key, k1.scale]).toEqual(['C', 'major']);
    expect(k1.keyStrength).toBeGreaterThan(0.5);
    const aMinor = chords(
      [
        [45, 57, 60, 64],
        [50, 62, 65, 69],
        [52, 64, 68, 71],
        [45, 57, 60, 64],
      ],
      2.5,
    );
    const k2 = extractFeatures(aMinor, SR).scalars;
    expect([k2.key, k2.scale]).toEqual(['A', 'minor']);
  });

  it('never yields NaN or Infinity: silence, a short blip, one second, white noise, a sine, NaN input', () => {
    const rand = rng(3);
    const noise = Float32Array.from({ length: 10 * SR }, () => 0.3 * rand());
    const withNaN = sine(440, 2, 0.5);
    withNaN[100] = NaN;
    withNaN[200] = Infinity;
    const cases: [string, Float32Array][] = [
      ['silence', new Float32Array(10 * SR)],
      ['near-silence', Float32Array.from({ length: 5 * SR }, () => 1e-10)],
      ['empty', new Float32Array(0)],
      ['100 samples', sine(440, 100 / SR, 0.5)],
      ['one second', sine(440, 1, 0.5)],
      ['white noise', noise],
      ['sine', sine(440, 10, 0.5)],
      ['NaN input', withNaN],
    ];
    for (const [name, pcm] of cases) {
      const f = extractFeatures(pcm, SR);
      expect(f.vector.length, name).toBe(FEATURE_NAMES.length);
      expect(f.names).toEqual([...FEATURE_NAMES]);
      expectAllFinite(f.vector);
      for (const [k, v] of Object.entries(f.scalars)) {
        if (typeof v === 'number') expect(Number.isFinite(v), `${name}: ${k}`).toBe(true);
      }
    }
    const silent = extractFeatures(new Float32Array(10 * SR), SR).scalars;
    expect(silent).toMatchObject({
      bpm: 0,
      key: 'C',
      scale: 'major',
      keyStrength: 0,
      loudness: -70,
      danceability: 0,
    });
    const white = extractFeatures(noise, SR).scalars;
    expect(white.spectralFlatness).toBeGreaterThan(0.5);
    expect(white.spectralCentroid).toBeGreaterThan(3000);
    const tone = extractFeatures(sine(440, 10, 0.5), SR).scalars;
    expect(Math.abs(tone.spectralCentroid - 440)).toBeLessThan(60);
    expect(tone.spectralFlatness).toBeLessThan(0.05);
  });
});

describe('essentia wrapper', () => {
  it('removes the process-wide handlers essentia.js installs and converts its throws', () => {
    const before = process.listeners('unhandledRejection').length;
    getEssentia();
    expect(process.listeners('unhandledRejection').length).toBe(before);
    expect(() =>
      essentiaCall('Boom', () => {
        throw 12345;
      }),
    ).toThrow(/essentia Boom failed: C\+\+ exception/);
  });
});
