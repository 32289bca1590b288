/**
 * The engine over a real home: the fixture library scanned into a LanceDB catalog, analysis
 * results written through the real ResultsStore (vectors made up here, the storage path real),
 * then loaded back with loadSimilarityInput.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResultsStore } from '../../../src/main/analysis/results-store';
import type { TrackAnalysisResult } from '../../../src/main/analysis/types';
import { Catalog } from '../../../src/main/library/catalog';
import { SimilarityEngine } from '../../../src/main/similarity/engine';
import { loadSimilarityInput } from '../../../src/main/similarity/load';
import { makeScalars } from '../../helpers/synthetic';
import { rng } from '../../../src/main/similarity/vectors';
import type { Track } from '../../../src/shared/types';
import { fixtureLibraryDir } from '../../helpers/shared';

let home: string;
let catalog: Catalog;
let results: ResultsStore;
let tracks: Track[];
const TAGS = ['rock', 'electronic', 'ambient', 'metal'];

function result(t: Track, i: number, withEmbedding: boolean): TrackAnalysisResult {
  const r = rng(i + 1);
  const vector = Float32Array.from({ length: 6 }, () => r());
  const mean = Float32Array.from({ length: 8 }, () => r());
  return {
    trackId: t.id,
    analysisVersion: 'test-1',
    features: {
      scalars: makeScalars({ bpm: 100 + i * 5, loudness: -20 + i }),
      vector,
      names: ['a', 'b', 'c', 'd', 'e', 'f'],
    },
    embeddings: withEmbedding
      ? [
          {
            model: 'msd',
            mean,
            std: new Float32Array(8),
            tags: Float32Array.from([0.5, 0.2, 0.3, 0.01]),
            patches: 3,
          },
        ]
      : [],
    timings: { decodeMs: 0, featuresMs: 0, embeddingMs: 0 },
  };
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'timbre-similarity-'));
  catalog = await Catalog.open(home);
  await catalog.scan([fixtureLibraryDir]);
  tracks = await catalog.allTracks();
  results = await ResultsStore.open(catalog.db);
  await results.setTagNames('msd', TAGS);
  // Every track but the first is analysed; the second has no embedding.
  await results.write(tracks.slice(1).map((t, j) => result(t, j + 1, j !== 0)));
  await results.flushed();
});

afterAll(async () => {
  await catalog?.close();
  rmSync(home, { recursive: true, force: true });
});

describe('loadSimilarityInput over a real home', () => {
  it('joins tracks and stored vectors by id and feeds the engine', async () => {
    expect(tracks.length).toBeGreaterThan(4);
    const input = await loadSimilarityInput(catalog, results);
    expect(input.tracks.length).toBe(tracks.length - 1);
    expect(input.tracks.some((t) => t.id === tracks[0].id)).toBe(false);
    expect(input.featureNames).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(input.embedding?.dim).toBe(8);
    expect(input.tags?.names).toEqual(TAGS);
    // Rows line up with the tracks: check one against what was written.
    const j = input.tracks.findIndex((t) => t.id === tracks[3].id);
    const written = result(tracks[3], 3, true);
    expect(Array.from(input.features.subarray(j * 6, j * 6 + 6))).toEqual(
      Array.from(written.features.vector),
    );
    expect(Array.from(input.embedding!.data.subarray(j * 8, j * 8 + 8))).toEqual(
      Array.from(written.embeddings[0].mean),
    );
    expect(input.scalars[j].bpm).toBe(115);
    // The track without an embedding has a zero row.
    const k = input.tracks.findIndex((t) => t.id === tracks[1].id);
    expect(input.embedding!.data.subarray(k * 8, k * 8 + 8).every((v) => v === 0)).toBe(true);

    const engine = SimilarityEngine.build(input, { similarity: { source: 'blend' } });
    const res = engine.similar({ seed: { kind: 'track', id: tracks[3].id }, k: 3 });
    expect(res.results.length).toBe(3);
    expect(res.source).toBe('blend');
    const x = engine.explain(tracks[3].id, tracks[4].id);
    expect(x.sharedTags).toEqual(['rock', 'ambient', 'electronic']);
    expect(x.summary.length).toBeGreaterThan(10);
    const q = engine.queue({ seed: { kind: 'track', id: tracks[1].id }, length: 3 });
    expect(q.tracks.length).toBeGreaterThan(0);
  });
});
