import { describe, expect, it } from 'vitest';
import { GridIndex, boundsOf } from '../../../../src/renderer/src/map/grid';
import { centreOn, fitView, panBy, toScreen, toWorld, zoomAt } from '../../../../src/renderer/src/map/view';
import { metricsInWords, silhouetteWords, spaceWords } from '../../../../src/renderer/src/cluster-words';
import type { ClusterRun } from '../../../../src/shared/types';

/** A seeded cloud of points, and the brute-force answers to compare the grid with. */
function cloud(n: number, seed = 3): Float32Array {
  let a = seed;
  const random = (): number => {
    a = (a * 1103515245 + 12345) % 2147483648;
    return a / 2147483648;
  };
  const xy = new Float32Array(2 * n);
  for (let i = 0; i < 2 * n; i++) xy[i] = random() * 100 - 50 + (i % 2 === 0 ? 0 : random() * 10);
  return xy;
}

describe('GridIndex', () => {
  const n = 5000;
  const xy = cloud(n);
  const grid = new GridIndex({ xy, n });

  it('finds exactly the points in a rectangle (against a scan of all)', () => {
    for (const [x0, y0, x1, y1] of [
      [-10, -10, 10, 10],
      [30, 40, -5, 2],
      [-60, -60, 60, 70],
      [49, 49, 52, 52],
      [200, 200, 300, 300],
    ]) {
      const expected: number[] = [];
      for (let i = 0; i < n; i++) {
        const x = xy[2 * i];
        const y = xy[2 * i + 1];
        if (x >= Math.min(x0, x1) && x <= Math.max(x0, x1) && y >= Math.min(y0, y1) && y <= Math.max(y0, y1))
          expected.push(i);
      }
      expect(grid.within(x0, y0, x1, y1).sort((a, b) => a - b)).toEqual(expected);
    }
  });

  it('finds the nearest point within a radius, or none', () => {
    for (const [qx, qy, r] of [
      [0, 0, 3],
      [12.5, -7.25, 1],
      [-49, 55, 5],
      [500, 500, 10],
    ]) {
      let best = -1;
      let bestD = r * r;
      for (let i = 0; i < n; i++) {
        const d = (xy[2 * i] - qx) ** 2 + (xy[2 * i + 1] - qy) ** 2;
        if (d <= bestD) {
          bestD = d;
          best = i;
        }
      }
      const got = grid.nearest(qx, qy, r);
      if (best < 0) expect(got).toBe(-1);
      else {
        const d = (xy[2 * got] - qx) ** 2 + (xy[2 * got + 1] - qy) ** 2;
        expect(d).toBeCloseTo(bestD, 9);
      }
    }
  });

  it('handles one point and coincident points', () => {
    const one = new GridIndex({ xy: Float32Array.from([3, 3]), n: 1 });
    expect(one.nearest(3.1, 3, 1)).toBe(0);
    const same = new GridIndex({ xy: Float32Array.from([1, 1, 1, 1, 1, 1]), n: 3 });
    expect(same.within(0, 0, 2, 2)).toHaveLength(3);
    expect(boundsOf({ xy: new Float32Array(0), n: 0 })).toEqual({ minX: 0, minY: 0, maxX: 1, maxY: 1 });
  });
});

describe('map view', () => {
  const bounds = { minX: -10, minY: -5, maxX: 10, maxY: 5 };

  it('fits the bounds inside the canvas, centred', () => {
    const v = fitView(bounds, 1000, 600, 20);
    const [lx, ty] = toScreen(v, -10, -5);
    const [rx, by] = toScreen(v, 10, 5);
    expect(Math.min(lx, ty)).toBeGreaterThanOrEqual(19.999);
    expect(rx).toBeLessThanOrEqual(980.001);
    expect(by).toBeLessThanOrEqual(580.001);
    expect((lx + rx) / 2).toBeCloseTo(500, 6);
    expect((ty + by) / 2).toBeCloseTo(300, 6);
  });

  it('zooms about the pointer, pans, centres and inverts', () => {
    const v = fitView(bounds, 1000, 600);
    const under = toWorld(v, 300, 200);
    const z = zoomAt(v, 300, 200, 2, 0, Infinity);
    expect(z.scale).toBeCloseTo(v.scale * 2, 9);
    const still = toWorld(z, 300, 200);
    expect(still[0]).toBeCloseTo(under[0], 9);
    expect(still[1]).toBeCloseTo(under[1], 9);
    expect(zoomAt(v, 0, 0, 1000, 0, v.scale * 4).scale).toBe(v.scale * 4);
    const p = panBy(v, 15, -7);
    expect(toScreen(p, 1, 1)[0] - toScreen(v, 1, 1)[0]).toBeCloseTo(15, 9);
    const c = centreOn(v, 4, -2, 1000, 600);
    expect(toScreen(c, 4, -2)).toEqual([500, 300]);
  });
});

describe('metrics in words', () => {
  const run = (scores: NonNullable<ClusterRun['metrics']['scores']>): ClusterRun => ({
    id: 'r',
    algorithm: 'hdbscan',
    params: {},
    space: 'default:blend',
    reduce: { method: 'umap', dims: 10 },
    metrics: { scores, candidates: [] },
    seconds: 1,
    libraryVersion: '',
    fingerprint: '',
    subset: '',
    trackCount: 10,
    createdAt: 0,
    stale: false,
  });

  it('reads the silhouette, Davies–Bouldin and noise share in words', () => {
    expect(silhouetteWords(0.41)).toBe('clusters are well separated (silhouette 0.41)');
    expect(silhouetteWords(0.62)).toMatch(/^clusters are clearly separated/);
    expect(silhouetteWords(0.05)).toMatch(/overlap a lot/);
    const words = metricsInWords(
      run({
        silhouette: 0.3,
        daviesBouldin: 1.1,
        calinskiHarabasz: 80,
        clusters: 4,
        noiseShare: 0.12,
        silhouetteRows: 10,
      }),
    );
    expect(words[0]).toBe('Clusters are well separated (silhouette 0.30).');
    expect(words[1]).toMatch(/^Clusters are fairly compact \(Davies–Bouldin 1\.10\)/);
    expect(words[2]).toMatch(/^12 % of the tracks fit no cluster/);
    expect(
      metricsInWords({
        ...run({
          silhouette: null,
          daviesBouldin: null,
          calinskiHarabasz: null,
          clusters: 0,
          noiseShare: 0,
          silhouetteRows: 0,
        }),
      }),
    ).toEqual([]);
    expect(spaceWords('default:blend')).toBe('the similarity setting (embedding and features blended)');
    expect(spaceWords('features:features')).toBe('the audio features');
  });
});
