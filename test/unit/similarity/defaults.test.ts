import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../../../src/main/home/settings';
import { resolveEngineConfig } from '../../../src/main/similarity/engine-config';
import { SimilarityEngine, type EngineConfig } from '../../../src/main/similarity/engine';
import { rng } from '../../../src/main/similarity/vectors';
import { syntheticCatalog } from '../../helpers/synthetic';

describe('similarity defaults', () => {
  it('a fresh settings file and the engine answer with the same defaults', () => {
    const { settings } = resolveEngineConfig({});
    const fresh = defaultSettings().similarity;
    expect({
      source: settings.source,
      embeddingWeight: settings.embeddingWeight,
      featureWeight: settings.featureWeight,
      hubnessReduction: settings.hubnessReduction,
    }).toEqual(fresh);
    // An engine built from a fresh settings file is the engine's default one.
    expect(resolveEngineConfig({ similarity: fresh }).settings).toEqual(settings);
  });

  it('are the measured choice: blend 0.9 / 0.1 with mutual proximity (re-measure with bench/quality.ts before changing)', () => {
    const { settings } = resolveEngineConfig({});
    expect(settings.source).toBe('blend');
    expect(settings.embeddingWeight / (settings.embeddingWeight + settings.featureWeight)).toBeCloseTo(
      0.9,
      6,
    );
    expect(settings.hubnessReduction).toBe(true);
    expect(settings.centerEmbedding).toBe(true);
  });

  it('uninformative audio features cannot drown a good embedding in the default blend', () => {
    // The embedding carries the style structure; the features are replaced by noise (what
    // features that say little about style look like to the ranking).
    const { input, style } = syntheticCatalog({
      tracks: 600,
      embeddingDim: 64,
      featureDim: 24,
      styles: 12,
      spread: [0.6, 0.5, 0.3, 1.2],
      seed: 3,
    });
    const random = rng(11);
    const noisy = { ...input, features: Float32Array.from(input.features, () => random() - 0.5) };
    const p10 = (config: EngineConfig, source?: 'embedding' | 'blend'): number => {
      const engine = SimilarityEngine.build(noisy, config);
      const row = new Map(noisy.tracks.map((t, i) => [t.id, i]));
      let hits = 0;
      let total = 0;
      for (let q = 0; q < noisy.tracks.length; q += 5) {
        const res = engine.similar({ seed: { kind: 'track', id: noisy.tracks[q].id }, k: 10, source });
        for (const r of res.results) hits += style[row.get(r.track.id) as number] === style[q] ? 1 : 0;
        total += res.results.length;
      }
      return hits / total;
    };
    const embeddingAlone = p10({}, 'embedding');
    const byDefault = p10({});
    const oldDefault = p10({ similarity: { embeddingWeight: 0.6, featureWeight: 0.4 } });
    expect(byDefault).toBeGreaterThan(embeddingAlone - 0.03);
    expect(byDefault).toBeGreaterThan(oldDefault + 0.05);
  });
});
