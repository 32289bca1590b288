import { describe, expect, it } from 'vitest';
import { fromRows } from '../../../src/main/clusters/matrix';
import { adjustedRandIndex } from '../../../src/main/clusters/metrics';
import { blobs } from '../../../src/main/clusters/synthetic';
import { type Candidate, pickWinner, tune } from '../../../src/main/clusters/tune';
import { explainMembership, profileClusters } from '../../../src/main/clusters/profiles';
import { clusterSuggestions } from '../../../src/main/clusters/suggest';

const candidate = (silhouette: number, db: number, ch: number, clusters = 3, noise = 0): Candidate => ({
  algorithm: 'kmeans',
  params: { k: clusters },
  scores: {
    silhouette,
    daviesBouldin: db,
    calinskiHarabasz: ch,
    clusters,
    noiseShare: noise,
    silhouetteRows: 10,
  },
  adjustedSilhouette: silhouette * (1 - noise),
  eligible: clusters >= 2 && noise <= 0.5,
  seconds: 0,
});

describe('the winner rule', () => {
  it('takes the lowest mean rank over the three scores', () => {
    // Ranks (sil, DB, CH): A 1,3,3 = 7/3; B 2,1,1 = 4/3; C 3,2,2 = 7/3.
    const list = [candidate(0.9, 0.9, 10), candidate(0.8, 0.3, 90), candidate(0.7, 0.5, 50)];
    expect(pickWinner(list)).toBe(1);
    expect(list[1].meanRank).toBeCloseTo(4 / 3, 12);
  });
  it('breaks a tie by adjusted silhouette, then fewer clusters', () => {
    // Ranks A 1,2,3; B 2,3,1; C 3,1,2: all mean 2, A has the highest silhouette.
    const list = [candidate(0.9, 0.5, 10), candidate(0.8, 0.6, 90), candidate(0.7, 0.4, 50)];
    expect(pickWinner(list)).toBe(0);
    expect(list.map((c) => c.meanRank)).toEqual([2, 2, 2]);
    const same = [candidate(0.5, 0.4, 50, 4), candidate(0.5, 0.4, 50, 3)];
    expect(pickWinner(same)).toBe(1);
  });
  it('skips ineligible candidates and counts noise against the silhouette', () => {
    const noisy = candidate(0.95, 0.1, 500, 3, 0.6);
    expect(pickWinner([noisy, candidate(0.4, 0.8, 20)])).toBe(1);
    expect(candidate(0.8, 0.1, 1, 3, 0.25).adjustedSilhouette).toBeCloseTo(0.6, 12);
  });
  it('ranks Davies–Bouldin and Calinski–Harabasz of the whole partition, noise attached', () => {
    // On its clustered rows the noisy one looks best on DB and CH; with its noise attached it is worse.
    const noisy = {
      ...candidate(0.7, 0.2, 900, 2, 0.2),
      partition: { daviesBouldin: 1.4, calinskiHarabasz: 40 },
    };
    const whole = candidate(0.55, 0.6, 300, 4);
    expect(pickWinner([noisy, whole])).toBe(1);
    expect(pickWinner([{ ...noisy, partition: undefined }, whole])).toBe(0);
  });
  it('measures the partition scores with every noise row in its nearest cluster', () => {
    // Two tight groups and a far row between-ish: density methods call it noise.
    const rows = [
      ...Array.from({ length: 30 }, (_, i) => [Math.cos(i) * 0.05, Math.sin(i) * 0.05]),
      ...Array.from({ length: 30 }, (_, i) => [5 + Math.cos(i) * 0.05, Math.sin(i) * 0.05]),
      [1.5, 2.5],
    ];
    const result = tune(fromRows(rows), 'dbscan');
    const winner = result.candidates[result.winnerIndex];
    expect(winner.scores.noiseShare).toBeGreaterThan(0);
    expect(winner.partition).toBeDefined();
    // Attaching the far row makes its cluster looser: DB grows, CH falls.
    expect(winner.partition?.daviesBouldin).toBeGreaterThan(winner.scores.daviesBouldin);
    expect(winner.partition?.calinskiHarabasz).toBeLessThan(winner.scores.calinskiHarabasz);
  });
});

describe('tuning', () => {
  it('finds the number of blobs with k-means and keeps every candidate', () => {
    const { matrix, labels } = blobs({ n: 400, dim: 6, clusters: 4, seed: 11, spread: 0.6 });
    const r = tune(matrix, 'kmeans');
    expect(r.winner.params.k).toBe(4);
    expect(adjustedRandIndex(r.winner.labels, labels)).toBe(1);
    expect(r.candidates.map((c) => c.params.k)).toEqual([
      2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 20, 25, 30, 35, 40,
    ]);
    expect(r.candidates.every((c) => Number.isFinite(c.scores.silhouette))).toBe(true);
  });

  it('auto chooses among every algorithm and recovers the blobs', () => {
    const { matrix, labels } = blobs({ n: 300, dim: 4, clusters: 3, seed: 12, spread: 0.5 });
    const r = tune(matrix, 'auto');
    expect(new Set(r.candidates.map((c) => c.algorithm))).toEqual(
      new Set(['kmeans', 'gmm', 'hdbscan', 'dbscan', 'agglomerative']),
    );
    const kept = Array.from(r.winner.labels)
      .map((l, i) => (l >= 0 ? i : -1))
      .filter((i) => i >= 0);
    expect(kept.length).toBeGreaterThan(270);
    expect(
      adjustedRandIndex(
        kept.map((i) => r.winner.labels[i]),
        kept.map((i) => labels[i]),
      ),
    ).toBeGreaterThan(0.99);
  });
});

