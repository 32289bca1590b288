/** Why two tracks are (or are not) alike, in words a listener understands. */
import { isMusicTag } from '../analysis/models/tag-kinds';
import type { ExplanationFeature, FeatureScalars } from '../../shared/types';
import { keysCompatible } from './rules';

export const TAG_THRESHOLD = 0.1;

interface Descriptor {
  name: string;
  label: string;
  unit: string;
  more: string;
  less: string;
  same: string;
  format: (v: number) => string;
}

const fmt0 = (v: number): string => Math.round(v).toLocaleString('en-US');
const fmt1 = (v: number): string => (Math.round(v * 10) / 10).toString().replace('-', '−');
const fmt2 = (v: number): string => (Math.round(v * 100) / 100).toString();

const DESCRIPTORS: Descriptor[] = [
  {
    name: 'bpm',
    label: 'Tempo',
    unit: 'BPM',
    more: 'faster',
    less: 'slower',
    same: 'both around {a} BPM',
    format: fmt0,
  },
  {
    name: 'loudness',
    label: 'Loudness',
    unit: 'LUFS',
    more: 'louder',
    less: 'quieter',
    same: 'both around {a} LUFS',
    format: fmt1,
  },
  {
    name: 'spectralCentroid',
    label: 'Brightness',
    unit: 'Hz',
    more: 'brighter',
    less: 'darker',
    same: 'similar brightness (around {a} Hz)',
    format: fmt0,
  },
  {
    name: 'danceability',
    label: 'Danceability',
    unit: '',
    more: 'more danceable',
    less: 'less danceable',
    same: 'equally danceable',
    format: fmt2,
  },
  {
    name: 'onsetRate',
    label: 'Note density',
    unit: 'onsets/s',
    more: 'busier',
    less: 'sparser',
    same: 'similar note density',
    format: fmt1,
  },
  {
    name: 'dynamicComplexity',
    label: 'Dynamics',
    unit: 'dB',
    more: 'more dynamic',
    less: 'more compressed',
    same: 'similar dynamics',
    format: fmt1,
  },
  {
    name: 'spectralFlatness',
    label: 'Noisiness',
    unit: '',
    more: 'noisier',
    less: 'more tonal',
    same: 'similar noisiness',
    format: fmt2,
  },
];

export interface ScalarSpread {
  [name: string]: number;
}

/** Standard deviation of each described scalar over the library (what "much" is measured against). */
export function scalarSpread(scalars: FeatureScalars[]): ScalarSpread {
  const out: ScalarSpread = {};
  for (const d of DESCRIPTORS) {
    let n = 0;
    let s = 0;
    let q = 0;
    for (const x of scalars) {
      const v = Number(x[d.name]);
      if (!Number.isFinite(v)) continue;
      n++;
      s += v;
      q += v * v;
    }
    const mean = n > 0 ? s / n : 0;
    const sd = n > 1 ? Math.sqrt(Math.max(0, (q - n * mean * mean) / (n - 1))) : 0;
    // A scalar that does not vary over the library says nothing about a pair: left out (NaN).
    out[d.name] = sd > 1e-9 ? sd : NaN;
  }
  return out;
}

interface Scored extends ExplanationFeature {
  /** Difference in library standard deviations. */
  z: number;
  /** How much listeners care (0 = most): breaks near-ties in what is shown first. */
  rank: number;
}

function keyName(s: FeatureScalars): string {
  return `${s.key} ${s.scale}`;
}

