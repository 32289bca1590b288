/**
 * The "features" space of imported tracks (a Spotify-style table): what their columns become
 * before clustering. Imported values are another measurement than Timbre's audio features (a
 * danceability of 0.7 there is not essentia's), so imported tracks are clustered among themselves.
 *
 * - danceability, energy, valence, acousticness, instrumentalness, speechiness, liveness, tempo,
 *   loudness and mode: each standardised over the clustered rows (z-score: minus the mean, over
 *   the standard deviation), so that BPM and dB weigh like the 0–1 columns.
 * - key (pitch class 0–11): a point on the circle of fifths (cos, sin, each times 1/√2 so the key
 *   weighs like one column): C and G are neighbours, C and F♯ opposite, B and C not far apart.
 * - a missing value (the table has no such column or the cell is empty) is the mean: 0 after
 *   standardising (it neither pulls nor pushes); a column missing everywhere is left out.
 * Duration, popularity and the like are not part of the space: they say nothing about the sound.
 */
import type { FeatureDescriptor } from './profiles';
import type { Matrix } from './matrix';
import { SOUND_COLUMNS } from '../library/feature-table';

export const IMPORTED_WORDS: FeatureDescriptor[] = [
  { name: 'danceability', high: 'danceable', low: 'free-flowing' },
  { name: 'energy', high: 'energetic', low: 'calm' },
  { name: 'valence', high: 'cheerful', low: 'sombre' },
  { name: 'acousticness', high: 'acoustic', low: 'electric' },
  { name: 'instrumentalness', high: 'instrumental', low: 'vocal' },
  { name: 'speechiness', high: 'spoken', low: 'sung' },
  { name: 'liveness', high: 'live', low: 'studio' },
  { name: 'tempo', high: 'fast', low: 'slow' },
  { name: 'loudness', high: 'loud', low: 'quiet' },
  { name: 'mode', high: 'major', low: 'minor' },
];

const KEY = SOUND_COLUMNS.findIndex((c) => c.name === 'key');

export interface ImportedSpace {
  space: Matrix;
  /** The space's column names (key as key·cos and key·sin). */
  names: string[];
  /** n × IMPORTED_WORDS.length raw values (missing: the column mean), for cluster profiles. */
  scalars: Matrix;
}

/** `values`: n × SOUND_COLUMNS.length as stored (NaN: missing). */
export function importedSpace(values: Float32Array, n: number): ImportedSpace {
  const D = SOUND_COLUMNS.length;
  const dims: ((i: number) => number)[] = [];
  const names: string[] = [];
  const scalars = new Float32Array(n * IMPORTED_WORDS.length);
  IMPORTED_WORDS.forEach((w, s) => {
    const d = SOUND_COLUMNS.findIndex((c) => c.name === w.name);
    let sum = 0;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const v = values[i * D + d];
      if (!Number.isNaN(v)) {
        sum += v;
        count++;
      }
    }
    const mean = count > 0 ? sum / count : 0;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const v = values[i * D + d];
      scalars[i * IMPORTED_WORDS.length + s] = Number.isNaN(v) ? mean : v;
      if (!Number.isNaN(v)) ss += (v - mean) ** 2;
    }
    if (count === 0) return;
    const sd = Math.sqrt(ss / count);
    names.push(w.name);
    dims.push((i) => {
      const v = values[i * D + d];
      return Number.isNaN(v) || sd === 0 ? 0 : (v - mean) / sd;
    });
  });
  let keyed = false;
  for (let i = 0; i < n && !keyed; i++) keyed = !Number.isNaN(values[i * D + KEY]);
  if (keyed) {
    // Position on the circle of fifths: 7 semitones per step.
    const angle = (i: number): number => (((values[i * D + KEY] * 7) % 12) / 12) * 2 * Math.PI;
    const half = Math.SQRT1_2;
    names.push('key·cos', 'key·sin');
    dims.push((i) => (Number.isNaN(values[i * D + KEY]) ? 0 : half * Math.cos(angle(i))));
    dims.push((i) => (Number.isNaN(values[i * D + KEY]) ? 0 : half * Math.sin(angle(i))));
  }
  const dim = Math.max(1, dims.length);
  const data = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dims.length; d++) data[i * dim + d] = dims[d](i);
  return { space: { data, n, dim }, names, scalars: { data: scalars, n, dim: IMPORTED_WORDS.length } };
}
