import { describe, expect, it } from 'vitest';
import { fromRows, NOISE } from '../../../src/main/clusters/matrix';
import { kmeans } from '../../../src/main/clusters/kmeans';
import { gmm } from '../../../src/main/clusters/gmm';
import { assignHdbscan, hdbscan } from '../../../src/main/clusters/hdbscan';
import { dbscan, kneeOf } from '../../../src/main/clusters/dbscan';
import { agglomerative, cutMerges, wardMerges } from '../../../src/main/clusters/agglomerative';
import { adjustedRandIndex } from '../../../src/main/clusters/metrics';
import { blobs } from '../../../src/main/clusters/synthetic';

const line = (xs: number[]) => fromRows(xs.map((x) => [x]));

describe('k-means', () => {
  it('recovers labelled blobs exactly and is deterministic', () => {
    const { matrix, labels } = blobs({ n: 600, dim: 8, clusters: 5, seed: 3 });
    const a = kmeans(matrix, { k: 5, seed: 1 });
    expect(adjustedRandIndex(a.labels, labels)).toBe(1);
    const b = kmeans(matrix, { k: 5, seed: 1 });
    expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
  });

  it('refines on all rows after restarts on a sample', () => {
    const { matrix, labels } = blobs({ n: 3000, dim: 16, clusters: 6, seed: 4 });
    const r = kmeans(matrix, { k: 6, sampleSize: 500 });
    expect(adjustedRandIndex(r.labels, labels)).toBe(1);
  });

  it('finds the centres of a case worked by hand', () => {
    const r = kmeans(line([0, 1, 2, 10, 11, 12]), { k: 2 });
    const centres = Array.from(r.centres).sort((x, y) => x - y);
    expect(centres).toEqual([1, 11]);
    expect(r.inertia).toBeCloseTo(4, 6); // (1 + 0 + 1) twice
  });
});

describe('GMM', () => {
  it('recovers blobs with soft memberships that sum to one', () => {
    const { matrix, labels } = blobs({ n: 500, dim: 4, clusters: 4, seed: 5 });
    const r = gmm(matrix, { k: 4 });
    expect(adjustedRandIndex(r.labels, labels)).toBe(1);
    for (let i = 0; i < 10; i++) {
      let s = 0;
      for (let c = 0; c < 4; c++) s += r.memberships[i * 4 + c];
      expect(s).toBeCloseTo(1, 5);
    }
  });

  it('fits the means and variances of two separated groups', () => {
    const r = gmm(line([0, 2, 0, 2, 100, 104, 100, 104]), { k: 2, regularisation: 0 });
    const order = r.means[0] < r.means[1] ? [0, 1] : [1, 0];
    expect(r.means[order[0]]).toBeCloseTo(1, 6);
    expect(r.means[order[1]]).toBeCloseTo(102, 6);
    expect(r.variances[order[0]]).toBeCloseTo(1, 4); // population variance of {0, 2}
    expect(r.variances[order[1]]).toBeCloseTo(4, 4);
    expect(r.weights[0]).toBeCloseTo(0.5, 6);
    // A point between two points of a group but far from the other is fully claimed.
    expect(r.strengths[0]).toBeGreaterThan(0.999);
  });
});

