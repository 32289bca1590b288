/**
 * The Electron build (`npx electron-vite build`, run before the e2e suite) emits every helper
 * process the main bundle forks, beside the chunk that looks for it: the analysis worker, the tag
 * reader and the clustering worker. The clustering worker is then started from the built file
 * (plain Node, no tsx) and must answer a run: a missing or broken entry would only show in the app
 * as "clustering worker exited" for libraries above the in-process threshold.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/main/project-root';
import { resolveClusterWorker, runClusteringInWorker } from '../../src/main/clusters/runner';
import { blobs } from '../../src/main/clusters/synthetic';
import { adjustedRandIndex } from '../../src/main/clusters/metrics';

const outMain = join(projectRoot(), 'out', 'main');

describe('built main bundle', () => {
  beforeAll(() => {
    if (!existsSync(join(outMain, 'index.js'))) {
      throw new Error(`${outMain}/index.js is missing: run \`npx electron-vite build\` first`);
    }
  });
  afterEach(() => {
    delete process.env.TIMBRE_CLUSTERS_WORKER_ENTRY;
  });

  it('holds the helper entries beside the main chunks', () => {
    for (const entry of ['worker.js', 'read-worker.js', 'clusters-worker.js']) {
      expect(existsSync(join(outMain, entry)), entry).toBe(true);
    }
  });

  it('resolves the built clustering worker from a bundled module, without tsx', () => {
    const entry = resolveClusterWorker(pathToFileURL(join(outMain, 'index.js')).href);
    expect(entry.path).toBe(join(outMain, 'clusters-worker.js'));
    expect(entry.execArgv).toEqual([]);
  });

  it('runs a clustering in the built worker', async () => {
    process.env.TIMBRE_CLUSTERS_WORKER_ENTRY = join(outMain, 'clusters-worker.js');
    const { matrix, labels } = blobs({ n: 300, dim: 6, clusters: 3, seed: 5, spread: 0.4 });
    const outcome = await runClusteringInWorker(matrix, {
      algorithm: 'kmeans',
      params: { k: 3 },
      map: 'pca',
    });
    expect(adjustedRandIndex(outcome.clustering.labels, labels)).toBe(1);
    expect(outcome.coordinates).toHaveLength(600);
  });
});