describe('profiles', () => {
  // Six tracks: 0–2 slow and quiet, 3–5 fast and loud. bpm mean 130, sd 30; loudness mean −15, sd 5.
  const space = fromRows([[0], [0.1], [0.2], [5], [5.1], [5.2]]);
  const labels = [0, 0, 0, 1, 1, 1];
  const features = {
    values: fromRows([
      [100, -20],
      [100, -20],
      [100, -20],
      [160, -10],
      [160, -10],
      [160, -10],
    ]),
    descriptors: [
      { name: 'bpm', high: 'fast', low: 'slow' },
      { name: 'loudness', high: 'loud', low: 'quiet' },
    ],
  };
  const tags = {
    names: ['metal', 'ambient'],
    probabilities: fromRows([
      [0.1, 0.9],
      [0.1, 0.8],
      [0.1, 0.7],
      [0.9, 0.1],
      [0.8, 0.1],
      [0.7, 0.1],
    ]),
  };

  it('sizes, representatives, effects, tags and a name', () => {
    const [quiet, loud] = profileClusters({ space, labels, features, tags });
    expect(quiet.size).toBe(3);
    expect(quiet.medoid).toBe(1);
    expect(quiet.nearest[0]).toBe(1);
    expect(loud.distinctive.map((d) => d.effect)).toEqual([1, 1]);
    expect(quiet.distinctive[0].word).toBe('slow');
    expect(loud.topTags[0]).toEqual({
      tag: 'metal',
      score: expect.closeTo(0.8, 6),
      lift: expect.closeTo(0.8 / 0.45, 6),
    });
    expect(loud.name).toBe('fast · loud · metal');
    expect(quiet.name).toBe('slow · quiet · ambient');
    // Members lie 0.1/15 on average from their centroid, rows 2.6/… from the library's: close to 1.
    expect(loud.cohesion).toBeGreaterThan(0.9);
  });

  it('names a big cluster near the library mean by what it leans towards, not by a number', () => {
    // Nine tracks a little slower than the mean (125 vs 130, sd 15: effect −1/3) and one far faster.
    const bpm = [125, 125, 125, 125, 125, 125, 125, 125, 125, 175];
    const [most, outlier] = profileClusters({
      space: fromRows(bpm.map((b) => [b / 100])),
      labels: [0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
      features: {
        values: fromRows(bpm.map((b) => [b])),
        descriptors: [{ name: 'bpm', high: 'fast', low: 'slow' }],
      },
      tags: { names: ['metal'], probabilities: fromRows(bpm.map(() => [0.5])) },
    });
    expect(Math.abs(most.distinctive[0].effect)).toBeLessThan(0.5);
    expect(most.name).toBe('leaning slow');
    expect(outlier.name).toBe('fast');
  });

  it('explains a membership as weight × (value − mean), summing to the score', () => {
    const e = explainMembership(features, labels, 4);
    // w_bpm = (160 − 130) / 900; contribution = w × 30 = 1; same for loudness: (−10 + 15) / 25 × 5 = 1.
    expect(e.contributions.map((c) => c.contribution)).toEqual([
      expect.closeTo(1, 12),
      expect.closeTo(1, 12),
    ]);
    expect(e.score).toBeCloseTo(2, 12);
    expect(e.contributions.find((c) => c.feature === 'bpm')?.phrase).toBe(
      'fast (bpm 160 against 130 in the library)',
    );
  });
});

describe('cluster suggestions', () => {
  it('takes the nearest from the own cluster and a few from each other one', () => {
    const space = fromRows([[0], [1], [2], [3], [10], [11], [12], [20], [21], [40]]);
    const labels = [0, 0, 0, 0, 1, 1, 1, 2, 2, -1];
    const s = clusterSuggestions(space, labels, 1, { own: 2, perOther: 2 });
    expect(s.own.map((x) => x.index)).toEqual([0, 2]);
    expect(s.others).toEqual([
      {
        label: 1,
        items: [expect.objectContaining({ index: 4, distance: 9 }), expect.objectContaining({ index: 5 })],
      },
      { label: 2, items: [expect.objectContaining({ index: 7 }), expect.objectContaining({ index: 8 })] },
    ]);
    const filtered = clusterSuggestions(space, labels, 1, { own: 2, allow: (i) => i !== 0 });
    expect(filtered.own.map((x) => x.index)).toEqual([2, 3]);
  });

  it('defaults to 11 and 3 and never suggests noise', () => {
    const { matrix } = blobs({ n: 100, dim: 2, clusters: 4, seed: 1 });
    const labels = Int32Array.from({ length: 100 }, (_, i) => (i === 5 ? -1 : i % 4));
    const s = clusterSuggestions(matrix, labels, 0);
    expect(s.own).toHaveLength(11);
    expect(s.others.map((o) => o.items.length)).toEqual([3, 3, 3]);
    expect([...s.own, ...s.others.flatMap((o) => o.items)].some((x) => x.index === 5)).toBe(false);
  });
});
