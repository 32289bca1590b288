import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  musicnnFrameCount,
  musicnnMelFrames,
  musicnnMelPatches,
  MUSICNN_BANDS,
  MUSICNN_PATCH_FRAMES,
  patchesFromFrames,
} from '../../../../src/main/analysis/models/mel';
import { musicnnReferenceDir } from '../../../helpers/shared';

function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

describe('MusiCNN mel front end', () => {
  it('counts centred frames like Essentia', () => {
    expect(musicnnFrameCount(480_000)).toBe(1876);
    expect(musicnnFrameCount(256)).toBe(2);
    expect(musicnnFrameCount(257)).toBe(3);
    expect(musicnnFrameCount(0)).toBe(0);
    expect(musicnnMelFrames(new Float32Array(480_000)).length).toBe(1876 * 96);
  });

  it('gives log10(1) = 0 on silence and a peak in the right band for a tone', () => {
    expect(musicnnMelFrames(new Float32Array(4096)).every((v) => v === 0)).toBe(true);
    const tone = Float32Array.from(
      { length: 16000 },
      (_, i) => 0.5 * Math.sin((2 * Math.PI * 1000 * i) / 16000),
    );
    const frames = musicnnMelFrames(tone);
    const row = frames.subarray(20 * 96, 21 * 96);
    const peak = row.indexOf(Math.max(...row));
    // 1 kHz is mel 15 on the Slaney scale; edges are 45.245 / 97 mel apart, so edge 32.2 lies at
    // 1 kHz and band b peaks at edge b + 1: band 31.
    expect(peak).toBe(31);
  });

  it('zero-pads patches past the end of the track', () => {
    const frames = Float32Array.from({ length: 10 * 96 }, (_, i) => 1 + i);
    const p = patchesFromFrames(frames, 10, [5, -2]);
    expect(p.length).toBe(2 * MUSICNN_PATCH_FRAMES * MUSICNN_BANDS);
    expect(p[0]).toBe(frames[5 * 96]);
    expect(p[5 * 96 - 1]).toBe(frames[10 * 96 - 1]);
    expect(p[5 * 96]).toBe(0);
    const second = MUSICNN_PATCH_FRAMES * MUSICNN_BANDS;
    expect(p[second]).toBe(0);
    expect(p[second + 2 * 96]).toBe(frames[0]);
  });

  for (const name of ['breaking-the-chains', 'farewell', 'desert']) {
    it(`reproduces Essentia's frames for ${name} to 1e-3`, () => {
      const pcm = readF32(join(musicnnReferenceDir, `${name}.pcm16k.f32`));
      const ref = readF32(join(musicnnReferenceDir, `${name}.mel.f32`));
      const t0 = performance.now();
      const frames = musicnnMelFrames(pcm);
      const ms = performance.now() - t0;
      const nFrames = frames.length / MUSICNN_BANDS;
      const patches = patchesFromFrames(
        frames,
        nFrames,
        Array.from({ length: 10 }, (_, p) => p * MUSICNN_PATCH_FRAMES),
      );
      expect(patches.length).toBe(ref.length);
      let maxErr = 0;
      for (let i = 0; i < ref.length; i++) maxErr = Math.max(maxErr, Math.abs(patches[i] - ref[i]));
      console.log(
        `mel ${name}: max abs error ${maxErr.toExponential(2)}, ${ms.toFixed(0)} ms for ${pcm.length / 16000} s`,
      );
      expect(maxErr).toBeLessThan(1e-3);
    });
  }

  it('computes only the frames of chosen patches, identical to cutting them from all frames', () => {
    const pcm = new Float32Array(16000 * 20);
    for (let i = 0; i < pcm.length; i++) pcm[i] = Math.sin(i * 0.07) * 0.3 + Math.sin(i * 0.0131) * 0.2;
    const frames = musicnnMelFrames(pcm);
    const nFrames = frames.length / MUSICNN_BANDS;
    // Includes a patch that starts before 0 and one that runs past the end of the track.
    const starts = [-40, 0, 187, 700, nFrames - 50];
    const expected = patchesFromFrames(frames, nFrames, starts);
    const actual = musicnnMelPatches(pcm, starts);
    expect(actual.length).toBe(expected.length);
    let maxErr = 0;
    for (let i = 0; i < expected.length; i++) maxErr = Math.max(maxErr, Math.abs(actual[i] - expected[i]));
    expect(maxErr).toBe(0);
  });
});
