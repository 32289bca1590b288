/**
 * Which model's embeddings answer "play similar" while the library is (re-)analysed.
 *
 * The model the settings ask for answers once it covers the library as well as any other model
 * does (tracks it failed on count as covered: they cannot get better). Until then the model that
 * covers most keeps answering, so switching models never leaves the library without answers, and
 * switching back to a model whose results are stored answers at once.
 */
import type { ModelCoverage } from '../analysis/results-store';

export interface ModelChoice {
  /** The model whose embeddings answer (null: features only). */
  model: string | null;
  /** The model the settings ask for (null: none, features only). */
  target: string | null;
  /** Tracks with a usable embedding of the target model. */
  targetEmbedded: number;
  /** Whether the answering model is another one, kept while the target catches up. */
  interim: boolean;
}

/**
 * @param coverage per-model coverage of the present tracks
 * @param target the model id of the settings, or null/'none' for features only
 */
export function chooseAnsweringModel(coverage: readonly ModelCoverage[], target: string | null): ModelChoice {
  const wanted = target === null || target === 'none' ? null : target;
  const own = wanted ? coverage.find((c) => c.model === wanted) : undefined;
  const targetEmbedded = own?.embedded ?? 0;
  if (wanted === null) return { model: null, target: null, targetEmbedded: 0, interim: false };
  let best: ModelCoverage | null = null;
  for (const c of coverage) {
    if (c.model === wanted || c.embedded === 0) continue;
    // Most tracks first; a tie goes to the name (the same answer whatever the storage order).
    if (!best || c.embedded > best.embedded || (c.embedded === best.embedded && c.model < best.model))
      best = c;
  }
  if (own && own.embedded > 0 && (!best || own.embedded + own.failed >= best.embedded)) {
    return { model: wanted, target: wanted, targetEmbedded, interim: false };
  }
  if (best) return { model: best.model, target: wanted, targetEmbedded, interim: true };
  return { model: null, target: wanted, targetEmbedded, interim: false };
}
