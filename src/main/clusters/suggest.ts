/**
 * Cluster-based suggestions: the nearest `own` rows from the seed's cluster and the nearest
 * `perOther` from each other cluster (defaults 11 and 3). Noise rows are never suggested; a seed
 * that is noise itself gets only the per-cluster picks. Variety rules (artist, album spacing) are
 * the caller's: `allow` filters candidates before they are counted.
 */
import { type Matrix, clusterCount, sqDist } from './matrix';

export interface Suggestion {
  index: number;
  label: number;
  distance: number;
}

export interface ClusterSuggestions {
  own: Suggestion[];
  /** One entry per other cluster, by label. */
  others: { label: number; items: Suggestion[] }[];
}

export interface SuggestOptions {
  own?: number;
  perOther?: number;
  allow?: (index: number) => boolean;
}

export function clusterSuggestions(
  space: Matrix,
  labels: ArrayLike<number>,
  seed: number,
  options: SuggestOptions = {},
): ClusterSuggestions {
  const { own = 11, perOther = 3, allow } = options;
  if (seed < 0 || seed >= space.n) throw new Error(`no row ${seed}`);
  if (labels.length !== space.n) throw new Error(`${labels.length} labels for ${space.n} rows`);
  const k = clusterCount(labels);
  const buckets: Suggestion[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < space.n; i++) {
    const label = labels[i];
    if (i === seed || label < 0 || (allow && !allow(i))) continue;
    buckets[label].push({
      index: i,
      label,
      distance: Math.sqrt(sqDist(space.data, seed, space.data, i, space.dim)),
    });
  }
  const seedLabel = labels[seed];
  const nearest = (list: Suggestion[], count: number) =>
    list.sort((a, b) => a.distance - b.distance || a.index - b.index).slice(0, count);
  const others: { label: number; items: Suggestion[] }[] = [];
  for (let c = 0; c < k; c++)
    if (c !== seedLabel && buckets[c].length) others.push({ label: c, items: nearest(buckets[c], perOther) });
  return { own: seedLabel >= 0 ? nearest(buckets[seedLabel], own) : [], others };
}
