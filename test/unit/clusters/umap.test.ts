import { describe, expect, it } from 'vitest';
import { blobs } from '../../../src/main/clusters/synthetic';
import { kmeans } from '../../../src/main/clusters/kmeans';
import { adjustedRandIndex } from '../../../src/main/clusters/metrics';
import { approximateNeighbours, curveParameters, fuzzyGraph } from '../../../src/main/clusters/umap';
import { umap } from '../../../src/main/clusters/reduce';
import { kNearest } from '../../../src/main/clusters/neighbours';

describe('UMAP', () => {
  it('fits the curve parameters the reference implementation publishes', () => {
    // umap-learn: find_ab_params(1.0, 0.1) ≈ (1.577, 0.895); (1.0, 0.0) ≈ (1.929, 0.792).
    const p = curveParameters(0.1);
    expect(p.a).toBeCloseTo(1.577, 1);
    expect(p.b).toBeCloseTo(0.895, 2);
    const z = curveParameters(0);
    expect(z.a).toBeCloseTo(1.929, 1);
    expect(z.b).toBeCloseTo(0.792, 2);
  });

  it('builds a symmetric fuzzy graph whose nearest edges have weight 1', () => {
    const { matrix } = blobs({ n: 200, dim: 5, clusters: 2, seed: 3 });
    const nn = kNearest(matrix, 10);
    const g = fuzzyGraph(200, 10, nn.indices, nn.sqDistances.map(Math.sqrt));
    const seen = new Set<string>();
    for (let e = 0; e < g.heads.length; e++) {
      const key = [g.heads[e], g.tails[e]].sort((x, y) => x - y).join(' ');
      expect(seen.has(key)).toBe(false);
      seen.add(key);
      expect(g.weights[e]).toBeGreaterThan(0);
      expect(g.weights[e]).toBeLessThanOrEqual(1 + 1e-12);
    }
    const nearestOf0 = nn.indices[0];
    const e0 = Array.from(g.heads).findIndex(
      (h, e) => (h === 0 && g.tails[e] === nearestOf0) || (h === nearestOf0 && g.tails[e] === 0),
    );
    expect(g.weights[e0]).toBeCloseTo(1, 12);
  });

  it('finds nearly all exact neighbours through the inverted lists', () => {
    const { matrix } = blobs({ n: 6000, dim: 10, clusters: 12, seed: 4, spread: 0.5 });
    const approx = approximateNeighbours(matrix, 10, 6, 1);
    const exact = kNearest(matrix, 10);
    let hits = 0;
    for (let i = 0; i < 6000; i++) {
      const truth = new Set(exact.indices.subarray(i * 10, i * 10 + 10));
      for (let t = 0; t < 10; t++) if (truth.has(approx.indices[i * 10 + t])) hits++;
    }
    expect(hits / 60000).toBeGreaterThan(0.97);
  });

  it('maps blobs to separate islands, the same for the same seed', async () => {
    const { matrix, labels } = blobs({ n: 600, dim: 20, clusters: 4, seed: 5, spread: 0.8 });
    const a = await umap(matrix, { components: 2, epochs: 200 });
    const b = await umap(matrix, { components: 2, epochs: 200 });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(adjustedRandIndex(kmeans(a, { k: 4 }).labels, labels)).toBe(1);
  });
});
