/**
 * Decode once: EfficientAT's 32 kHz decode halved in TypeScript gives the features the PCM a
 * direct 16 kHz decode would have, and the worker's kept buffers give the same PCM as fresh ones.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeTrack } from '../../../src/main/analysis/analyze-track';
import { Embedder } from '../../../src/main/analysis/models/embedder';
import { resolveModel } from '../../../src/main/analysis/models/manager';
import { decodeAudio } from '../../../src/main/ffmpeg/decode';
import { PcmBuffers } from '../../../src/main/ffmpeg/pcm-buffers';
import { Decimator2 } from '../../../src/main/analysis/dsp/decimate';
import { decodePlan } from '../../../src/main/analysis/decode-plan';
import { FEATURE_NAMES, extractFeatures } from '../../../src/main/analysis/features/extract';
import { fixtureLibraryDir, modelsRootDir } from '../../helpers/shared';

const home = mkdtempSync(join(tmpdir(), 'timbre-decode-once-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

describe('decode once at 32 kHz', () => {
  const library = walk(fixtureLibraryDir).sort();

  it('plans one ffmpeg output for EfficientAT (32 kHz) and MusiCNN (16 kHz), two for other rates', () => {
    expect(decodePlan(32000)).toEqual({ rates: [32000], halve: true });
    expect(decodePlan(16000)).toEqual({ rates: [16000], halve: false });
    expect(decodePlan(null)).toEqual({ rates: [16000], halve: false });
    expect(decodePlan(22050)).toEqual({ rates: [16000, 22050], halve: false });
  });

  it("halving ffmpeg's 32 kHz output matches its direct 16 kHz output (≤ −60 dB), and the features follow", async () => {
    const dec = new Decimator2();
    const files = library.filter((f) => !/tracker/i.test(f)).slice(0, 4);
    expect(files.length).toBe(4);
    for (const file of files) {
      const direct = (await decodeAudio(file, { rates: [16000] })).pcm.get(16000)!;
      const halved = dec.decimate((await decodeAudio(file, { rates: [32000] })).pcm.get(32000)!);
      expect(Math.abs(halved.length - direct.length), file).toBeLessThanOrEqual(1);
      const n = Math.min(direct.length, halved.length);
      let signal = 0;
      let error = 0;
      for (let i = 0; i < n; i++) {
        signal += direct[i] * direct[i];
        error += (direct[i] - halved[i]) ** 2;
      }
      expect(10 * Math.log10(error / signal), file).toBeLessThan(-60);
      const a = extractFeatures(direct, 16000).vector;
      const b = extractFeatures(halved, 16000).vector;
      for (let i = 0; i < a.length; i++) {
        // Feature by feature, within 1 % of its magnitude (or a small absolute floor near zero).
        expect(Math.abs(a[i] - b[i]), `${file} ${FEATURE_NAMES[i]}`).toBeLessThanOrEqual(
          0.01 * Math.abs(a[i]) + 0.02,
        );
      }
    }
  });

  it('gives the same PCM through tmpfs spool files as through pipes', async () => {
    const file = library[0];
    const spooled = (await decodeAudio(file, { rates: [32000, 16000] })).pcm;
    process.env.TIMBRE_DECODE_PIPES = '1';
    let piped: Map<number, Float32Array>;
    try {
      piped = (await decodeAudio(file, { rates: [32000, 16000] })).pcm;
    } finally {
      delete process.env.TIMBRE_DECODE_PIPES;
    }
    for (const rate of [32000, 16000]) {
      const a = spooled.get(rate)!;
      const b = piped.get(rate)!;
      expect(a.length, `${rate}`).toBe(b.length);
      expect(a.length).toBeGreaterThan(rate * 29);
      let same = true;
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) same = false;
      expect(same, `${rate}`).toBe(true);
    }
  });

  it('decodes into kept buffers track after track with the same PCM as fresh buffers', async () => {
    const buffers = new PcmBuffers();
    const files = library.slice(0, 3);
    let memory: ArrayBufferLike | null = null;
    for (const file of [...files, ...files]) {
      const kept = (await decodeAudio(file, { rates: [32000], buffers })).pcm.get(32000)!;
      const fresh = (await decodeAudio(file, { rates: [32000] })).pcm.get(32000)!;
      expect(kept.length, file).toBe(fresh.length);
      let same = true;
      for (let i = 0; i < kept.length; i++) if (kept[i] !== fresh[i]) same = false;
      expect(same, file).toBe(true);
      memory ??= kept.buffer;
    }
    // The fixtures are all ~30 s: after the first, every decode reused the first one's memory.
    expect(buffers.bytes).toBeLessThan(2 * 32 * 32000 * 4);
  });

  it('analyses a track with mn04 from one 32 kHz decode: same embedding, features as from 16 kHz', async () => {
    const model = await resolveModel('mn04', { home, modelsDir: modelsRootDir, allowDownload: false });
    const embedder = await Embedder.load(model);
    try {
      const buffers = new PcmBuffers();
      for (const file of library.slice(0, 2)) {
        const result = await analyzeTrack(
          { trackId: 't', path: file, durationHint: 0 },
          { analysisVersion: 'v', embedder, patches: 3, buffers },
        );
        expect(result.timings.resampleMs).toBeGreaterThan(0);
        const pcm32 = (await decodeAudio(file, { rates: [32000] })).pcm.get(32000)!;
        const reference = await embedder.embed(pcm32, { patches: 3 });
        expect(Array.from(result.embeddings[0].mean)).toEqual(Array.from(reference.mean));
        const direct = extractFeatures((await decodeAudio(file, { rates: [16000] })).pcm.get(16000)!, 16000);
        const got = result.features.vector;
        for (let i = 0; i < got.length; i++) {
          expect(Math.abs(got[i] - direct.vector[i]), `${file} ${FEATURE_NAMES[i]}`).toBeLessThanOrEqual(
            0.01 * Math.abs(direct.vector[i]) + 0.02,
          );
        }
      }
    } finally {
      await embedder.close();
    }
  });
});
