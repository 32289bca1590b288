/** The 2:1 decimator that makes the features' 16 kHz PCM from the model's 32 kHz decode. */
import { describe, expect, it } from 'vitest';
import {
  Decimator2,
  SWR_DEFAULT_DESIGN,
  decimateScalar,
  decimationResponse,
  decimationTaps,
} from '../../../src/main/analysis/dsp/decimate';
import { SIMD_BLOCK_OUTPUTS, SimdDecimator } from '../../../src/main/analysis/dsp/decimate-simd';
import { decimateReference } from '../../helpers/decimate-reference';

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

/** Deterministic noise in [−amp, amp] (xorshift32). */
function noise(length: number, amp: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const x = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    x[i] = amp * ((s >>> 0) / 2 ** 31 - 1);
  }
  return x;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe('the faster paths against the scalar code they replaced', () => {
  const taps = decimationTaps();
  const simd = new Decimator2();
  const scalar = new Decimator2(SWR_DEFAULT_DESIGN, { kernel: 'scalar' });
  const B = SIMD_BLOCK_OUTPUTS;
  // Empty, single samples, shorter than the filter, odd and even, around the kernel's vector
  // width, pass width and block size, several blocks.
  const lengths = [
    0,
    1,
    2,
    3,
    4,
    5,
    7,
    8,
    9,
    15,
    16,
    17,
    31,
    33,
    63,
    64,
    65,
    66,
    67,
    97,
    128,
    129,
    130,
    131,
    1001,
    2 * B - 2,
    2 * B - 1,
    2 * B,
    2 * B + 1,
    2 * B + 2,
    2 * B + 16,
    4 * B + 7,
    6 * B - 64,
    10 * B + 3,
  ];

  it('uses the WebAssembly SIMD kernel on this Node', () => {
    expect(simd.kernel).toBe('wasm-simd');
    expect(scalar.kernel).toBe('scalar');
  });

  it('SIMD: equal to the float64 scalar sums within float32 rounding (≤ 1e-6) at every length', () => {
    for (const len of lengths) {
      for (const [amp, seed] of [
        [1, 7],
        [0.01, 11],
      ] as const) {
        const x = noise(len, amp, seed + len);
        const y = simd.decimate(x);
        expect(y.length, `${len}`).toBe(Math.ceil(len / 2));
        expect(maxAbsDiff(y, decimateReference(taps, x)), `${len}`).toBeLessThanOrEqual(1e-6 * amp);
      }
    }
  });

  it('SIMD: full-scale square waves and near-silence stay within float32 rounding', () => {
    const n = 3 * 2 * B + 5;
    const square = Float32Array.from({ length: n }, (_, i) => (Math.floor(i / 37) % 2 ? 1 : -1));
    expect(maxAbsDiff(simd.decimate(square), decimateReference(taps, square))).toBeLessThanOrEqual(1e-6);
    // A −300 dB signal (float32 subnormals): no flush to zero in the kernel.
    const quiet = noise(n, 1e-38, 3);
    const ref = decimateReference(taps, quiet);
    expect(maxAbsDiff(simd.decimate(quiet), ref)).toBeLessThanOrEqual(1e-44);
    expect(ref.some((v) => v !== 0)).toBe(true);
  });

  it('SIMD: the same for every block size and pass width (one kernel is not luckier than another)', () => {
    const x = noise(5 * 2 * 512 + 77, 1, 5);
    const ref = decimateReference(taps, x);
    for (const blockOutputs of [8, 16, 24, 512, 4096])
      for (const passOutputs of [4, 8] as const) {
        const k = SimdDecimator.create(taps, { blockOutputs, passOutputs })!;
        expect(k, `${blockOutputs}/${passOutputs}`).not.toBeNull();
        const y = k.decimate(x, new Float32Array(ref.length));
        expect(maxAbsDiff(y, ref), `${blockOutputs}/${passOutputs}`).toBeLessThanOrEqual(1e-6);
      }
  });

  it('TypeScript fallback: identical to the scalar code (same float64 sums in the same order)', () => {
    for (const len of lengths) {
      const x = noise(len, 1, 13 + len);
      expect(Array.from(scalar.decimate(x)), `${len}`).toEqual(Array.from(decimateReference(taps, x)));
      const out = new Float32Array(Math.ceil(len / 2));
      expect(decimateScalar(taps, x, out).buffer).toBe(out.buffer);
    }
  });

  it('in place (into the input itself): the same outputs, for both paths, at every length', () => {
    for (const len of lengths) {
      const x = noise(len, 1, 23 + len);
      const ref = decimateReference(taps, x);
      const a = x.slice();
      const ya = simd.decimateInPlace(a);
      expect(ya.buffer).toBe(a.buffer);
      expect(ya.length).toBe(ref.length);
      expect(maxAbsDiff(ya, ref), `${len}`).toBeLessThanOrEqual(1e-6);
      const b = x.slice();
      expect(Array.from(scalar.decimateInPlace(b)), `${len}`).toEqual(Array.from(ref));
    }
    // Small blocks too (the kernel keeps them at least twice the filter's half-reach for this).
    const x = noise(5 * 2 * 512 + 77, 1, 29);
    const ref = decimateReference(taps, x);
    for (const blockOutputs of [8, 16, 32, 40, 512]) {
      const k = SimdDecimator.create(taps, { blockOutputs, passOutputs: 4 })!;
      const a = x.slice();
      expect(maxAbsDiff(k.decimate(a, a), ref), `${blockOutputs}`).toBeLessThanOrEqual(1e-6);
    }
    // Any other overlap with the input is refused, not computed wrong.
    const c = x.slice();
    expect(() => simd.decimate(c.subarray(10), c)).toThrow(/overlaps/);
    expect(() => scalar.decimate(c, c.subarray(5))).toThrow(/overlaps/);
  });

  it("writes only the outputs' part of a longer buffer, and gives the same results on reuse", () => {
    for (const dec of [simd, scalar]) {
      const buffer = new Float32Array(3 * B).fill(7);
      const long = noise(2 * B + 11, 1, 17);
      const first = Array.from(dec.decimate(long, buffer));
      const short = noise(2 * B - 9, 1, 19);
      const y = dec.decimate(short, buffer);
      expect(y.buffer).toBe(buffer.buffer);
      expect(y.length).toBe(B - 4);
      expect(maxAbsDiff(y, decimateReference(taps, short))).toBeLessThanOrEqual(1e-6);
      // Past this call's outputs the buffer still holds the previous call's, then the fill.
      expect(buffer[B - 4]).toBe(first[B - 4]);
      expect(buffer[B + 6]).toBe(7);
      expect(Array.from(dec.decimate(long, buffer))).toEqual(first);
    }
  });
});
