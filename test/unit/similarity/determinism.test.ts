/**
 * The same library gives the same answers whatever its track ids and the order its tracks were
 * added in (two data folders built from one music folder), and the scores shown are percentiles
 * a listener can read.
 */
import { describe, expect, it } from 'vitest';
import { SimilarityEngine, type SimilarityInput } from '../../../src/main/similarity/engine';
import { ScoreCalibration } from '../../../src/main/similarity/calibration';
import { hubSample, hubStats, HUB_EXACT_LIMIT } from '../../../src/main/similarity/hubness';
import { rng } from '../../../src/main/similarity/vectors';
import { syntheticCatalog } from '../../helpers/synthetic';

/** The same rows in another order, under new ids (paths, tags and vectors unchanged). */
function reordered(input: SimilarityInput, seed: number): SimilarityInput {
  const n = input.tracks.length;
  const r = rng(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const rows = (src: Float32Array, dim: number) => {
    const out = new Float32Array(n * dim);
    order.forEach((o, k) => out.set(src.subarray(o * dim, (o + 1) * dim), k * dim));
    return out;
  };
  const dF = input.featureNames.length;
  const e = input.embedding!;
  const g = input.tags!;
  return {
    ...input,
    tracks: order.map((o, k) => ({ ...input.tracks[o], id: `other-${k}-${seed}` })),
    features: rows(input.features, dF),
    scalars: order.map((o) => input.scalars[o]),
    embedding: { ...e, data: rows(e.data, e.dim) },
    tags: { ...g, data: rows(g.data, g.names.length) },
  };
}

/** Every track's answers, by path, with their scores. */
function answers(engine: SimilarityEngine, input: SimilarityInput) {
  const out = new Map<string, string[]>();
  for (const t of input.tracks) {
    const r = engine.similar({ seed: { kind: 'track', id: t.id }, k: 10 });
    out.set(
      t.path,
      r.results.map((s) => `${s.track.path} ${s.score.toFixed(6)} ${s.percentile?.toFixed(3)}`),
    );
  }
  return out;
}

describe('deterministic answers', () => {
  for (const n of [150, HUB_EXACT_LIMIT + 150]) {
    it(`the same vectors under other ids, added in another order, rank the same (${n} tracks)`, () => {
      const { input } = syntheticCatalog({
        tracks: n,
        embeddingDim: 24,
        featureDim: 8,
        tagCount: 6,
        seed: 5,
      });
      const other = reordered(input, 99);
      const a = SimilarityEngine.build(input);
      const b = SimilarityEngine.build(other);
      expect(a.settings.hubnessReduction).toBe(true);
      expect(answers(b, other)).toEqual(answers(a, input));
      const queue = (e: SimilarityEngine, inp: SimilarityInput) =>
        e
          .queue({ seed: { kind: 'track', id: inp.tracks[0].id }, length: 15 })
          .tracks.map((t) => t.track.path);
      // Same seed track (by path) in both.
      const seedPath = input.tracks[0].path;
      const otherSeed = other.tracks.find((t) => t.path === seedPath)!;
      expect(queue(b, { ...other, tracks: [otherSeed] })).toEqual(queue(a, input));
    }, 60_000);
  }

  it('mutual-proximity statistics are exact up to the limit and an order-free sample above it', () => {
    const { input } = syntheticCatalog({
      tracks: HUB_EXACT_LIMIT + 50,
      embeddingDim: 16,
      featureDim: 4,
      seed: 3,
    });
    const dim = input.embedding!.dim;
    const src = (data: Float32Array, count: number) => ({ data, dim, count });
    const small = src(input.embedding!.data.subarray(0, 100 * dim), 100);
    expect(hubSample(small).length).toBe(100);
    // Exact statistics equal the plain definition (mean and sample std over every other row).
    const stats = hubStats(small);
    let sum = 0;
    let sq = 0;
    for (let j = 1; j < 100; j++) {
      let v = 0;
      for (let d = 0; d < dim; d++) v += small.data[d] * small.data[j * dim + d];
      sum += v;
      sq += v * v;
    }
    const mean = sum / 99;
    expect(stats.mu[0]).toBeCloseTo(mean, 5);
    expect(stats.sigma[0]).toBeCloseTo(Math.sqrt((sq - 99 * mean * mean) / 98), 5);
    // Above the limit: the sample is the same rows (by content) whatever the order.
    const big = src(input.embedding!.data, input.tracks.length);
    const shuffled = reordered(input, 7);
    const big2 = src(shuffled.embedding!.data, input.tracks.length);
    const rowsOf = (s: typeof big, sample: Int32Array) =>
      Array.from(sample, (i) => Array.from(s.data.subarray(i * dim, i * dim + 3)).join(',')).sort();
    expect(hubSample(big).length).toBe(128);
    expect(rowsOf(big2, hubSample(big2))).toEqual(rowsOf(big, hubSample(big)));
  });
});

describe('calibrated scores', () => {
  it('a percentile of the library pair distribution: any pair reads low to high, neighbours high', () => {
    const { input } = syntheticCatalog({ tracks: 300, embeddingDim: 24, featureDim: 8, seed: 11 });
    const engine = SimilarityEngine.build(input);
    const r = rng(4);
    const pct: number[] = [];
    for (let k = 0; k < 400; k++) {
      const a = Math.floor(r() * 300);
      const b = (a + 1 + Math.floor(r() * 299)) % 300;
      pct.push(engine.explain(input.tracks[a].id, input.tracks[b].id).percentile);
    }
    pct.sort((x, y) => x - y);
    // Pairs drawn at random spread over the whole range (uniform by construction, up to sampling).
    const at = (q: number) => pct[Math.floor(pct.length * q)];
    expect(at(0.1)).toBeLessThan(20);
    expect(at(0.5)).toBeGreaterThan(35);
    expect(at(0.5)).toBeLessThan(65);
    expect(at(0.9)).toBeGreaterThan(80);
    expect(pct[0]).toBeGreaterThanOrEqual(0);
    expect(pct[pct.length - 1]).toBeLessThanOrEqual(100);
    // Nearest neighbours sit high in the library's distribution, and order follows the score.
    const top = engine.similar({ seed: { kind: 'track', id: input.tracks[0].id }, k: 20 }).results;
    expect(top[0].percentile!).toBeGreaterThan(95);
    for (let i = 1; i < top.length; i++)
      expect(top[i].percentile!).toBeLessThanOrEqual(top[i - 1].percentile!);
    // The explanation says the same figure.
    const x = engine.explain(input.tracks[0].id, top[0].track.id);
    expect(x.percentile).toBeCloseTo(top[0].percentile!, 6);
    expect(x.summary).toContain(`closer than ${Math.floor(x.percentile)} % of track pairs`);
  });

  it('percentile counts the pairs below, ties half', () => {
    const data = Float32Array.from([1, 0, 0, 1, Math.SQRT1_2, Math.SQRT1_2]);
    // Relevance = the dot product: pairs 0·1 = 0, 0·2 = 0·1·2 = 0.707.
    const c = ScoreCalibration.build(
      { data, dim: 2, count: 3 },
      (a, b) => data[a * 2] * data[b * 2] + data[a * 2 + 1] * data[b * 2 + 1],
    );
    expect(c.pairs).toBe(3);
    expect(c.percentile(-1)).toBe(0);
    expect(c.percentile(2)).toBe(100);
    expect(c.percentile(0)).toBeCloseTo(100 / 6, 6);
    expect(c.percentile(0.5)).toBeCloseTo(100 / 3, 6);
  });
});
