/**
 * The similarity defaults a fresh install answers with: one source of truth for the engine
 * (corpus.ts) and the settings file (home/settings.ts), so the two cannot drift apart.
 *
 * Chosen on the dev corpus with the EfficientAT mn04 default model (bench/quality.ts;
 * docs/similarity.md, "Quality"): the embedding alone (magnitudes compressed, centred) with mutual
 * proximity. With the compression the audio features no longer add anything at any weight
 * (0.95 / 0.05 and 0.9 / 0.1 score a little lower), and leaving one source out and choosing on
 * the others picked the embedding in 4 of 5 folds (style) and 5 of 7 (family). The blend weights
 * below are what "Blend of both" uses when a listener picks it.
 */
import type { Settings } from '../../shared/types';

export const DEFAULT_SIMILARITY: Readonly<Settings['similarity']> = Object.freeze({
  source: 'embedding',
  embeddingWeight: 0.9,
  featureWeight: 0.1,
  hubnessReduction: true,
});
