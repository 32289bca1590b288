import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database, type Table } from '../../../src/main/store/db';
import { ResultsStore } from '../../../src/main/analysis/results-store';
import type { TrackAnalysisResult } from '../../../src/main/analysis/types';
import type { FeatureScalars } from '../../../src/shared/types';

const scalars = (bpm: number): FeatureScalars => ({
  bpm,
  bpmConfidence: 0.5,
  danceability: 1,
  onsetRate: 2,
  key: 'A',
  scale: 'minor',
  keyStrength: 0.7,
  loudness: -12,
  loudnessRange: 5,
  dynamicComplexity: 3,
  rms: 0.1,
  spectralCentroid: 1500,
  spectralRolloff: 4000,
  spectralFlux: 0.2,
  spectralFlatness: 0.3,
  zeroCrossingRate: 0.05,
});

function result(
  id: string,
  version: string,
  seed: number,
  model: string | null = 'msd',
): TrackAnalysisResult {
  const vector = Float32Array.from({ length: 6 }, (_, i) => seed * 10 + i);
  return {
    trackId: id,
    analysisVersion: version,
    features: { scalars: scalars(100 + seed), vector, names: ['a', 'b', 'c', 'd', 'e', 'f'] },
    embeddings: model
      ? [
          {
            model,
            mean: Float32Array.from({ length: 4 }, (_, i) => seed + i / 10),
            std: Float32Array.from({ length: 4 }, () => seed / 100),
            tags: Float32Array.from({ length: 3 }, (_, i) => (i === seed % 3 ? 0.9 : 0.1)),
            patches: 8,
          },
        ]
      : [],
    timings: { decodeMs: 1, featuresMs: 2, embeddingMs: 3 },
  };
}

