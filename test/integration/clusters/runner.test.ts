import { describe, expect, it } from 'vitest';
import { runClusteringInWorker, runTsneInWorker } from '../../../src/main/clusters/runner';
import { kmeans } from '../../../src/main/clusters/kmeans';
import { blobs } from '../../../src/main/clusters/synthetic';
import { adjustedRandIndex } from '../../../src/main/clusters/metrics';
import type { Progress } from '../../../src/main/clusters/matrix';

describe('clustering in a worker process', () => {
  it('runs the pipeline off the main thread, with progress, and returns labels and a map', async () => {
    const { matrix, labels } = blobs({ n: 600, dim: 8, clusters: 3, seed: 21, spread: 0.5 });
    const progress: Progress[] = [];
    const outcome = await runClusteringInWorker(
      matrix,
      { algorithm: 'kmeans', map: 'pca' },
      { onProgress: (p) => progress.push(p) },
    );
    expect(outcome.clustering.params.k).toBe(3);
    expect(adjustedRandIndex(outcome.clustering.labels, labels)).toBe(1);
    expect(outcome.coordinates).toHaveLength(600 * 2);
    expect(outcome.candidates.length).toBeGreaterThan(5);
    expect(progress.length).toBeGreaterThan(0);
  });

  it('is cancelled by its AbortSignal', async () => {
    const { matrix } = blobs({ n: 4000, dim: 32, clusters: 10, seed: 22 });
    const controller = new AbortController();
    const run = runClusteringInWorker(
      matrix,
      { algorithm: 'auto', map: 'umap' },
      {
        signal: controller.signal,
        onProgress: () => controller.abort(),
      },
    );
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('makes a t-SNE map in the worker, with progress', async () => {
    const { matrix, labels } = blobs({ n: 300, dim: 8, clusters: 3, seed: 23, spread: 0.5 });
    const progress: Progress[] = [];
    const map = await runTsneInWorker(matrix, 1, { onProgress: (p) => progress.push(p) });
    expect(map).toHaveLength(600);
    expect(adjustedRandIndex(kmeans({ data: map, n: 300, dim: 2 }, { k: 3 }).labels, labels)).toBe(1);
    expect(progress.some((p) => p.step === 'tsne')).toBe(true);
  });

  it('rejects a malformed request in the worker', async () => {
    const { matrix } = blobs({ n: 50, dim: 2, clusters: 2 });
    await expect(runClusteringInWorker(matrix, { algorithm: 'kmeans', params: { k: -3 } })).rejects.toThrow(
      /bad request/,
    );
  });
});
