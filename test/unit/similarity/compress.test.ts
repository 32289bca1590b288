import { describe, expect, it } from 'vitest';
import { compressionScale, compressRows } from '../../../src/main/similarity/compress';
import { Vectors, defaultEngineSettings, type SimilarityInput } from '../../../src/main/similarity/corpus';
import { SimilarityEngine } from '../../../src/main/similarity/engine';
import { embeddingTransformOf } from '../../../src/main/analysis/models/model-specs';
import { makeScalars, makeTrack } from '../../helpers/synthetic';
import { rng } from '../../../src/main/similarity/vectors';

describe('embedding compression', () => {
  it('the scale is the median of the positive values', () => {
    const data = Float32Array.from([-1, 0, 3, 1, -0.5, 2, 5, 0, 4]);
    // Positives 3, 1, 2, 5, 4: the median is 3.
    expect(compressionScale(data, 3, 3)).toBe(3);
    expect(compressionScale(new Float32Array(6).fill(-1), 2, 3)).toBe(1);
  });

  it('samples at most 1,024 rows, spread over the library, and ignores non-finite values', () => {
    const n = 5000;
    const data = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      data[2 * i] = i + 1;
      data[2 * i + 1] = i % 7 === 0 ? Number.NaN : -1;
    }
    const scale = compressionScale(data, n, 2);
    // Rows 0, 4.88, 9.77 … 4995: their first values' median is close to the middle of 1 … 5000.
    expect(scale).toBeGreaterThan(2400);
    expect(scale).toBeLessThan(2600);
  });

  it('is log(1 + max(0, x) / scale), keeping non-finite values for the statistics to skip', () => {
    const src = Float32Array.from([-0.3, 0, 0.5, 2, Number.NaN, 1]);
    const out = new Float32Array(6);
    compressRows(src, 0, 2, 3, 0.5, out);
    expect(out[0]).toBe(0);
    expect(out[1]).toBe(0);
    expect(out[2]).toBeCloseTo(Math.log(2), 6);
    expect(out[3]).toBeCloseTo(Math.log(5), 6);
    expect(out[4]).toBeNaN();
    expect(out[5]).toBeCloseTo(Math.log(3), 6);
  });

  it('the built-in models opt in; a model not built in is used as it is', () => {
    expect(embeddingTransformOf('mn04')).toBe('log1p');
    expect(embeddingTransformOf('msd')).toBe('log1p');
    expect(embeddingTransformOf('my-mert')).toBe('none');
  });

  const input = (transform: 'log1p' | 'none' | undefined, rows: number[][]): SimilarityInput => ({
    tracks: rows.map((_, i) => makeTrack(`t${i}`)),
    features: new Float32Array(rows.length * 2).map((_, i) => i % 5),
    featureNames: ['a', 'b'],
    scalars: rows.map(() => makeScalars()),
    embedding: { model: 'm', dim: rows[0].length, data: Float32Array.from(rows.flat()), transform },
    tags: null,
  });

  it('one burst channel no longer decides the cosine', () => {
    // Tracks 0 and 1 share one very loud channel and nothing else; tracks 0 and 2 share 24
    // moderate channels. Uncentred, so that only the compression is measured.
    const moderate = (on: boolean): number[] => Array.from({ length: 24 }, () => (on ? 1 : 0));
    const rows = [
      [30, ...moderate(true), ...moderate(false)],
      [30, ...moderate(false), ...moderate(true)],
      [0, ...moderate(true), ...moderate(false)],
    ];
    const dim = rows[0].length;
    const cos = (v: Vectors, a: number, b: number): number => {
      const e = v.emb as Float32Array;
      let s = 0;
      for (let d = 0; d < dim; d++) s += e[a * dim + d] * e[b * dim + d];
      return s;
    };
    const settings = { ...defaultEngineSettings, centerEmbedding: false };
    const raw = new Vectors(input('none', rows), settings);
    const compressed = new Vectors(input('log1p', rows), settings);
    expect(cos(raw, 0, 1)).toBeGreaterThan(cos(raw, 0, 2));
    expect(cos(compressed, 0, 2)).toBeGreaterThan(cos(compressed, 0, 1));
    expect(compressed.embScale).toBe(1);
    expect(raw.embScale).toBeNull();
    // The setting turns it off whatever the model asks for.
    const off = new Vectors(input('log1p', rows), { ...settings, compressEmbedding: false });
    expect(off.embScale).toBeNull();
  });

  it('a row that is all "off" is still a track with an embedding; an all-zero row is not', () => {
    const rows = [
      [1, 2, 0.5],
      [-0.2, -0.1, -0.3],
      [0, 0, 0],
      [2, 0.1, 1],
    ];
    const v = new Vectors(input('log1p', rows), defaultEngineSettings);
    expect([0, 1, 2, 3].map((i) => v.hasEmbedding(i))).toEqual([true, true, false, true]);
    const e = v.emb as Float32Array;
    expect(Math.hypot(e[3], e[4], e[5])).toBeCloseTo(1, 5);
    expect([e[6], e[7], e[8]]).toEqual([0, 0, 0]);
  });

  it('tracks added later are compressed with the scale of the build', () => {
    const random = rng(5);
    const rows = Array.from({ length: 40 }, () => Array.from({ length: 8 }, () => random() * 2 - 0.5));
    const all = SimilarityEngine.build(input('log1p', rows));
    const first = SimilarityEngine.build(input('log1p', rows.slice(0, 30)));
    const rest = input('log1p', rows.slice(30));
    rest.tracks = rest.tracks.map((t, i) => ({ ...t, id: `t${30 + i}` }));
    first.add(rest);
    // Same scale (the median barely moves with 10 more rows), so nearly the same neighbours.
    const ids = (e: SimilarityEngine) =>
      e.similar({ seed: { kind: 'track', id: 't35' }, k: 5 }).results.map((r) => r.track.id);
    expect(ids(first).filter((id) => ids(all).includes(id)).length).toBeGreaterThanOrEqual(3);
  });
});
