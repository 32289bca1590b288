/**
 * The 2:1 halving's faster paths on real music: every fixture track decoded by ffmpeg at 32 kHz,
 * halved by the WebAssembly SIMD kernel and by the TypeScript fallback, against the scalar code
 * they replaced (test/helpers/decimate-reference.ts).
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Decimator2, SWR_DEFAULT_DESIGN } from '../../../src/main/analysis/dsp/decimate';
import { decodeAudio } from '../../../src/main/ffmpeg/decode';
import { PcmBuffers } from '../../../src/main/ffmpeg/pcm-buffers';
import { decimateReference } from '../../helpers/decimate-reference';
import { fixtureLibraryDir } from '../../helpers/shared';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

describe('halving decoded tracks', () => {
  it('SIMD within float32 rounding (≤ 1e-6) of the float64 scalar code, the fallback identical', async () => {
    const simd = new Decimator2();
    const scalar = new Decimator2(SWR_DEFAULT_DESIGN, { kernel: 'scalar' });
    expect(simd.kernel).toBe('wasm-simd');
    const files = walk(fixtureLibraryDir).sort();
    expect(files.length).toBeGreaterThanOrEqual(10);
    const buffers = new PcmBuffers();
    let out = new Float32Array(0);
    let outputs = 0;
    for (const file of files) {
      const x = (await decodeAudio(file, { rates: [32000], buffers })).pcm.get(32000)!;
      expect(x.length, file).toBeGreaterThan(32000);
      const ref = decimateReference(simd.taps, x);
      if (out.length < ref.length) out = new Float32Array(ref.length);
      const y = simd.decimate(x, out);
      expect(y.length, file).toBe(ref.length);
      let worst = 0;
      let peak = 0;
      for (let i = 0; i < ref.length; i++) {
        worst = Math.max(worst, Math.abs(y[i] - ref[i]));
        peak = Math.max(peak, Math.abs(ref[i]));
      }
      expect(worst, file).toBeLessThanOrEqual(1e-6);
      expect(peak, file).toBeGreaterThan(0.05); // real music, not silence
      const z = scalar.decimate(x, out);
      for (let i = 0; i < ref.length; i++) if (z[i] !== ref[i]) expect(z[i], `${file} @${i}`).toBe(ref[i]);
      outputs += ref.length;
    }
    expect(outputs).toBeGreaterThan(16000 * 60);
  }, 120_000);
});
