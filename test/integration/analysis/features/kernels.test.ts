/**
 * Our TS kernels against essentia.js on real audio (fixtures decoded to 16 kHz mono), per frame.
 * Tolerances stated here are what the report quotes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { decodeAudio } from '../../../../src/main/ffmpeg/decode';
import { SpectrumAnalyzer } from '../../../../src/main/analysis/dsp/spectrum';
import { hann } from '../../../../src/main/analysis/dsp/window';
import { ampToDb, applyDct, applyMel, dctTable, melFilterbank } from '../../../../src/main/analysis/dsp/mel';
import {
  spectralCentroid,
  spectralFlatness,
  spectralFlux,
  spectralRolloff,
  zeroCrossingRate,
} from '../../../../src/main/analysis/dsp/stats';
import { ebur128 } from '../../../../src/main/analysis/dsp/loudness';
import {
  keyFromChroma,
  meanChroma,
  FEATURE_SAMPLE_RATE,
} from '../../../../src/main/analysis/features/extract';
import {
  essentiaCall,
  num,
  withVectors,
  type EssentiaVector,
} from '../../../../src/main/analysis/features/essentia';
import { fixtureLibraryDir } from '../../../helpers/shared';

const SR = FEATURE_SAMPLE_RATE;
const N = 1024;
const FIXTURES = {
  farewell: 'Obsidian Shell/M.A.R.S/Farewell.ogg',
  breaking: 'Wesnoth/Mattias Westlund/Breaking the Chains.mp3',
  desert: 'Nexuiz/blkrbt - Desert.opus',
};
const pcm = new Map<string, Float32Array>();

beforeAll(async () => {
  for (const [name, file] of Object.entries(FIXTURES)) {
    const d = await decodeAudio(join(fixtureLibraryDir, file), { rates: [SR] });
    pcm.set(name, d.pcm.get(SR)!);
  }
});

function corr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] / n;
    mb += b[i] / n;
  }
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(1e-9, Math.abs(b));

describe('TS frame kernels vs essentia.js (Farewell.ogg and Breaking the Chains.mp3, 16 kHz, 1024-sample Hann frames)', () => {
  it('spectrum, MFCC, centroid, rolloff, flatness, flux and zero-crossing rate agree per frame', () => {
    const sa = new SpectrumAnalyzer(N, hann(N, true));
    const mag = new Float64Array(N / 2 + 1);
    const zeros = new Float64Array(N / 2 + 1);
    const fb = melFilterbank(40, N / 2 + 1, SR, 0, SR / 2);
    const dct = dctTable(40, 13);
    const mel = new Float64Array(40);
    const logMel = new Float64Array(40);
    const mfcc = new Float64Array(13);
    const worst = { spectrum: 0, mfcc: 0, centroid: 0, rolloffBins: 0, flatness: 0, flux: 0, zcr: 0 };
    let frames = 0;
    for (const name of ['farewell', 'breaking']) {
      const x = pcm.get(name)!;
      for (let start = 0; start + N <= x.length; start += 20 * 512) {
        sa.magnitude(x, start, mag);
        applyMel(fb, mag, mel);
        for (let b = 0; b < 40; b++) logMel[b] = ampToDb(mel[b]);
        applyDct(dct, 40, logMel, mfcc);
        withVectors((e, vec, keep) => {
          const frame = vec(x.subarray(start, start + N));
          const w = keep(essentiaCall('Windowing', () => e.Windowing(frame, true, N, 'hann')));
          const sp = keep(essentiaCall('Spectrum', () => e.Spectrum(w.frame as EssentiaVector, N)));
          const spec = sp.spectrum as EssentiaVector;
          const em = e.vectorToArray(spec);
          let peak = 0;
          for (let k = 0; k < em.length; k++) peak = Math.max(peak, em[k]);
          for (let k = 0; k < em.length; k++)
            worst.spectrum = Math.max(worst.spectrum, Math.abs(em[k] - mag[k]) / peak);
          const m = keep(
            essentiaCall('MFCC', () =>
              e.MFCC(spec, 2, SR / 2, N / 2 + 1, 0, 'dbamp', 0, 'unit_sum', 40, 13, SR),
            ),
          );
          const emf = e.vectorToArray(m.mfcc as EssentiaVector);
          for (let i = 0; i < 13; i++) worst.mfcc = Math.max(worst.mfcc, Math.abs(emf[i] - mfcc[i]));
          const c = num(keep(e.Centroid(spec, SR / 2)), 'centroid');
          worst.centroid = Math.max(worst.centroid, rel(spectralCentroid(mag, SR), c));
          const r = num(keep(e.RollOff(spec, 0.85, SR)), 'rollOff');
          worst.rolloffBins = Math.max(worst.rolloffBins, Math.abs(spectralRolloff(mag, SR) - r) / (SR / N));
          const fl = num(keep(e.Flatness(spec)), 'flatness');
          worst.flatness = Math.max(worst.flatness, rel(spectralFlatness(mag), fl));
          // essentia.js builds a new Flux per call, so its "previous spectrum" is always zero.
          const fx = num(keep(e.Flux(spec, false, 'L2')), 'flux');
          worst.flux = Math.max(worst.flux, rel(spectralFlux(mag, zeros), fx));
          const z = num(keep(e.ZeroCrossingRate(frame, 0)), 'zeroCrossingRate');
          worst.zcr = Math.max(worst.zcr, Math.abs(zeroCrossingRate(x, start, N) - z));
        });
        frames++;
      }
    }
    console.log(`kernels vs essentia over ${frames} frames, worst:`, worst);
    expect(frames).toBeGreaterThan(80);
    expect(worst.spectrum).toBeLessThan(1e-6); // relative to the frame's peak
    expect(worst.mfcc).toBeLessThan(0.005); // dB-cepstrum units (c0 ≈ −450)
    expect(worst.centroid).toBeLessThan(1e-5);
    expect(worst.rolloffBins).toBeLessThanOrEqual(1);
    expect(worst.flatness).toBeLessThan(1e-4);
    expect(worst.flux).toBeLessThan(1e-5);
    expect(worst.zcr).toBeLessThan(1e-9);
  });
});

/** HPCP defaults (band preset at 500 Hz, no harmonics, 40–5000 Hz, unitMax, 12 bins) at our rate. */
const HPCP_ARGS = [true, 500, 0, 5000, false, 40, false, 'unitMax', 440, SR, 12] as const;

