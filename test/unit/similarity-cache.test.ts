import { describe, expect, it } from 'vitest';
import type { AnalysisData, ResultsStore } from '../../src/main/analysis/results-store';
import type { Catalog } from '../../src/main/library/catalog';
import { SimilarityCache } from '../../src/main/api/similarity-cache';
import { defaultSettings } from '../../src/main/settings';
import { syntheticCatalog } from '../../src/main/similarity/synthetic';
import type { Settings, Track } from '../../src/shared/types';

/** A catalog and a results store over an in-memory synthetic library whose size can grow. */
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
  const dF = cat.input.featureNames.length;
  const dim = cat.input.embedding!.dim;
  const data = (): AnalysisData => ({
    ids: cat.input.tracks.slice(0, visible).map((t) => t.id),
    features: cat.input.features.slice(0, visible * dF),
    featureNames: cat.input.featureNames,
    scalars: cat.input.scalars.slice(0, visible),
    embedding: {
      model: 'msd',
      dim,
      data: cat.input.embedding!.data.slice(0, visible * dim),
      present: new Uint8Array(visible).fill(1),
    },
    tags: null,
  });
  const catalog = { allTracks: async (): Promise<Track[]> => cat.input.tracks } as unknown as Catalog;
  const results = {
    loadAll: async () => {
      loads++;
      return data();
    },
  } as unknown as ResultsStore;
  return {
    catalog,
    results,
    grow: () => (visible = total),
    loads: () => loads,
  };
}

describe('SimilarityCache', () => {
  it('answers from the stale engine while it rebuilds, then from the new one', async () => {
    const lib = fakeLibrary(40);
    const cache = new SimilarityCache(lib.catalog, lib.results, async () => defaultSettings());
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
    const cache = new SimilarityCache(lib.catalog, lib.results, async () => settings);
    const pending = cache.engine();
    settings = { ...settings, similarity: { ...settings.similarity, source: 'features' } };
    cache.reset();
    const engine = await pending;
    expect(engine.sourceFor()).toBe('features');
    expect(await cache.engine()).toBe(engine);
  });
});