export function compareFeatures(a: FeatureScalars, b: FeatureScalars, spread: ScalarSpread): Scored[] {
  const out: Scored[] = [];
  for (const [rank, d] of DESCRIPTORS.entries()) {
    const va = Number(a[d.name]);
    const vb = Number(b[d.name]);
    if (!Number.isFinite(va) || !Number.isFinite(vb) || !Number.isFinite(spread[d.name])) continue;
    const z = Math.abs(va - vb) / spread[d.name];
    const unit = d.unit ? ` ${d.unit}` : '';
    let text: string;
    if (z < 0.35) text = d.same.replace('{a}', d.format((va + vb) / 2));
    else {
      const word = vb > va ? d.more : d.less;
      text = `B is ${z > 1.5 ? 'much ' : ''}${word} (${d.format(vb)} vs ${d.format(va)}${unit})`;
    }
    out.push({ name: d.name, label: d.label, a: va, b: vb, text, z, rank });
  }
  if (a.key && b.key) {
    const same = a.key === b.key && a.scale === b.scale;
    const compatible = keysCompatible(a, b);
    out.push({
      name: 'key',
      label: 'Key',
      a: keyName(a),
      b: keyName(b),
      text: same
        ? `same key: ${keyName(a)}`
        : compatible
          ? `compatible keys: ${keyName(a)} and ${keyName(b)}`
          : `different keys: ${keyName(a)} vs ${keyName(b)}`,
      z: same ? 0 : compatible ? 0.4 : 1.2,
      rank: 1,
    });
  }
  return out;
}

/** Tags above the threshold in both tracks, strongest (by the weaker of the two) first. */
export function sharedTags(
  names: string[],
  ta: Float32Array,
  tb: Float32Array,
  threshold = TAG_THRESHOLD,
  max = 5,
): string[] {
  const shared: { tag: string; s: number }[] = [];
  for (let t = 0; t < names.length; t++) {
    const s = Math.min(ta[t], tb[t]);
    // Only what a listener calls music: genres, moods, instruments (never "Music" or "Speech").
    if (s >= threshold && isMusicTag(names[t], names)) shared.push({ tag: names[t], s });
  }
  shared.sort((x, y) => y.s - x.s);
  return shared.slice(0, max).map((x) => x.tag);
}

/** Words for a pair's percentile among the library's pairs (see calibration.ts). */
export function describePercentile(percentile: number): string {
  if (percentile >= 97) return 'Very similar';
  if (percentile >= 85) return 'Similar';
  if (percentile >= 60) return 'Somewhat similar';
  return 'Not much alike';
}

export function describeScore(score: number, hubReduced: boolean): string {
  // Mutual proximity is a probability; cosine in a normalised space is lower for the same closeness.
  const s = hubReduced ? score : (score + 1) / 2;
  if (s >= 0.9) return 'Very similar';
  if (s >= 0.75) return 'Similar';
  if (s >= 0.55) return 'Somewhat similar';
  return 'Not much alike';
}

export function explainPair(
  a: FeatureScalars,
  b: FeatureScalars,
  spread: ScalarSpread,
  tags: string[],
  score: number,
  hubReduced: boolean,
  /** The pair's percentile among the library's pairs: the summary then speaks of it. */
  percentile?: number,
): { summary: string; closest: ExplanationFeature[]; mostDifferent: ExplanationFeature[] } {
  const compared = compareFeatures(a, b, spread);
  const strip = ({ z: _z, rank: _r, ...f }: Scored): ExplanationFeature => f;
  const closest = compared
    .filter((f) => f.z < 0.5)
    .sort((x, y) => x.z + 0.05 * x.rank - (y.z + 0.05 * y.rank))
    .slice(0, 3);
  const mostDifferent = compared
    .filter((f) => f.z >= 0.5)
    .sort((x, y) => y.z - x.z)
    .slice(0, 3);
  const parts: string[] = [];
  if (closest.length) parts.push(closest.map((f) => f.text).join(', '));
  if (tags.length) parts.push(`shared tags: ${tags.slice(0, 3).join(', ')}`);
  let summary =
    percentile === undefined
      ? `${describeScore(score, hubReduced)} (${score.toFixed(2)})`
      : `${describePercentile(percentile)} (closer than ${Math.floor(percentile)} % of track pairs in the library)`;
  if (parts.length) summary += `: ${parts.join('; ')}`;
  if (mostDifferent.length) summary += `. Biggest difference: ${mostDifferent[0].text}`;
  summary += '.';
  return { summary, closest: closest.map(strip), mostDifferent: mostDifferent.map(strip) };
}