describe('ResultsStore', () => {
  let dir: string;
  let db: Database;
  let store: ResultsStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'timbre-store-'));
    db = await Database.open(dir);
    store = await ResultsStore.open(db);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is empty before the first write', async () => {
    expect(await store.counts()).toEqual({ analysed: 0, failed: 0 });
    const all = await store.loadAll();
    expect(all.ids).toEqual([]);
    expect(all.embedding).toBeNull();
    expect(await store.getTrackInfo('x')).toBeNull();
  });

  it('round-trips results, names tags and loads everything aligned by track', async () => {
    await store.setTagNames('msd', ['rock', 'pop', 'jazz']);
    await store.write([result('t1', 'v1', 1), result('t2', 'v1', 2)]);
    await store.write([result('t3', 'v1', 3)]);
    const all = await store.loadAll();
    expect(all.ids.length).toBe(3);
    expect(all.featureNames).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    const i3 = all.ids.indexOf('t3');
    expect(Array.from(all.features.subarray(i3 * 6, i3 * 6 + 6))).toEqual([30, 31, 32, 33, 34, 35]);
    expect(all.scalars[i3].bpm).toBe(103);
    expect(all.embedding?.model).toBe('msd');
    expect(all.embedding?.dim).toBe(4);
    expect(all.embedding?.data[i3 * 4 + 1]).toBeCloseTo(3.1, 5);
    expect(all.tags?.names).toEqual(['rock', 'pop', 'jazz']);
    expect(all.tags?.data[i3 * 3 + 0]).toBeCloseTo(0.9, 5);

    const info = await store.getTrackInfo('t1');
    expect(info?.analysisVersion).toBe('v1');
    expect(info?.models).toEqual(['msd']);
    expect(info?.tags.msd[0]).toEqual({ tag: 'pop', score: expect.closeTo(0.9, 5) });
    expect(info?.features.key).toBe('A');
    expect(await store.versions()).toEqual(
      new Map([
        ['t1', 'v1'],
        ['t2', 'v1'],
        ['t3', 'v1'],
      ]),
    );
  });

  it('stores and loads a model without tag outputs (a waveform model such as MERT)', async () => {
    const tagless = (id: string, seed: number): TrackAnalysisResult => {
      const r = result(id, 'v1', seed, 'mert');
      return { ...r, embeddings: r.embeddings.map((e) => ({ ...e, tags: new Float32Array(0) })) };
    };
    await store.write([tagless('t1', 1), tagless('t2', 2)]);
    const all = await store.loadAll();
    expect(all.embedding?.model).toBe('mert');
    expect(all.embedding?.data[all.ids.indexOf('t2') * 4]).toBeCloseTo(2, 5);
    expect(all.tags).toBeNull();
    const some = await store.loadSome(['t1']);
    expect(some.ids).toEqual(['t1']);
    expect(some.embedding?.model).toBe('mert');
    const info = await store.getTrackInfo('t1');
    expect(info?.models).toEqual(['mert']);
  });

  it('upserts: a re-analysis replaces the row; an embedding from an older version is not used', async () => {
    await store.write([result('t1', 'v1', 1), result('t2', 'v1', 2)]);
    await store.write([result('t1', 'v2', 5, null)]);
    expect(await store.counts()).toEqual({ analysed: 2, failed: 0 });
    expect(await store.counts('v2')).toEqual({ analysed: 1, failed: 0 });
    const all = await store.loadAll();
    const i1 = all.ids.indexOf('t1');
    const i2 = all.ids.indexOf('t2');
    expect(all.features[i1 * 6]).toBe(50);
    expect(all.embedding?.present[i1]).toBe(0);
    expect(all.embedding?.present[i2]).toBe(1);
    expect(Array.from(all.embedding!.data.subarray(i1 * 4, i1 * 4 + 4))).toEqual([0, 0, 0, 0]);
  });

  it('loads the rows of just some tracks, aligned like loadAll (ids quoted, long lists too)', async () => {
    await store.setTagNames('msd', ['rock', 'pop', 'jazz']);
    const odd = `o'brien "x" \\ 1`;
    await store.write([result('t1', 'v1', 1), result('t2', 'v1', 2), result(odd, 'v1', 4)]);
    await store.write([result('t3', 'v1', 3), result('t4', 'v1', 5, null)]);
    // An embedding of another model for t2: the subset follows the model asked for.
    await store.write([result('t2', 'v1', 2, 'other')]);
    const all = await store.loadAll({ model: 'msd' });
    const check = async (wanted: string[], expected: string[], model = 'msd') => {
      const some = await store.loadSome(wanted, { model });
      expect([...some.ids].sort()).toEqual([...expected].sort());
      expect(some.featureNames).toEqual(all.featureNames);
      expect(some.features.length).toBe(expected.length * 6);
      some.ids.forEach((id, j) => {
        const i = all.ids.indexOf(id);
        expect(Array.from(some.features.subarray(j * 6, j * 6 + 6))).toEqual(
          Array.from(all.features.subarray(i * 6, i * 6 + 6)),
        );
        expect(some.scalars[j]).toEqual(all.scalars[i]);
        if (model !== 'msd') return;
        expect(some.embedding?.present[j]).toBe(all.embedding?.present[i]);
        expect(Array.from(some.embedding!.data.subarray(j * 4, j * 4 + 4))).toEqual(
          Array.from(all.embedding!.data.subarray(i * 4, i * 4 + 4)),
        );
        expect(Array.from(some.tags!.data.subarray(j * 3, j * 3 + 3))).toEqual(
          Array.from(all.tags!.data.subarray(i * 3, i * 3 + 3)),
        );
      });
      return some;
    };
    const some = await check(['t3', odd, 'nope', 't3', 't4'], ['t3', odd, 't4']);
    expect(some.embedding?.model).toBe('msd');
    expect(some.embedding?.present[some.ids.indexOf('t4')]).toBe(0);
    expect(some.tags?.names).toEqual(['rock', 'pop', 'jazz']);
    expect(some.scalars[some.ids.indexOf(odd)].bpm).toBe(104);
    // More ids than a filter takes: read in full and picked.
    const many = Array.from({ length: 700 }, (_, i) => `absent${i}`);
    await check([...many, 't1', 't4'], ['t1', 't4']);
    // Another model: only t2 has it.
    const other = await check(['t1', 't2'], ['t1', 't2'], 'other');
    expect(other.embedding?.model).toBe('other');
    expect(Array.from(other.embedding!.present)).toEqual(other.ids.map((id) => (id === 't2' ? 1 : 0)));
    // Nothing asked for, or nothing found.
    expect((await store.loadSome([])).ids).toEqual([]);
    const none = await store.loadSome(['nope']);
    expect(none.ids).toEqual([]);
    expect(none.embedding).toBeNull();
  });

  it('records errors, clears them on success, pages them and prunes removed tracks', async () => {
    await store.write(
      [],
      [
        { trackId: 'bad', path: '/x/bad.mp3', reason: 'boom', analysisVersion: 'v1', at: 1000 },
        { trackId: 't1', path: '/x/t1.mp3', reason: 'first failure', analysisVersion: 'v0', at: 2000 },
      ],
    );
    expect(await store.failedVersions()).toEqual(
      new Map([
        ['bad', 'v1'],
        ['t1', 'v0'],
      ]),
    );
    await store.write([result('t1', 'v1', 1)]);
    const page = await store.errors({ offset: 0, limit: 10 });
    expect(page.total).toBe(1);
    expect(page.errors[0]).toEqual({
      trackId: 'bad',
      path: '/x/bad.mp3',
      reason: 'boom',
      analysisVersion: 'v1',
      at: 1000,
    });
    expect(await store.counts('v1')).toEqual({ analysed: 1, failed: 1 });

    await store.write([result('t2', 'v1', 2)]);
    expect(await store.prune(['t2'])).toBe(2);
    expect([...(await store.versions()).keys()]).toEqual(['t2']);
    expect((await store.errors()).total).toBe(0);
    const all = await store.loadAll();
    expect(all.ids).toEqual(['t2']);
    expect(all.embedding?.data.length).toBe(4);
  });

  it('does not append a row twice when a batch failed after its fresh rows were added', async () => {
    await store.write([result('t1', 'v1', 1)]);
    const table = (store as unknown as { embeddings: Map<string, Table> }).embeddings.get('embeddings_msd')!;
    // t3 is new (appended), t1 is known (mergeInsert): make the mergeInsert fail once.
    const original = table.mergeInsert.bind(table);
    table.mergeInsert = () => {
      table.mergeInsert = original;
      throw new Error('injected write failure');
    };
    await expect(store.write([result('t3', 'v1', 3), result('t1', 'v2', 5)])).rejects.toThrow('injected');
    await store.write([result('t3', 'v1', 3), result('t1', 'v2', 5)]);
    expect(await table.countRows(`trackId = 't3'`)).toBe(1);
    expect(await table.countRows()).toBe(2);
  });

  it('reopens from disk with the same data', async () => {
    await store.setTagNames('msd', ['rock', 'pop', 'jazz']);
    await store.write([result('t1', 'v1', 1)]);
    await store.optimize();
    db.close();
    db = await Database.open(dir);
    store = await ResultsStore.open(db);
    const all = await store.loadAll();
    expect(all.ids).toEqual(['t1']);
    expect(all.tags?.names).toEqual(['rock', 'pop', 'jazz']);
    expect((await store.getTrackInfo('t1'))?.tags.msd.length).toBe(3);
  });

  it('starts the analysis table over when the feature vector length changes', async () => {
    await store.write([result('t1', 'v1', 1)]);
    const longer = result('t2', 'v2', 2);
    longer.features.vector = new Float32Array(9).fill(1);
    longer.features.names = Array.from({ length: 9 }, (_, i) => `n${i}`);
    await store.write([longer]);
    const all = await store.loadAll();
    expect(all.ids).toEqual(['t2']);
    expect(all.features.length).toBe(9);
    expect(all.featureNames.length).toBe(9);
  });
});
