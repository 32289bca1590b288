import { describe, expect, it } from 'vitest';
import { fromRows } from '../../../src/main/clusters/matrix';
import {
  adjustedRandIndex,
  calinskiHarabasz,
  daviesBouldin,
  internalScores,
  normalisedMutualInformation,
  silhouette,
} from '../../../src/main/clusters/metrics';
import { blobs } from '../../../src/main/clusters/synthetic';
import { fitPca, pca } from '../../../src/main/clusters/reduce';

const line = (xs: number[]) => fromRows(xs.map((x) => [x]));

describe('internal scores worked by hand', () => {
  // 0, 1 | 10, 11
  const m = line([0, 1, 10, 11]);
  const labels = [0, 0, 1, 1];

  it('silhouette: a = 1; b = 10.5 or 9.5', () => {
    const expected = (2 * (9.5 / 10.5) + 2 * (8.5 / 9.5)) / 4;
    expect(silhouette(m, labels).value).toBeCloseTo(expected, 12);
  });

  it('Davies–Bouldin: scatters 0.5, centroids 10 apart', () => {
    expect(daviesBouldin(m, labels)).toBeCloseTo(0.1, 12);
  });

  it('Calinski–Harabasz: between 100, within 1, (100 / 1) / (1 / 2)', () => {
    expect(calinskiHarabasz(m, labels)).toBeCloseTo(200, 9);
  });

  it('leaves noise out and reports its share', () => {
    const s = internalScores(line([0, 1, 10, 11, 50]), [0, 0, 1, 1, -1]);
    expect(s.daviesBouldin).toBeCloseTo(0.1, 12);
    expect(s.noiseShare).toBeCloseTo(0.2, 12);
    expect(s.clusters).toBe(2);
  });

  it('a singleton cluster scores 0 in the silhouette', () => {
    // 0, 1 | 10: point 10 is alone (0); points 0, 1 as above against {10}.
    const expected = (9 / 10 + 8 / 9) / 3;
    expect(silhouette(line([0, 1, 10]), [0, 0, 1]).value).toBeCloseTo(expected, 12);
  });
});

describe('silhouette on a sample', () => {
  it('is deterministic and close to the exact value', () => {
    const { matrix, labels } = blobs({ n: 3000, dim: 8, clusters: 4, seed: 2, spread: 3 });
    const exact = silhouette(matrix, labels, { sampleSize: 3000 });
    const a = silhouette(matrix, labels, { sampleSize: 800 });
    const b = silhouette(matrix, labels, { sampleSize: 800 });
    expect(a.rows).toBe(800);
    expect(a.value).toBe(b.value);
    expect(Math.abs(a.value - exact.value)).toBeLessThan(0.03);
  });
});

describe('agreement with labels worked by hand', () => {
  const a = [0, 0, 1, 1];
  const b = [0, 0, 1, 2];
  it('ARI: index 1, expected 1/3, max 3/2 → 4/7', () => {
    expect(adjustedRandIndex(a, b)).toBeCloseTo(4 / 7, 12);
  });
  it('NMI: MI = ln 2, H = ln 2 and 1.5 ln 2 → 0.8', () => {
    expect(normalisedMutualInformation(a, b)).toBeCloseTo(0.8, 12);
  });
  it('is 1 for the same partition under other names', () => {
    expect(adjustedRandIndex([0, 0, 1, 2], [5, 5, 3, 9])).toBe(1);
    expect(normalisedMutualInformation([0, 0, 1, 2], [5, 5, 3, 9])).toBeCloseTo(1, 12);
  });
});

describe('PCA', () => {
  it('finds the direction of a line and projects onto it', () => {
    const ts = [-2, -1, 0, 1, 2];
    const m = fromRows(ts.map((t) => [t + 3, t + 3]));
    const model = fitPca(m, { components: 1 });
    expect(Math.abs(model.components[0])).toBeCloseTo(Math.SQRT1_2, 6);
    expect(model.components[0] * model.components[1]).toBeGreaterThan(0);
    expect(model.explained[0]).toBeCloseTo(1, 6);
    const p = pca(m, { components: 1 });
    const sign = Math.sign(p.data[4]);
    ts.forEach((t, i) => expect(p.data[i] * sign).toBeCloseTo(t * Math.SQRT2, 5));
  });
});
