import { describe, expect, it } from 'vitest';
import { autoencoder, trainAutoencoder } from '../../../src/main/clusters/autoencoder';
import { kmeans } from '../../../src/main/clusters/kmeans';
import { adjustedRandIndex } from '../../../src/main/clusters/metrics';
import { blobs } from '../../../src/main/clusters/synthetic';

describe('autoencoder reduction', () => {
  const { matrix, labels } = blobs({ n: 300, dim: 40, clusters: 4, seed: 7, spread: 2 });

  it('lowers the reconstruction error as it trains', () => {
    const { losses, codes } = trainAutoencoder(matrix, { components: 5, hidden: 32, epochs: 60, seed: 2 });
    expect(codes.n).toBe(300);
    expect(codes.dim).toBe(5);
    expect(losses.length).toBeGreaterThan(5);
    // Standardised input: a code that learnt nothing reconstructs at ≈ 1.
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] * 0.6);
    expect(losses[losses.length - 1]).toBeLessThan(0.5);
  });

  it('gives the same codes for the same seed and others for another', () => {
    const a = autoencoder(matrix, { components: 4, hidden: 16, epochs: 10, seed: 3 });
    const b = autoencoder(matrix, { components: 4, hidden: 16, epochs: 10, seed: 3 });
    const c = autoencoder(matrix, { components: 4, hidden: 16, epochs: 10, seed: 4 });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).not.toEqual(Array.from(c.data));
  });

  it('keeps the blobs apart: k-means on the codes recovers them', () => {
    const codes = autoencoder(matrix, { components: 3, hidden: 32, epochs: 80, seed: 1 });
    expect(adjustedRandIndex(kmeans(codes, { k: 4, seed: 1 }).labels, labels)).toBeGreaterThan(0.95);
  });

  it('stops when cancelled', () => {
    const controller = new AbortController();
    controller.abort();
    expect(() => autoencoder(matrix, { components: 3, signal: controller.signal })).toThrow();
  });
});