describe('HDBSCAN', () => {
  // Two trios 1.5 apart (A), a trio far away (B), an outlier far beyond. minSamples = 2 makes
  // every core distance 1 except the outlier's (148). Worked by hand:
  //   root splits at 148: the outlier falls out at λ = 1/148 (noise);
  //   then at 44.5: A (6 points) and B (3) are born at λ = 1/44.5;
  //   A splits at 1.5 into two trios born at λ = 2/3, whose points fall out at λ = 1.
  //   stability(trio) = 3 (1 − 2/3) = 1; stability(A) = 6 (2/3 − 1/44.5); stability(B) = 3 (1 − 1/44.5).
  const xs = [0, 1, 2, 3.5, 4.5, 5.5, 50, 51, 52, 200];

  it('builds the condensed tree and stabilities worked by hand', () => {
    const r = hdbscan(line(xs), { minClusterSize: 2, minSamples: 2 });
    const n = xs.length;
    const clusters = r.condensed.filter((e) => e.child >= n);
    expect(clusters).toHaveLength(4);
    const outlier = r.condensed.find((e) => e.child === 9);
    expect(outlier?.parent).toBe(n);
    expect(outlier?.lambda).toBeCloseTo(1 / 148, 12);
    const bySize = (size: number) => clusters.filter((e) => e.size === size);
    const a = bySize(6)[0];
    const b = bySize(3).find((e) => e.parent === n);
    expect(a.lambda).toBeCloseTo(1 / 44.5, 12);
    expect(r.stability[a.child - n]).toBeCloseTo(6 * (2 / 3 - 1 / 44.5), 10);
    expect(r.stability[(b?.child ?? 0) - n]).toBeCloseTo(3 * (1 - 1 / 44.5), 10);
    for (const trio of bySize(3).filter((e) => e.parent === a.child)) {
      expect(trio.lambda).toBeCloseTo(2 / 3, 12);
      expect(r.stability[trio.child - n]).toBeCloseTo(1, 10);
    }
  });

  it('selects by excess of mass (A over its trios) or by leaves, with noise', () => {
    const eom = hdbscan(line(xs), { minClusterSize: 2, minSamples: 2 });
    const l = Array.from(eom.labels);
    expect(new Set(l.slice(0, 6)).size).toBe(1);
    expect(new Set(l.slice(6, 9)).size).toBe(1);
    expect(l[0]).not.toBe(l[6]);
    expect(l[9]).toBe(NOISE);
    expect(eom.strengths[9]).toBe(0);
    // In A every point falls out at λ = 1, the largest λ in it: full strength.
    expect(eom.strengths[0]).toBeCloseTo(1, 12);

    const leaf = hdbscan(line(xs), { minClusterSize: 2, minSamples: 2, selection: 'leaf' });
    const ll = Array.from(leaf.labels);
    expect(new Set(ll.slice(0, 3)).size).toBe(1);
    expect(ll[0]).not.toBe(ll[3]);
    expect(new Set(ll.filter((x) => x >= 0)).size).toBe(3);
  });

  it('minClusterSize 4 turns the trios into points falling out of A', () => {
    const r = hdbscan(line(xs), { minClusterSize: 4, minSamples: 2 });
    // B (3 points) is too small to be born: it falls out of the root with the outlier's remnant.
    const l = Array.from(r.labels);
    expect(l.slice(6)).toEqual([NOISE, NOISE, NOISE, NOISE]);
  });

  it('assigns new points without re-running', () => {
    const r = hdbscan(line(xs), { minClusterSize: 2, minSamples: 2 });
    const assigned = assignHdbscan(r.model, line([1.2, 51.3, 120]));
    expect(assigned.labels[0]).toBe(r.labels[0]);
    expect(assigned.labels[1]).toBe(r.labels[6]);
    expect(assigned.labels[2]).toBe(NOISE);
    expect(assigned.strengths[0]).toBeGreaterThan(0.9);
  });

  it('recovers labelled blobs', () => {
    const { matrix, labels } = blobs({ n: 800, dim: 5, clusters: 4, seed: 6, spread: 0.5 });
    const r = hdbscan(matrix, { minClusterSize: 20, minSamples: 5 });
    const kept = Array.from(r.labels).filter((x) => x >= 0).length;
    expect(kept / 800).toBeGreaterThan(0.9);
    const mask = Array.from(r.labels, (x, i) => (x >= 0 ? i : -1)).filter((i) => i >= 0);
    expect(
      adjustedRandIndex(
        mask.map((i) => r.labels[i]),
        mask.map((i) => labels[i]),
      ),
    ).toBeGreaterThan(0.99);
  });
});

