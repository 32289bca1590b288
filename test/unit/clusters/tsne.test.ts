import { describe, expect, it } from 'vitest';
import { blobs } from '../../../src/main/clusters/synthetic';
import { kmeans } from '../../../src/main/clusters/kmeans';
import { adjustedRandIndex } from '../../../src/main/clusters/metrics';
import { pca } from '../../../src/main/clusters/reduce';
import {
  EXACT_LIMIT,
  TSNE_LIMIT,
  TsneTooLargeError,
  affinities,
  trustworthiness,
  tsne,
} from '../../../src/main/clusters/tsne';
import { fromRows } from '../../../src/main/clusters/matrix';

describe('t-SNE', () => {
  it('affinities: each row spreads to its perplexity, P is symmetric and sums to 1', () => {
    const { matrix } = blobs({ n: 200, dim: 5, clusters: 4, seed: 3 });
    const P = affinities(matrix, 10);
    let total = 0;
    const at = new Map<string, number>();
    for (let i = 0; i < 200; i++)
      for (let e = P.rowStart[i]; e < P.rowStart[i + 1]; e++) {
        total += P.values[e];
        at.set(`${i},${P.cols[e]}`, P.values[e]);
      }
    expect(total).toBeCloseTo(1, 6);
    for (const [key, v] of at) {
      const [i, j] = key.split(',');
      expect(at.get(`${j},${i}`)).toBeCloseTo(v, 12);
    }
  });

  it('keeps labelled blobs apart and neighbours near (exact repulsion)', () => {
    const { matrix, labels } = blobs({ n: 400, dim: 20, clusters: 5, seed: 7, spread: 0.6 });
    const map = tsne(matrix, { seed: 1 });
    expect(map.n).toBe(400);
    expect(adjustedRandIndex(kmeans(map, { k: 5 }).labels, labels)).toBeGreaterThan(0.95);
    const t = trustworthiness(matrix, map, 10);
    // PCA to 2-D of the same data as the yardstick: t-SNE must keep neighbours at least as well.
    const linear = trustworthiness(matrix, pca(matrix, { components: 2 }), 10);
    expect(t).toBeGreaterThan(0.9);
    expect(t).toBeGreaterThan(linear);
  });

  it('keeps labelled blobs apart with Barnes–Hut above the exact limit', () => {
    const n = EXACT_LIMIT + 500;
    const { matrix, labels } = blobs({ n, dim: 16, clusters: 8, seed: 9, spread: 0.6 });
    const progress: number[] = [];
    const map = tsne(matrix, { seed: 2, onProgress: (p) => progress.push(p.done) });
    expect(adjustedRandIndex(kmeans(map, { k: 8 }).labels, labels)).toBeGreaterThan(0.95);
    expect(trustworthiness(matrix, map, 10)).toBeGreaterThan(0.9);
    expect(progress.length).toBeGreaterThan(50);
    for (const v of map.data) expect(Number.isFinite(v)).toBe(true);
  }, 60_000);

  it('is deterministic for a seed and refuses sizes above its limit in words', () => {
    const { matrix } = blobs({ n: 120, dim: 4, clusters: 3, seed: 1 });
    expect(Array.from(tsne(matrix, { iterations: 300 }).data)).toEqual(
      Array.from(tsne(matrix, { iterations: 300 }).data),
    );
    const big = { data: new Float32Array((TSNE_LIMIT + 1) * 1), n: TSNE_LIMIT + 1, dim: 1 };
    expect(() => tsne(big)).toThrow(TsneTooLargeError);
    expect(() => tsne(big)).toThrow(/limited to 20,000 tracks .* use the UMAP map/);
    expect(tsne(fromRows([[0], [1]])).n).toBe(2);
  });
});
