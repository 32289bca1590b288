import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { convertMusicnnH5, ModelConversionError } from '../../../../src/main/analysis/models/h5-to-onnx';
import { musicnnDir, musicnnReferenceDir } from '../../../helpers/shared';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node') as typeof Ort;

const CLIPS = ['breaking-the-chains', 'farewell', 'desert'];
const tagNames = (model: string) =>
  readFileSync(join(musicnnDir, `tags-${model}.txt`), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);

function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

interface Reference {
  embeddings: number[][];
  tags: number[][];
}

describe.each(['msd', 'mtt'])('H5 → ONNX conversion of %s', (model) => {
  it('reproduces the reference embeddings and tags to 1e-4 under ONNX Runtime', async () => {
    const t0 = performance.now();
    const onnxBytes = convertMusicnnH5(
      new Uint8Array(readFileSync(join(musicnnDir, `${model.toUpperCase()}_musicnn.h5`))),
    );
    const convertMs = performance.now() - t0;
    const session = await ort.InferenceSession.create(onnxBytes, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    try {
      expect(session.inputNames).toEqual(['mel']);
      expect([...session.outputNames].sort()).toEqual(['embedding', 'pooled', 'tags']);
      const tags = tagNames(model);
      const summary: string[] = [];
      for (const clip of CLIPS) {
        const mel = readF32(join(musicnnReferenceDir, `${clip}.mel.f32`));
        const ref = JSON.parse(
          readFileSync(join(musicnnReferenceDir, `${clip}.${model}.json`), 'utf8'),
        ) as Reference;
        const t1 = performance.now();
        const out = await session.run({ mel: new ort.Tensor('float32', mel, [10, 187, 96]) });
        const msPerPatch = (performance.now() - t1) / 10;
        expect(out.embedding.dims).toEqual([10, 200]);
        expect(out.tags.dims).toEqual([10, 50]);
        expect(out.pooled.dims).toEqual([10, 1506]);
        const emb = out.embedding.data as Float32Array;
        const tg = out.tags.data as Float32Array;
        let embErr = 0;
        let tagErr = 0;
        for (let p = 0; p < 10; p++) {
          for (let j = 0; j < 200; j++)
            embErr = Math.max(embErr, Math.abs(emb[p * 200 + j] - ref.embeddings[p][j]));
          for (let j = 0; j < 50; j++) tagErr = Math.max(tagErr, Math.abs(tg[p * 50 + j] - ref.tags[p][j]));
        }
        expect(embErr).toBeLessThan(1e-4);
        expect(tagErr).toBeLessThan(1e-4);
        const meanTags = tags.map((t, j) => {
          let sum = 0;
          for (let p = 0; p < 10; p++) sum += tg[p * 50 + j];
          return { t, s: sum / 10 };
        });
        const top = meanTags
          .sort((a, b) => b.s - a.s)
          .slice(0, 3)
          .map((x) => x.t);
        summary.push(
          `${clip}: emb ${embErr.toExponential(2)} tags ${tagErr.toExponential(2)} ${msPerPatch.toFixed(0)} ms/patch top ${top.join('/')}`,
        );
        if (model === 'msd' && clip === 'farewell') expect(top).toContain('metal');
        if (model === 'msd' && clip === 'desert') expect(top).toContain('electronic');
      }
      console.log(`${model}: converted in ${convertMs.toFixed(0)} ms\n  ${summary.join('\n  ')}`);
    } finally {
      await session.release();
    }
  });
});

describe('converter input checks', () => {
  it('rejects a file that is not HDF5', () => {
    expect(() => convertMusicnnH5(new TextEncoder().encode('not an hdf5 file at all'))).toThrow();
  });

  it('rejects a Keras model whose wiring is not MusiCNN', () => {
    // model_config is one contiguous JSON attribute; its first ConcatV2 is the front-end
    // concatenation. Renaming that op (same length) leaves a readable H5 with other wiring.
    const h5 = new Uint8Array(readFileSync(join(musicnnDir, 'MSD_musicnn.h5')));
    const at = Buffer.from(h5).indexOf('"op": "ConcatV2"');
    expect(at).toBeGreaterThan(0);
    const broken = h5.slice();
    broken.set(new TextEncoder().encode('"op": "ConcatV3"'), at);
    expect(() => convertMusicnnH5(broken)).toThrow(ModelConversionError);
    expect(() => convertMusicnnH5(broken)).toThrow(/front-end concatenation/);
  });
});