describe('chroma vs essentia HPCP, key, loudness', () => {
  function essentiaHpcpMean(x: Float32Array): Float64Array {
    return withVectors((e, vec, keep) => {
      const sum = new Float64Array(12);
      let n = 0;
      for (let s = 0; s + 4096 <= x.length; s += 4096) {
        const w = keep(e.Windowing(vec(x.subarray(s, s + 4096)), true, 4096, 'hann'));
        const sp = keep(e.Spectrum(w.frame as EssentiaVector, 4096));
        const pk = keep(e.SpectralPeaks(sp.spectrum as EssentiaVector, 0, 5000, 100, 40, 'frequency', SR));
        const f = pk.frequencies as EssentiaVector;
        const m = pk.magnitudes as EssentiaVector;
        const h = keep(essentiaCall('HPCP', () => e.HPCP(f, m, ...HPCP_ARGS)));
        const a = e.vectorToArray(h.hpcp as EssentiaVector);
        if (a.some((v) => v > 0)) {
          for (let i = 0; i < 12; i++) sum[i] += a[i];
          n++;
        }
      }
      for (let i = 0; i < 12; i++) sum[i] /= Math.max(1, n);
      return sum;
    });
  }

  const PCS = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'];
  /** Steps on the circle of fifths between two keys (a minor key counted at its relative major). */
  function fifthsApart(a: { key: string; scale: string }, b: { key: string; scale: string }): number {
    const pos = (k: { key: string; scale: string }): number => {
      const pc = (PCS.indexOf(k.key.replace('b', '#')) + (k.scale === 'minor' ? 3 : 0)) % 12;
      return (pc * 7) % 12;
    };
    const d = Math.abs(pos(a) - pos(b)) % 12;
    return Math.min(d, 12 - d);
  }

  it('mean chroma correlates ≥ 0.95 with essentia’s mean HPCP; Key on either gives (nearly) the same key', () => {
    // Over the 12 fixtures the key from our chroma equalled the key from essentia's HPCP on 11; the
    // 12th (Farewell) came out a fifth apart (C major vs F major; KeyExtractor itself says C major).
    let same = 0;
    for (const [name, x] of pcm) {
      const ours = meanChroma(x, SR);
      const theirs = essentiaHpcpMean(x);
      const r = corr(ours, theirs);
      console.log(`chroma vs HPCP ${name}: r = ${r.toFixed(4)}`);
      expect(r, name).toBeGreaterThanOrEqual(0.95);
      const a = keyFromChroma(ours);
      const b = keyFromChroma(theirs);
      console.log(`key ${name}: ours ${a.key} ${a.scale}, from HPCP ${b.key} ${b.scale}`);
      if (a.key === b.key && a.scale === b.scale) same++;
      expect(fifthsApart(a, b), name).toBeLessThanOrEqual(1);
    }
    expect(same).toBeGreaterThanOrEqual(2);
  });

  it('EBU R128 integrated loudness and range agree with essentia LoudnessEBUR128 (mono as both channels)', () => {
    for (const name of ['farewell', 'breaking']) {
      const x = pcm.get(name)!;
      const ours = ebur128(x, SR);
      const theirs = withVectors((e, vec, keep) => {
        const v = vec(x);
        return keep(essentiaCall('LoudnessEBUR128', () => e.LoudnessEBUR128(v, v, 0.1, SR)));
      });
      const di = Math.abs(ours.integrated - num(theirs, 'integratedLoudness'));
      const dr = Math.abs(ours.range - num(theirs, 'loudnessRange'));
      console.log(`loudness ${name}: ΔI = ${di.toFixed(3)} LU, ΔLRA = ${dr.toFixed(3)} LU`);
      expect(di).toBeLessThan(0.1);
      expect(dr).toBeLessThan(0.2);
    }
  });
});
