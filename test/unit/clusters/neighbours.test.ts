import { describe, expect, it } from 'vitest';
import { blobs } from '../../../src/main/clusters/synthetic';
import { kNearest } from '../../../src/main/clusters/neighbours';
import { sqDist } from '../../../src/main/clusters/matrix';

describe('k nearest neighbours', () => {
  it('the k-d tree (low dimensions) gives the exact k-th distances of a full scan', () => {
    const { matrix } = blobs({ n: 2500, dim: 6, clusters: 5, seed: 13, spread: 2 });
    const k = 7;
    const nn = kNearest(matrix, k);
    for (let i = 0; i < matrix.n; i += 7) {
      const all: number[] = [];
      for (let j = 0; j < matrix.n; j++)
        if (j !== i) all.push(sqDist(matrix.data, i, matrix.data, j, matrix.dim));
      all.sort((a, b) => a - b);
      for (let t = 0; t < k; t++) expect(nn.sqDistances[i * k + t]).toBeCloseTo(all[t], 9);
      expect(Array.from(nn.indices.subarray(i * k, i * k + k))).not.toContain(i);
    }
  });
});
