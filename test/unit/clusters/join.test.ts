import { describe, expect, it } from 'vitest';
import { blobs } from '../../../src/main/clusters/synthetic';
import { Joiner, type RunModel } from '../../../src/main/clusters/join';
import { runAlgorithm, type Algorithm, type ClusterParams } from '../../../src/main/clusters/tune';
import { takeRows, type Matrix } from '../../../src/main/clusters/matrix';
import { pca } from '../../../src/main/clusters/reduce';

/** Clusters the first rows, joins the rest: a joined row should land in its blob's cluster. */
function joinCase(algorithm: Algorithm, params: ClusterParams) {
  const { matrix, labels } = blobs({ n: 900, dim: 6, clusters: 4, seed: 11, spread: 0.35 });
  const head = takeRows(
    matrix,
    Int32Array.from({ length: 750 }, (_, i) => i),
  );
  const tail = takeRows(
    matrix,
    Int32Array.from({ length: 150 }, (_, i) => 750 + i),
  );
  const run = runAlgorithm(head, algorithm, { seed: 1, ...params });
  const map = pca(head, { components: 2 }).data;
  const model: RunModel = {
    algorithm,
    params: { ...run.params },
    members: head,
    labels: run.labels,
    strengths: run.strengths,
    umap: map,
    pca: map,
  };
  // Which run cluster each blob became (majority of the blob's members).
  const votes = new Map<number, Map<number, number>>();
  for (let i = 0; i < 750; i++) {
    const v = votes.get(labels[i]) ?? new Map<number, number>();
    v.set(run.labels[i], (v.get(run.labels[i]) ?? 0) + 1);
    votes.set(labels[i], v);
  }
  const clusterOfBlob = new Map(
    [...votes].map(([blob, v]) => [blob, [...v].sort((a, b) => b[1] - a[1])[0][0]]),
  );
  const joined = new Joiner(model).join(tail);
  const agree = joined.filter((j, q) => j.label === clusterOfBlob.get(labels[750 + q])).length / 150;
  return { joined, agree, model, tail };
}

describe('joining new tracks to a run', () => {
  for (const [algorithm, params] of [
    ['kmeans', { k: 4 }],
    ['gmm', { k: 4 }],
    ['agglomerative', { k: 4 }],
    ['hdbscan', { minClusterSize: 20, minSamples: 5 }],
    ['dbscan', { minPoints: 8 }],
  ] as [Algorithm, ClusterParams][]) {
    it(`${algorithm}: new rows land in their blob's cluster, with strengths and map places`, () => {
      const { joined, agree } = joinCase(algorithm, params);
      expect(agree).toBeGreaterThan(0.9);
      for (const j of joined) {
        expect(j.strength).toBeGreaterThanOrEqual(0);
        expect(j.strength).toBeLessThanOrEqual(1);
        expect(Number.isFinite(j.x) && Number.isFinite(j.px)).toBe(true);
      }
      if (algorithm === 'gmm') expect(joined.every((j) => j.strength > 0.5)).toBe(true);
    });
  }

  it('leaves a far outlier as noise for density runs and assigns it for centroid runs', () => {
    const far = (m: Matrix): Matrix => ({ data: new Float32Array(m.dim).fill(50), n: 1, dim: m.dim });
    for (const a of ['hdbscan', 'dbscan'] as const) {
      const { model } = joinCase(
        a,
        a === 'hdbscan' ? { minClusterSize: 20, minSamples: 5 } : { minPoints: 8 },
      );
      expect(new Joiner(model).join(far(model.members))[0].label).toBe(-1);
    }
    const { model } = joinCase('kmeans', { k: 4 });
    expect(new Joiner(model).join(far(model.members))[0].label).toBeGreaterThanOrEqual(0);
  });

  it('places a joined row among its nearest members on the map', () => {
    const { joined, model, tail } = joinCase('kmeans', { k: 4 });
    // A copy of a member lands exactly on that member.
    const copy: Matrix = {
      data: model.members.data.slice(0, model.members.dim),
      n: 1,
      dim: model.members.dim,
    };
    const [j] = new Joiner(model).join(copy);
    expect(j.x).toBeCloseTo(model.umap[0], 5);
    expect(j.y).toBeCloseTo(model.umap[1], 5);
    expect(joined).toHaveLength(tail.n);
  });
});
