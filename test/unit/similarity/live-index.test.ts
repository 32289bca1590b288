import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ResultsStore, type AnalysisData } from '../../../src/main/analysis/results-store';
import type { TrackAnalysisResult } from '../../../src/main/analysis/types';
import type { Catalog } from '../../../src/main/library/catalog';
import { Database } from '../../../src/main/store/db';
import { LiveSimilarityIndex } from '../../../src/main/similarity/live-index';
import { SimilarityEngine } from '../../../src/main/similarity/engine';
import { defaultSettings } from '../../../src/main/home/settings';
import { syntheticCatalog } from '../../helpers/synthetic';
import type { Settings, Track } from '../../../src/shared/types';

/**
 * A catalog and a results store over an in-memory synthetic library whose analysed part can grow
 * (the first half is analysed at first). `hold()` makes reads wait until released, after taking
 * their snapshot, like a build that read the database just before more results were written.
 */
function fakeLibrary(total: number) {
  const cat = syntheticCatalog({
    tracks: total,
    artists: 20,
    albums: 30,
    embeddingDim: 16,
    featureDim: 8,
    seed: 9,
  });
  let visible = Math.floor(total / 2);
  let loads = 0;
  const gates: { all: Promise<void> | null; some: Promise<void> | null } = { all: null, some: null };
  /** Tracks analysed without an embedding (features only). */
  const noEmbedding = new Set<string>();
  const dF = cat.input.featureNames.length;
  const dim = cat.input.embedding!.dim;
  const rowsOf = (rows: number[]): AnalysisData => {
    const pick = (src: Float32Array, d: number) => {
      const out = new Float32Array(rows.length * d);
      rows.forEach((r, j) => out.set(src.subarray(r * d, (r + 1) * d), j * d));
      return out;
    };
    const present = Uint8Array.from(rows, (r) => (noEmbedding.has(cat.input.tracks[r].id) ? 0 : 1));
    const data = pick(cat.input.embedding!.data, dim);
    present.forEach((p, j) => p || data.fill(0, j * dim, (j + 1) * dim));
    return {
      ids: rows.map((r) => cat.input.tracks[r].id),
      features: pick(cat.input.features, dF),
      featureNames: cat.input.featureNames,
      scalars: rows.map((r) => cat.input.scalars[r]),
      embedding: present.some((p) => p === 1) ? { model: 'msd', dim, data, present } : null,
      tags: null,
    };
  };
  const rowOf = new Map(cat.input.tracks.map((t, i) => [t.id, i]));
  const catalog = {
    allTracks: async (): Promise<Track[]> => cat.input.tracks,
    get: async (id: string): Promise<Track | null> => cat.input.tracks[rowOf.get(id) ?? -1] ?? null,
  } as unknown as Catalog;
  const results = {
    // One model ('msd', the settings' default) covers what is analysed.
    coverage: async () => [{ model: 'msd', embedded: visible, failed: 0 }],
    loadAll: async () => {
      loads++;
      const data = rowsOf(Array.from({ length: visible }, (_, i) => i));
      if (gates.all) await gates.all;
      return data;
    },
    loadSome: async (ids: string[], options: { model?: string } = {}) => {
      expect(options.model).toBe('msd');
      const rows = [...new Set(ids)]
        .map((id) => rowOf.get(id)!)
        .filter((r) => r !== undefined && r < visible);
      const data = rowsOf(rows);
      if (gates.some) await gates.some;
      return data;
    },
  } as unknown as ResultsStore;
  return {
    catalog,
    results,
    input: cat.input,
    ids: (from: number, to: number) => cat.input.tracks.slice(from, to).map((t) => t.id),
    /** Analyses up to `n` tracks (all by default); returns the ids now analysed for the first time. */
    grow: (n = total) => {
      const fresh = cat.input.tracks.slice(visible, n).map((t) => t.id);
      visible = Math.max(visible, n);
      return fresh;
    },
    noEmbedding,
    loads: () => loads,
    /** Holds full reads ('all') or subset reads ('some') after their snapshot until released. */
    hold: (which: 'all' | 'some') => {
      let release!: () => void;
      gates[which] = new Promise<void>((r) => (release = r));
      return () => {
        gates[which] = null;
        release();
      };
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until the cache serves another engine than `old` (a background rebuild finished). */
async function nextEngine(cache: LiveSimilarityIndex, old: SimilarityEngine): Promise<SimilarityEngine> {
  for (let i = 0; i < 200; i++) {
    const engine = await cache.engine();
    if (engine !== old) return engine;
    await sleep(20);
  }
  throw new Error('no rebuild happened');
}

/** Ids of a track's neighbours. */
const neighbours = (engine: SimilarityEngine, id: string, k = 100) =>
  engine.similar({ seed: { kind: 'track', id }, k }).results.map((r) => r.track.id);

describe('LiveSimilarityIndex', () => {
  it('answers from the stale engine while it rebuilds, then from the new one', async () => {
    const lib = fakeLibrary(40);
    const cache = new LiveSimilarityIndex(lib.catalog, lib.results, async () => defaultSettings());
    const first = await cache.engine();
    expect(first.similar({ seed: { kind: 'track', id: 't0' }, k: 100 }).results.length).toBe(19);
    expect(await cache.engine()).toBe(first);
    expect(lib.loads()).toBe(1);

    lib.grow();
    cache.invalidate();
    // The caller is not kept waiting for the rebuild; a small library gets it within moments.
    expect(await cache.engine()).toBe(first);
    let second = first;
    for (let i = 0; i < 100 && second === first; i++) {
      await new Promise((r) => setTimeout(r, 20));
      second = await cache.engine();
    }
    expect(second).not.toBe(first);
    expect(lib.loads()).toBe(2);
    expect(second.similar({ seed: { kind: 'track', id: 't0' }, k: 100 }).results.length).toBe(39);
  });

  it('never serves an engine built before a settings change', async () => {
    const lib = fakeLibrary(40);
    let settings: Settings = defaultSettings();
    const cache = new LiveSimilarityIndex(lib.catalog, lib.results, async () => settings);
    const pending = cache.engine();
    settings = { ...settings, similarity: { ...settings.similarity, source: 'features' } };
    cache.reset();
    const engine = await pending;
    expect(engine.sourceFor()).toBe('features');
    expect(await cache.engine()).toBe(engine);
  });

  it('adds newly analysed tracks in place: they answer at once, without a build', async () => {
    const lib = fakeLibrary(40);
    const cache = new LiveSimilarityIndex(lib.catalog, lib.results, async () => defaultSettings());
    const first = await cache.engine();
    expect(first.size).toBe(20);
    const fresh = lib.grow(24);
    await cache.added(fresh);
    const engine = await cache.engine();
    expect(engine).toBe(first);
    expect(engine.size).toBe(24);
    expect(neighbours(engine, lib.ids(0, 1)[0])).toEqual(expect.arrayContaining(fresh));
    // They seed queries too, with the neighbours a full build finds (up to the statistics).
    const full = await new LiveSimilarityIndex(lib.catalog, lib.results, async () =>
      defaultSettings(),
    ).engine();
    expect(full.size).toBe(24);
    for (const id of fresh) {
      const top = neighbours(engine, id, 10);
      const common = neighbours(full, id, 10).filter((n) => top.includes(n)).length;
      expect(common).toBeGreaterThanOrEqual(7);
    }
    // Still current: no rebuild follows.
    await sleep(100);
    expect(await cache.engine()).toBe(first);
    expect(lib.loads()).toBe(2);
  });

  it('falls back to a rebuild for re-analysed tracks (the new ones still answer at once)', async () => {
    const lib = fakeLibrary(40);
    const cache = new LiveSimilarityIndex(lib.catalog, lib.results, async () => defaultSettings());
    const first = await cache.engine();
    const fresh = lib.grow(21);
    await cache.added([...lib.ids(3, 4), ...fresh]);
    expect(first.size).toBe(21);
    const second = await nextEngine(cache, first);
    expect(lib.loads()).toBe(2);
    expect(second.size).toBe(21);
  });

  it('falls back to a rebuild for tracks that do not fit the engine (no embedding of its model)', async () => {
    const lib = fakeLibrary(40);
    const cache = new LiveSimilarityIndex(lib.catalog, lib.results, async () => defaultSettings());
    const first = await cache.engine();
    const fresh = lib.grow(22);
    for (const id of fresh) lib.noEmbedding.add(id);
    await cache.added(fresh);
    expect(first.size).toBe(20);
    const second = await nextEngine(cache, first);
    expect(lib.loads()).toBe(2);
    expect(second.size).toBe(22);
  });

  it('rebuilds once additions grew the library by more than a quarter', async () => {
    const lib = fakeLibrary(40);
    const cache = new LiveSimilarityIndex(lib.catalog, lib.results, async () => defaultSettings());
    const first = await cache.engine();
    await cache.added(lib.grow(25));
    await sleep(100);
    expect(await cache.engine()).toBe(first);
    expect(lib.loads()).toBe(1);
    await cache.added(lib.grow(26));
    expect(first.size).toBe(26);
    const second = await nextEngine(cache, first);
    expect(second.size).toBe(26);
    expect(lib.loads()).toBe(2);
  });

  it('does not lose tracks added while a rebuild was reading or building', async () => {
    const lib = fakeLibrary(40);
    const cache = new LiveSimilarityIndex(lib.catalog, lib.results, async () => defaultSettings());
    const first = await cache.engine();
    cache.invalidate();
    // The rebuild reads the 20 tracks, then is held before it builds.
    const release = lib.hold('all');
    for (let i = 0; i < 200 && lib.loads() < 2; i++) {
      expect(await cache.engine()).toBe(first);
      await sleep(10);
    }
    expect(lib.loads()).toBe(2);
    const fresh = lib.grow(24);
    await cache.added(fresh);
    // The engine answering meanwhile has them already.
    expect(first.size).toBe(24);
    release();
    const second = await nextEngine(cache, first);
    expect(second.size).toBe(24);
    expect(neighbours(second, fresh[0]).length).toBe(23);
    // And it is current: no further rebuild.
    await sleep(100);
    expect(await cache.engine()).toBe(second);
    expect(lib.loads()).toBe(2);
  });

  it('a settings change wins over an addition in flight', async () => {
    const lib = fakeLibrary(40);
    let settings: Settings = defaultSettings();
    const cache = new LiveSimilarityIndex(lib.catalog, lib.results, async () => settings);
    const first = await cache.engine();
    expect(first.sourceFor()).not.toBe('features');
    const release = lib.hold('some');
    const adding = cache.added(lib.grow(24));
    await sleep(20);
    settings = { ...settings, similarity: { ...settings.similarity, source: 'features' } };
    cache.reset();
    release();
    await adding;
    // The old engine is left alone and never served again.
    expect(first.size).toBe(20);
    const second = await cache.engine();
    expect(second).not.toBe(first);
    expect(second.sourceFor()).toBe('features');
    expect(second.size).toBe(24);
    expect(lib.loads()).toBe(2);
  });

  it('adds what a real results store just wrote (LanceDB round trip)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'timbre-simcache-'));
    const db = await Database.open(dir);
    try {
      const store = await ResultsStore.open(db);
      const { input } = syntheticCatalog({
        tracks: 30,
        artists: 8,
        embeddingDim: 16,
        featureDim: 8,
        tagCount: 5,
        seed: 4,
      });
      const tagNames = input.tags!.names;
      await store.setTagNames('msd', tagNames);
      const dF = input.featureNames.length;
      const dE = input.embedding!.dim;
      const T = tagNames.length;
      const result = (i: number): TrackAnalysisResult => ({
        trackId: input.tracks[i].id,
        analysisVersion: 'v1',
        features: {
          scalars: input.scalars[i],
          vector: input.features.slice(i * dF, (i + 1) * dF),
          names: input.featureNames,
        },
        embeddings: [
          {
            model: 'msd',
            mean: input.embedding!.data.slice(i * dE, (i + 1) * dE),
            std: new Float32Array(dE),
            tags: input.tags!.data.slice(i * T, (i + 1) * T),
            patches: 4,
          },
        ],
        timings: { decodeMs: 0, featuresMs: 0, embeddingMs: 0 },
      });
      const write = (from: number, to: number) =>
        store.write(Array.from({ length: to - from }, (_, k) => result(from + k)));
      const byId = new Map(input.tracks.map((t) => [t.id, t]));
      const catalog = {
        allTracks: async () => input.tracks,
        get: async (id: string) => byId.get(id) ?? null,
      } as unknown as Catalog;
      let loads = 0;
      const loadAll = store.loadAll.bind(store);
      store.loadAll = (options) => {
        loads++;
        return loadAll(options);
      };
      const cache = new LiveSimilarityIndex(catalog, store, async () => defaultSettings());
      await write(0, 24);
      const first = await cache.engine();
      expect(first.size).toBe(24);
      await write(24, 30);
      const fresh = input.tracks.slice(24, 30).map((t) => t.id);
      await cache.added(fresh);
      expect(await cache.engine()).toBe(first);
      expect(first.size).toBe(30);
      expect(loads).toBe(1);
      // The same neighbours as a full build over what is stored (up to the statistics).
      const full = await new LiveSimilarityIndex(catalog, store, async () => defaultSettings()).engine();
      for (const id of fresh) {
        const top = neighbours(first, id, 10);
        expect(neighbours(full, id, 10).filter((n) => top.includes(n)).length).toBeGreaterThanOrEqual(7);
      }
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
