import { describe, expect, it } from 'vitest';
import { IvfIndex, exactSearch } from '../../../src/main/similarity/ann';
import { Space, Vectors, defaultEngineSettings, ivfOptions } from '../../../src/main/similarity/corpus';
import { SimilarityEngine } from '../../../src/main/similarity/engine';
import {
  hubStats,
  hubnessSkewness,
  logNormalTail,
  logOneMinusMp,
} from '../../../src/main/similarity/hubness';
import { syntheticCatalog } from '../../helpers/synthetic';
import { TopK } from '../../../src/main/similarity/heap';
import { normalize, rng } from '../../../src/main/similarity/vectors';

function randomUnit(n: number, dim: number, seed: number): Float32Array {
  const r = rng(seed);
  const data = new Float32Array(n * dim);
  for (let i = 0; i < n * dim; i++) data[i] = r() * 2 - 1;
  for (let i = 0; i < n; i++) normalize(data.subarray(i * dim, (i + 1) * dim));
  return data;
}

function brute(data: Float32Array, dim: number, q: Float32Array, k: number, accept?: (i: number) => boolean) {
  const n = data.length / dim;
  const all: { id: number; score: number }[] = [];
  for (let i = 0; i < n; i++) {
    if (accept && !accept(i)) continue;
    let s = 0;
    for (let d = 0; d < dim; d++) s += data[i * dim + d] * q[d];
    all.push({ id: i, score: s });
  }
  all.sort((a, b) => b.score - a.score || a.id - b.id);
  return all.slice(0, k);
}

describe('exact k-NN', () => {
  it('TopK keeps the k best', () => {
    const r = rng(3);
    const values = Array.from({ length: 500 }, () => r());
    const top = new TopK(7);
    values.forEach((v, i) => top.push(i, v));
    const expected = values
      .map((v, i) => ({ id: i, score: v }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 7);
    expect(top.sorted()).toEqual(expected);
  });

  it('matches brute force, with and without a filter', () => {
    const dim = 37;
    const data = randomUnit(3000, dim, 1);
    const src = { data, dim, count: 3000 };
    for (let qi = 0; qi < 20; qi++) {
      const q = data.subarray(qi * 97 * dim, (qi * 97 + 1) * dim);
      const got = exactSearch(src, q, 15);
      const want = brute(data, dim, q, 15);
      expect(got.map((h) => h.id)).toEqual(want.map((h) => h.id));
      expect(got[3].score).toBeCloseTo(want[3].score, 5);
      const odd = (i: number) => i % 3 === 1;
      expect(exactSearch(src, q, 15, odd).map((h) => h.id)).toEqual(
        brute(data, dim, q, 15, odd).map((h) => h.id),
      );
    }
  });

  it('engine neighbours equal brute force in every space (hubness off)', () => {
    const { input } = syntheticCatalog({ tracks: 1500, embeddingDim: 48, featureDim: 20, seed: 5 });
    const engine = SimilarityEngine.build(input, { similarity: { hubnessReduction: false } });
    const vectors = new Vectors(input, { ...defaultEngineSettings, hubnessReduction: false });
    for (const source of ['embedding', 'features', 'blend'] as const) {
      const sp: Space = vectors.space(source);
      for (const seed of [0, 17, 999]) {
        const res = engine.similar({ seed: { kind: 'track', id: `t${seed}` }, k: 10, source });
        expect(res.source).toBe(source);
        const want = brute(sp.data, sp.dim, sp.row(seed), 10, (i) => i !== seed);
        expect(res.results.map((r) => r.track.id)).toEqual(want.map((w) => `t${w.id}`));
        expect(res.results[0].score).toBeCloseTo(want[0].score, 5);
      }
    }
    // The blend is the weighted sum of the two cosines when both blocks are present.
    const e = vectors.space('embedding');
    const f = vectors.space('features');
    const b = vectors.space('blend');
    const dot = (sp: Space, i: number, j: number) => sp.row(i).reduce((s, v, d) => s + v * sp.row(j)[d], 0);
    const { embeddingWeight: we, featureWeight: wf } = defaultEngineSettings;
    expect(dot(b, 3, 8)).toBeCloseTo((we * dot(e, 3, 8) + wf * dot(f, 3, 8)) / (we + wf), 5);
  });
});

describe('IVF index', () => {
  it('reaches recall@10 ≥ 0.95 on a mid-size clustered set and never returns short with a filter', () => {
    const { input } = syntheticCatalog({
      tracks: 12000,
      embeddingDim: 96,
      featureDim: 24,
      seed: 11,
      spread: [1, 0.5, 0.4, 0.9],
    });
    const vectors = new Vectors(input, {
      ...defaultEngineSettings,
      hubnessReduction: false,
      annThreshold: 1e9,
    });
    const sp = vectors.space('blend');
    const ivf = IvfIndex.build(sp, ivfOptions(defaultEngineSettings, 12000));
    expect(ivf.size).toBe(12000);
    let recall = 0;
    const queries = 100;
    for (let qi = 0; qi < queries; qi++) {
      const i = (qi * 113) % 12000;
      const ex = new Set(exactSearch(sp, sp.row(i), 11).map((h) => h.id));
      recall += ivf.search(sp, sp.row(i), 11).filter((h) => ex.has(h.id)).length / 11;
    }
    expect(recall / queries).toBeGreaterThanOrEqual(0.95);
    // A filter that only 30 rows pass: all 30 come back although they sit in far lists.
    const rare = (i: number) => i % 400 === 7;
    const got = ivf.search(sp, sp.row(0), 50, rare);
    expect(got.length).toBe(30);
    expect(got.every((h) => rare(h.id))).toBe(true);
  });

  it('a principal-component first stage keeps recall on low-rank data', () => {
    // 2000 points in a 12-dimensional subspace of R^80: 16 components hold everything.
    const n = 2000;
    const dim = 80;
    const r = rng(8);
    const basis = randomUnit(12, dim, 9);
    const data = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) {
      for (let b = 0; b < 12; b++) {
        const c = r() * 2 - 1;
        for (let d = 0; d < dim; d++) data[i * dim + d] += c * basis[b * dim + d];
      }
      normalize(data.subarray(i * dim, (i + 1) * dim));
    }
    const src = { data, dim, count: n };
    // Every list probed: this checks the projection and the exact re-ranking, not the probing.
    const ivf = IvfIndex.build(src, { lists: 40, nprobe: 40, reducedDim: 16 });
    let recall = 0;
    for (let q = 0; q < 50; q++) {
      const qv = data.subarray(q * 31 * dim, (q * 31 + 1) * dim);
      const want = new Set(exactSearch(src, qv, 10).map((h) => h.id));
      const got = ivf.search(src, qv, 10);
      recall += got.filter((h) => want.has(h.id)).length / 10;
      // Scores are exact cosines after re-ranking.
      expect(got[0].score).toBeCloseTo(brute(data, dim, qv, 1)[0].score, 5);
    }
    expect(recall / 50).toBeGreaterThanOrEqual(0.95);
  });
});

