/**
 * The analysis version: a track is re-analysed when the version its stored results were made with
 * differs from the current one. It changes with the feature extractor (FEATURES_VERSION), the
 * embedding model (id and content hash), the patch-sampling setting and the model's window length
 * (both change the mean embedding), and with nothing else.
 */

export interface AnalysisVersionParts {
  featuresVersion: string | number;
  /** The embedding model, or null when analysing features only. */
  model: { id: string; hash: string } | null;
  /** Patches per track for the embedding (0 = every patch); ignored without a model. */
  patches: number;
  /**
   * Seconds per window of a windowed model whose window is not its training clip (10 s: versions
   * made before windows grew longer carry no mark); ignored without a model.
   */
  windowSeconds?: number;
}

/**
 * Short, stable and readable: `f3+msd@1a2b3c4d5e6f+p8`, `f3+mn04@…+p1w120` (120-s windows), or
 * `f3+none` for features only.
 */
export function analysisVersion(parts: AnalysisVersionParts): string {
  const features = `f${String(parts.featuresVersion)}`;
  if (!parts.model) return `${features}+none`;
  const hash = parts.model.hash.replace(/[^0-9a-zA-Z]/g, '').slice(0, 12) || 'nohash';
  const patches = parts.patches > 0 ? `p${Math.floor(parts.patches)}` : 'pall';
  const w = parts.windowSeconds;
  const window = w !== undefined && w !== 10 ? `w${w}` : '';
  return `${features}+${parts.model.id}@${hash}+${patches}${window}`;
}

/** The model id a version string was made with (null for features only or an unknown format). */
export function modelOfVersion(version: string): string | null {
  const m = /^f[^+]*\+([^@+]+)@/.exec(version);
  return m ? m[1] : null;
}

/**
 * The features part of a version (`f3` of `f3+msd@…+p8`): results of several models made at the
 * same features version share one feature vector, so each model's embedding stays usable beside
 * the features another model's run wrote. A version without `+` is its own features part.
 */
export function featuresPartOf(version: string): string {
  const plus = version.indexOf('+');
  return plus < 0 ? version : version.slice(0, plus);
}
