/**
 * The analysis scalars a cluster profile describes, in listener words ("fast" for a high tempo,
 * "slow" for a low one), and their table as a matrix.
 */
import type { FeatureScalars } from '../../shared/types';
import type { Matrix } from './matrix';
import type { FeatureDescriptor } from './profiles';

export const SCALAR_WORDS: FeatureDescriptor[] = [
  { name: 'bpm', high: 'fast', low: 'slow' },
  { name: 'danceability', high: 'danceable', low: 'free-flowing' },
  { name: 'onsetRate', high: 'busy', low: 'sparse' },
  { name: 'loudness', high: 'loud', low: 'quiet' },
  { name: 'loudnessRange', high: 'wide dynamics', low: 'even level' },
  { name: 'dynamicComplexity', high: 'dynamic', low: 'steady' },
  { name: 'spectralCentroid', high: 'bright', low: 'dark' },
  { name: 'spectralFlux', high: 'restless', low: 'smooth' },
  { name: 'spectralFlatness', high: 'noisy', low: 'tonal' },
  { name: 'zeroCrossingRate', high: 'hissy', low: 'mellow' },
];

/** n × SCALAR_WORDS.length; a missing or non-numeric value reads as 0. */
export function scalarTable(scalars: FeatureScalars[]): Matrix {
  const dim = SCALAR_WORDS.length;
  const data = new Float32Array(scalars.length * dim);
  scalars.forEach((s, i) =>
    SCALAR_WORDS.forEach((w, d) => {
      const v = s[w.name];
      data[i * dim + d] = typeof v === 'number' && Number.isFinite(v) ? v : 0;
    }),
  );
  return { data, n: scalars.length, dim };
}