describe('hubness', () => {
  it('normal tail is accurate in both directions', () => {
    expect(Math.exp(logNormalTail(0))).toBeCloseTo(0.5, 6);
    expect(Math.exp(logNormalTail(1.959964))).toBeCloseTo(0.025, 5);
    expect(Math.exp(logNormalTail(-1.959964))).toBeCloseTo(0.975, 5);
    // Far tail: log Q(10) = −53.23
    expect(logNormalTail(10)).toBeCloseTo(-53.231, 2);
    // Closer pairs get a lower log(1 − MP).
    expect(logOneMinusMp(0.9, 0.1, 0.1, 0.1, 0.1)).toBeLessThan(logOneMinusMp(0.5, 0.1, 0.1, 0.1, 0.1));
  });

  it('mutual proximity lowers k-occurrence skewness on a hubby dataset', () => {
    // i.i.d. Gaussian data in high dimension is the textbook hubby case; uneven norms make it worse.
    const n = 1200;
    const dim = 60;
    const r = rng(21);
    const data = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) {
      const scale = 0.5 + r();
      for (let d = 0; d < dim; d++) {
        let u = 0;
        while (u === 0) u = r();
        data[i * dim + d] = scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r()) + 0.3;
      }
      normalize(data.subarray(i * dim, (i + 1) * dim));
    }
    const src = { data, dim, count: n };
    const before = hubnessSkewness(src, 10);
    const after = hubnessSkewness(src, 10, hubStats(src, 128));
    expect(before).toBeGreaterThan(1);
    expect(after).toBeLessThan(before * 0.7);
  });
});
