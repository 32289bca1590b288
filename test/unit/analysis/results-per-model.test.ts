import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from '../../../src/main/store/db';
import { ResultsStore } from '../../../src/main/analysis/results-store';
import type { TrackAnalysisResult } from '../../../src/main/analysis/types';
import { chooseAnsweringModel } from '../../../src/main/similarity/model-choice';
import type { FeatureScalars } from '../../../src/shared/types';

const scalars = { bpm: 120, key: 'A', scale: 'minor', loudness: -12 } as unknown as FeatureScalars;
const V_MSD = 'f3+msd@aaaa+p8';
const V_MTT = 'f3+mtt@bbbb+p8';
const V_NONE = 'f3+none';

function result(id: string, version: string, seed: number, model: string | null): TrackAnalysisResult {
  return {
    trackId: id,
    analysisVersion: version,
    features: {
      scalars,
      vector: Float32Array.from({ length: 3 }, (_, i) => seed + i),
      names: ['a', 'b', 'c'],
    },
    embeddings: model
      ? [
          {
            model,
            mean: Float32Array.from({ length: 4 }, (_, i) => seed * (model === 'msd' ? 1 : -1) + i),
            std: new Float32Array(4),
            tags: Float32Array.from([0.9, 0.2, 0.5]),
            patches: 8,
          },
        ]
      : [],
    timings: { decodeMs: 0, featuresMs: 0, embeddingMs: 0 },
  };
}

describe('ResultsStore keeps results per model', () => {
  let dir: string;
  let db: Database;
  let store: ResultsStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'timbre-permodel-'));
    db = await Database.open(dir);
    store = await ResultsStore.open(db);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a run with another model keeps the first model usable, and counts each model on its own', async () => {
    await store.write([result('t1', V_MSD, 1, 'msd'), result('t2', V_MSD, 2, 'msd')]);
    await store.write([result('t1', V_MTT, 1, 'mtt')]);
    // msd is still done for both tracks; mtt only for t1.
    expect(await store.counts(V_MSD)).toEqual({ analysed: 2, failed: 0 });
    expect(await store.counts(V_MTT)).toEqual({ analysed: 1, failed: 0 });
    const msd = await store.stamps(V_MSD);
    expect([...msd.analysed.keys()].sort()).toEqual(['t1', 't2']);
    expect([...msd.analysed.values()].every((s) => s.version === V_MSD && s.at > 0)).toBe(true);
    expect([...(await store.stamps(V_MTT)).analysed.keys()]).toEqual(['t1']);
    // Features only is a version of its own (a run with no model redoes the features).
    expect(await store.counts(V_NONE)).toEqual({ analysed: 0, failed: 0 });
    await store.write([result('t2', V_NONE, 2, null)]);
    expect(await store.counts(V_NONE)).toEqual({ analysed: 1, failed: 0 });
    expect(await store.counts(V_MSD)).toEqual({ analysed: 2, failed: 0 });
    // Both embeddings load beside the features mtt's run rewrote.
    const withMsd = await store.loadAll({ model: 'msd' });
    expect(Array.from(withMsd.embedding!.present)).toEqual([1, 1]);
    const withMtt = await store.loadAll({ model: 'mtt' });
    expect(Array.from(withMtt.embedding!.present)).toEqual(withMtt.ids.map((id) => (id === 't1' ? 1 : 0)));
    expect((await store.loadAll({ model: null })).embedding).toBeNull();
    expect(await store.models()).toEqual(['msd', 'mtt']);
    expect(await store.coverage()).toEqual([
      { model: 'msd', embedded: 2, failed: 0 },
      { model: 'mtt', embedded: 1, failed: 0 },
    ]);
    expect(await store.coverage(new Set(['t2']))).toEqual([
      { model: 'msd', embedded: 1, failed: 0 },
      { model: 'mtt', embedded: 0, failed: 0 },
    ]);
    const info = await store.getTrackInfo('t1');
    expect(info?.models).toEqual(['mtt', 'msd']);
  });

  it('an embedding made at another features version is not used with the new features', async () => {
    await store.write([result('t1', V_MSD, 1, 'msd')]);
    await store.write([result('t1', 'f4+mtt@bbbb+p8', 1, 'mtt')]);
    expect((await store.loadAll({ model: 'msd' })).embedding).toBeNull();
    // ...nor does it count as done at its version: the track's features are another version's.
    expect(await store.counts(V_MSD)).toEqual({ analysed: 0, failed: 0 });
    expect((await store.stamps(V_MSD)).analysed.size).toBe(0);
    expect(await store.coverage()).toEqual([
      { model: 'msd', embedded: 0, failed: 0 },
      { model: 'mtt', embedded: 1, failed: 0 },
    ]);
  });

  it('counts failures per model', async () => {
    await store.write([result('t1', V_MSD, 1, 'msd')]);
    await store.write([], [{ trackId: 't2', path: '/t2', reason: 'boom', analysisVersion: V_MTT, at: 5 }]);
    expect(await store.counts(V_MTT)).toEqual({ analysed: 0, failed: 1 });
    expect(await store.coverage()).toEqual([
      { model: 'msd', embedded: 1, failed: 0 },
      { model: 'mtt', embedded: 0, failed: 1 },
    ]);
  });

  it('migrates a model table from before per-model times: its rows borrow the analysis time', async () => {
    await store.write([result('t1', V_MSD, 1, 'msd')]);
    const before = (await store.stamps()).analysed.get('t1')!.at;
    const table = await db.connection.openTable('embeddings_msd');
    await table.dropColumns(['analysedAt']);
    table.close();
    await db.setMeta('schema_version:embeddings_msd', '1');
    db.close();
    db = await Database.open(dir);
    store = await ResultsStore.open(db);
    expect(db.tableVersion('embeddings_msd')).toBe(2);
    expect((await store.stamps(V_MSD)).analysed.get('t1')).toEqual({ version: V_MSD, at: before });
    // Writes after the migration carry their own time.
    await store.write([result('t2', V_MSD, 2, 'msd')]);
    expect((await store.stamps(V_MSD)).analysed.get('t2')!.at).toBeGreaterThan(0);
    expect((await store.loadAll({ model: 'msd' })).embedding?.present).toEqual(Uint8Array.from([1, 1]));
  });
});