describe('DBSCAN', () => {
  it('finds core, border and noise points worked by hand', () => {
    // eps 1.1, minPoints 3: 1 and 11 are core (3 within reach), 0, 2, 10, 12 border, 30 noise.
    const r = dbscan(line([0, 1, 2, 10, 11, 12, 30]), { eps: 1.1, minPoints: 3 });
    expect(Array.from(r.labels)).toEqual([0, 0, 0, 1, 1, 1, NOISE]);
    expect(Array.from(r.strengths)).toEqual([0.5, 1, 0.5, 0.5, 1, 0.5, 0]);
  });

  it('reads eps off the k-distance curve and recovers blobs', () => {
    const { matrix, labels } = blobs({ n: 600, dim: 4, clusters: 3, seed: 8, spread: 0.5 });
    const r = dbscan(matrix, { minPoints: 8 });
    expect(r.eps).toBeGreaterThan(0);
    const mask = Array.from(r.labels, (x, i) => (x >= 0 ? i : -1)).filter((i) => i >= 0);
    expect(mask.length / 600).toBeGreaterThan(0.85);
    expect(
      adjustedRandIndex(
        mask.map((i) => r.labels[i]),
        mask.map((i) => labels[i]),
      ),
    ).toBe(1);
  });

  it('puts the knee where the curve turns', () => {
    expect(kneeOf(Float64Array.from([1, 1, 1, 1, 1, 1, 1, 1, 2, 10]))).toBe(1);
    expect(kneeOf(Float64Array.from([1, 1.1, 1.2, 1.3, 1.4, 1.5, 5, 9, 13]))).toBe(1.5);
  });
});

describe('agglomerative (Ward)', () => {
  it('merges in the order and at the Ward distances worked by hand', () => {
    // Points 0, 1, 5: first {0,1} at 1 (squared distance); then Ward: (2·25 + 2·16 − 1·1)/3 = 27.
    const merges = wardMerges(line([0, 1, 5]));
    expect(merges.map((m) => m.distance)).toEqual([1, 27]);
    // 27 = 2 · (2·1)/(2+1) · (0.5 − 5)²: twice the rise in within-cluster sum of squares.
    expect(Array.from(cutMerges(3, merges, 2))).toEqual([0, 0, 1]);
  });

  it('agrees with the greedy definition of Ward (merge the pair raising the sum of squares least)', () => {
    const small = blobs({ n: 40, dim: 3, clusters: 4, seed: 2, spread: 3 }).matrix;
    const groups: number[][] = Array.from({ length: 40 }, (_, i) => [i]);
    const centre = (g: number[]) =>
      [0, 1, 2].map((d) => g.reduce((s, i) => s + small.data[i * 3 + d], 0) / g.length);
    const greedy: number[] = [];
    while (groups.length > 1) {
      let best = Infinity;
      let bi = 0;
      let bj = 0;
      for (let i = 0; i < groups.length; i++) {
        for (let j = i + 1; j < groups.length; j++) {
          const a = centre(groups[i]);
          const b = centre(groups[j]);
          const na = groups[i].length;
          const nb = groups[j].length;
          const d = ((2 * na * nb) / (na + nb)) * a.reduce((s, x, t) => s + (x - b[t]) ** 2, 0);
          if (d < best) [best, bi, bj] = [d, i, j];
        }
      }
      greedy.push(best);
      groups[bi] = groups[bi].concat(groups[bj]);
      groups.splice(bj, 1);
    }
    const chain = wardMerges(small).map((m) => m.distance);
    chain.forEach((d, i) => expect(d).toBeCloseTo(greedy[i], 6));
  });

  it('recovers blobs, exactly and through a sample', () => {
    const { matrix, labels } = blobs({ n: 900, dim: 6, clusters: 5, seed: 9, spread: 0.5 });
    expect(adjustedRandIndex(agglomerative(matrix, { k: 5 }).labels, labels)).toBe(1);
    expect(adjustedRandIndex(agglomerative(matrix, { k: 5, sampleSize: 200 }).labels, labels)).toBe(1);
  });
});
