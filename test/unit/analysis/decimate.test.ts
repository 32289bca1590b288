/** The 2:1 decimator that makes the features' 16 kHz PCM from the model's 32 kHz decode. */
import { describe, expect, it } from 'vitest';
import {
  Decimator2,
  SWR_DEFAULT_DESIGN,
  decimationResponse,
  decimationTaps,
} from '../../../src/main/analysis/dsp/decimate';

const IN_RATE = 32000;

function tone(freq: number, seconds: number, amp = 0.5, phase = 0): Float32Array {
  const x = new Float32Array(Math.round(seconds * IN_RATE));
  for (let i = 0; i < x.length; i++) x[i] = amp * Math.sin((2 * Math.PI * freq * i) / IN_RATE + phase);
  return x;
}

/** RMS over the middle of a signal (away from the zero-padded ends). */
function midRms(x: Float32Array, margin: number): number {
  let s = 0;
  for (let i = margin; i < x.length - margin; i++) s += x[i] * x[i];
  return Math.sqrt(s / (x.length - 2 * margin));
}

const db = (ratio: number): number => 20 * Math.log10(ratio);

describe('Decimator2', () => {
  const dec = new Decimator2();

  it("builds libswresample's 2:1 filter: 65 symmetric taps, unit DC gain", () => {
    const h = decimationTaps(SWR_DEFAULT_DESIGN);
    expect(h.length).toBe(33); // centre + 32 either side: ceil(32 / 0.485) = 66 taps, the 66th weighs 0
    let dc = h[0];
    for (let d = 1; d < h.length; d++) dc += 2 * h[d];
    expect(dc).toBeCloseTo(1, 12);
    expect(h[0]).toBeCloseTo(0.485, 2); // sinc height = cut-off relative to the input's Nyquist
  });

  it('has the stated response: flat to 6.3 kHz, −6 dB at 7.76 kHz, ≥ 90 dB down from 9.3 kHz', () => {
    const h = dec.taps;
    const at = (hz: number) => db(decimationResponse(h, hz / IN_RATE));
    for (let f = 0; f <= 6300; f += 50) expect(Math.abs(at(f))).toBeLessThan(0.01);
    expect(at(7760)).toBeCloseTo(-6, 0);
    for (let f = 9300; f <= 16000; f += 25) expect(at(f)).toBeLessThan(-90);
  });

  it('passes tones in the band at unity gain and in phase with the input', () => {
    for (const f of [100, 1000, 3000, 6000]) {
      const x = tone(f, 1, 0.5, 0.3);
      const y = dec.decimate(x);
      expect(y.length).toBe(x.length / 2);
      // Output k sits on input 2k: compare sample by sample away from the ends.
      let err = 0;
      for (let k = 100; k < y.length - 100; k++) err = Math.max(err, Math.abs(y[k] - x[2 * k]));
      expect(err).toBeLessThan(0.5 * 0.002);
    }
  });

  it('keeps tones above 9.3 kHz from folding into the band (≤ −90 dB), and a sweep over them', () => {
    for (const f of [9300, 10000, 12000, 14000, 15900]) {
      const y = dec.decimate(tone(f, 1));
      expect(db(midRms(y, 64) / (0.5 / Math.SQRT2))).toBeLessThan(-90);
    }
    // Linear sweep 9.4 → 16 kHz over 2 s.
    const n = 2 * IN_RATE;
    const x = new Float32Array(n);
    const f0 = 9400;
    const f1 = 16000;
    for (let i = 0; i < n; i++) {
      const t = i / IN_RATE;
      x[i] = 0.5 * Math.sin(2 * Math.PI * (f0 * t + ((f1 - f0) * t * t) / (2 * 2)));
    }
    const y = dec.decimate(x);
    expect(db(midRms(y, 64) / midRms(x, 128))).toBeLessThan(-85);
  });

  it('centres output k on input 2k (an impulse comes out where it went in, scaled by the centre tap)', () => {
    const x = new Float32Array(1001);
    x[500] = 1;
    const y = dec.decimate(x);
    expect(y.length).toBe(501);
    let peak = 0;
    for (let k = 1; k < y.length; k++) if (Math.abs(y[k]) > Math.abs(y[peak])) peak = k;
    expect(peak).toBe(250);
    expect(y[250]).toBeCloseTo(dec.taps[0], 6);
    // Symmetric taps: an impulse on an odd input comes out equally on both neighbours.
    const z = dec.decimate(Float32Array.from({ length: 1001 }, (_, i) => (i === 501 ? 1 : 0)));
    expect(z[250]).toBeCloseTo(z[251], 9);
  });

  it('handles signals shorter than the filter and writes into a buffer it is given', () => {
    for (const len of [1, 2, 3, 17, 64, 65, 66, 67]) {
      const x = Float32Array.from({ length: len }, (_, i) => Math.sin(i));
      const y = dec.decimate(x);
      expect(y.length).toBe(Math.ceil(len / 2));
      for (const v of y) expect(Number.isFinite(v)).toBe(true);
      // The edge path and the inner path compute the same sums.
      const padded = new Float32Array(len + 200);
      padded.set(x, 100);
      const yp = dec.decimate(padded);
      for (let k = 0; k < y.length; k++) expect(y[k]).toBeCloseTo(yp[k + 50], 6);
    }
    const buffer = new Float32Array(10_000).fill(7);
    const x = tone(440, 0.1);
    const y = dec.decimate(x, buffer);
    expect(y.buffer).toBe(buffer.buffer);
    expect(y.length).toBe(1600);
    expect(Array.from(y)).toEqual(Array.from(dec.decimate(x)));
  });
});