describe('chooseAnsweringModel', () => {
  const cov = (model: string, embedded: number, failed = 0) => ({ model, embedded, failed });
  it('keeps the model that covers most until the chosen one catches up', () => {
    expect(chooseAnsweringModel([cov('msd', 100)], 'mn04')).toMatchObject({ model: 'msd', interim: true });
    expect(chooseAnsweringModel([cov('msd', 100), cov('mn04', 60)], 'mn04')).toMatchObject({
      model: 'msd',
      target: 'mn04',
      targetEmbedded: 60,
      interim: true,
    });
    expect(chooseAnsweringModel([cov('msd', 100), cov('mn04', 100)], 'mn04').model).toBe('mn04');
    // Tracks the new model failed on cannot get better: they do not hold the switch back.
    expect(chooseAnsweringModel([cov('msd', 100), cov('mn04', 97, 3)], 'mn04').model).toBe('mn04');
    // Switching back to a model with stored results answers at once.
    expect(chooseAnsweringModel([cov('msd', 100), cov('mn04', 100)], 'msd')).toMatchObject({
      model: 'msd',
      interim: false,
    });
  });
  it('answers with features only when asked, or when no model has results', () => {
    expect(chooseAnsweringModel([cov('msd', 100)], 'none').model).toBeNull();
    expect(chooseAnsweringModel([], 'msd')).toMatchObject({ model: null, interim: false });
    expect(chooseAnsweringModel([cov('msd', 0)], 'mn04').model).toBeNull();
  });
  it('breaks ties by name, whatever the order of the coverage list', () => {
    const a = chooseAnsweringModel([cov('b', 5), cov('a', 5)], 'c');
    const b = chooseAnsweringModel([cov('a', 5), cov('b', 5)], 'c');
    expect(a.model).toBe('a');
    expect(b.model).toBe('a');
  });
});
