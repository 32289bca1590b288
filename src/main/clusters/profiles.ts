/**
 * What a clustering means, as pure functions of matrices and labels: per cluster its size,
 * representative tracks, top tags, the features that most set it apart, a short name and its
 * cohesion; and why one track is in its cluster.
 *
 * Distinctiveness is the standardised mean difference against the whole library,
 * d = (mean in cluster − library mean) / library standard deviation.
 * The "why" surrogate is a linear one-cluster-versus-library score with diagonal-LDA weights,
 * w_f = (cluster mean − library mean) / library variance; a track's contribution from feature f is
 * exactly w_f × (value − library mean), and the contributions sum to its score.
 */
import { type Matrix, centroids, clusterCount, sqDist } from './matrix';

/** A feature as listeners say it: "fast" for a high tempo, "slow" for a low one. */
export interface FeatureDescriptor {
  name: string;
  high: string;
  low: string;
}

export interface FeatureTable {
  /** n × features, raw values (any units). */
  values: Matrix;
  descriptors: FeatureDescriptor[];
}

export interface TagTable {
  /** n × tags, probabilities in [0, 1]. */
  probabilities: Matrix;
  names: string[];
}

export interface ProfileInput {
  /** The space the clustering ran in (representatives and cohesion are measured there). */
  space: Matrix;
  labels: ArrayLike<number>;
  features?: FeatureTable;
  tags?: TagTable;
}

export interface DistinctiveFeature {
  feature: string;
  /** Standardised mean difference against the library. */
  effect: number;
  word: string;
  clusterMean: number;
  libraryMean: number;
}

export interface TagScore {
  tag: string;
  /** Mean probability in the cluster. */
  score: number;
  /** Mean probability in the cluster over mean probability in the library. */
  lift: number;
}

export interface ClusterProfile {
  label: number;
  size: number;
  /** Row minimising the summed distance to the other members (searched among the most central). */
  medoid: number;
  /** Rows nearest the centroid, nearest first. */
  nearest: number[];
  topTags: TagScore[];
  distinctive: DistinctiveFeature[];
  name: string;
  /** 1 − (mean distance of members to their centroid) / (mean distance of all rows to the library centroid); 1 is a point. */
  cohesion: number;
}

export interface ProfileOptions {
  representatives?: number;
  tags?: number;
  features?: number;
  /** |effect| a feature needs to be named. */
  nameThreshold?: number;
}

function columnStats(m: Matrix): { mean: Float64Array; sd: Float64Array } {
  const { n, dim, data } = m;
  const mean = new Float64Array(dim);
  const sd = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mean[d] += data[i * dim + d];
  for (let d = 0; d < dim; d++) mean[d] /= Math.max(1, n);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dim; d++) {
      const e = data[i * dim + d] - mean[d];
      sd[d] += e * e;
    }
  }
  for (let d = 0; d < dim; d++) sd[d] = Math.sqrt(sd[d] / Math.max(1, n));
  return { mean, sd };
}

/** Per-cluster means of a table (k × columns). */
function clusterMeans(m: Matrix, labels: ArrayLike<number>, k: number): Float64Array {
  return centroids(m, labels, k).centres;
}

export function profileClusters(input: ProfileInput, options: ProfileOptions = {}): ClusterProfile[] {
  const { space, labels } = input;
  const {
    representatives = 5,
    tags: tagCount = 5,
    features: featureCount = 5,
    nameThreshold = 0.5,
  } = options;
  if (labels.length !== space.n) throw new Error(`${labels.length} labels for ${space.n} rows`);
  const k = clusterCount(labels);
  const { centres, counts } = centroids(space, labels, k);
  const c32 = Float32Array.from(centres);
  const members: number[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < space.n; i++) if (labels[i] >= 0) members[labels[i]].push(i);

  // Library spread in the clustering space, for cohesion.
  const libraryCentre = Float32Array.from(columnStats(space).mean);
  let librarySpread = 0;
  for (let i = 0; i < space.n; i++)
    librarySpread += Math.sqrt(sqDist(space.data, i, libraryCentre, 0, space.dim));
  librarySpread /= Math.max(1, space.n);

  const featureStats = input.features ? columnStats(input.features.values) : undefined;
  const featureMeans = input.features ? clusterMeans(input.features.values, labels, k) : undefined;
  const tagLibrary = input.tags ? columnStats(input.tags.probabilities).mean : undefined;
  const tagMeans = input.tags ? clusterMeans(input.tags.probabilities, labels, k) : undefined;

  const profiles: ClusterProfile[] = [];
  for (let c = 0; c < k; c++) {
    const rows = members[c];
    const byCentre = rows
      .map((i) => ({ i, d: sqDist(space.data, i, c32, c, space.dim) }))
      .sort((a, b) => a.d - b.d || a.i - b.i);
    const meanToCentre = byCentre.reduce((s, x) => s + Math.sqrt(x.d), 0) / Math.max(1, rows.length);
    // Medoid among the 100 most central members, against up to 2,000 members (evenly spaced).
    const pool = byCentre.slice(0, 100).map((x) => x.i);
    const step = Math.max(1, Math.floor(rows.length / 2000));
    let medoid = pool[0] ?? -1;
    let medoidCost = Infinity;
    for (const p of pool) {
      let cost = 0;
      for (let t = 0; t < rows.length; t += step)
        cost += Math.sqrt(sqDist(space.data, p, space.data, rows[t], space.dim));
      if (cost < medoidCost) [medoidCost, medoid] = [cost, p];
    }

    const distinctive: DistinctiveFeature[] = [];
    if (input.features && featureStats && featureMeans) {
      const f = input.features.values.dim;
      for (let d = 0; d < f; d++) {
        const sd = featureStats.sd[d];
        const clusterMean = featureMeans[c * f + d];
        const effect = sd > 0 ? (clusterMean - featureStats.mean[d]) / sd : 0;
        const descriptor = input.features.descriptors[d];
        distinctive.push({
          feature: descriptor.name,
          effect,
          word: effect >= 0 ? descriptor.high : descriptor.low,
          clusterMean,
          libraryMean: featureStats.mean[d],
        });
      }
      distinctive.sort(
        (a, b) => Math.abs(b.effect) - Math.abs(a.effect) || a.feature.localeCompare(b.feature),
      );
    }

    const topTags: TagScore[] = [];
    if (input.tags && tagMeans && tagLibrary) {
      const t = input.tags.names.length;
      for (let d = 0; d < t; d++) {
        const score = tagMeans[c * t + d];
        topTags.push({
          tag: input.tags.names[d],
          score,
          lift: tagLibrary[d] > 0 ? score / tagLibrary[d] : 0,
        });
      }
      topTags.sort((a, b) => b.score - a.score || a.tag.localeCompare(b.tag));
    }

    profiles.push({
      label: c,
      size: counts[c],
      medoid,
      nearest: byCentre.slice(0, representatives).map((x) => x.i),
      topTags: topTags.slice(0, tagCount),
      distinctive: distinctive.slice(0, featureCount),
      name: '',
      cohesion: librarySpread > 0 ? 1 - meanToCentre / librarySpread : 1,
    });
    let words = distinctive
      .filter((x) => Math.abs(x.effect) >= nameThreshold)
      .slice(0, 2)
      .map((x) => x.word);
    // A big cluster sits near the library's mean on every feature: name it by what it leans
    // towards (its clearest differences, at half the threshold) rather than by a number.
    const leaning = distinctive.filter((x) => Math.abs(x.effect) >= nameThreshold / 2).slice(0, 2);
    if (words.length === 0 && leaning.length > 0) {
      words = [`leaning ${leaning.map((x) => x.word).join(' · ')}`];
    }
    // The tag that most marks the cluster among its five most likely.
    const tag = [...topTags.slice(0, 5)].sort((a, b) => b.lift - a.lift)[0];
    if (tag && tag.lift > 1) words.push(tag.tag);
    profiles[c].name = words.length ? words.join(' · ') : `cluster ${c + 1}`;
  }
  // Equal names get a number so that every card can be told apart.
  const seen = new Map<string, number>();
  for (const p of profiles) {
    const times = (seen.get(p.name) ?? 0) + 1;
    seen.set(p.name, times);
    if (times > 1) p.name = `${p.name} (${times})`;
  }
  return profiles;
}

export interface Contribution {
  feature: string;
  value: number;
  libraryMean: number;
  weight: number;
  /** weight × (value − library mean). */
  contribution: number;
  /** In listener words: "fast (bpm 140 against 118 in the library)". */
  phrase: string;
}

export interface Explanation {
  label: number;
  /** Σ contributions: the surrogate's score for this track belonging to its cluster. */
  score: number;
  contributions: Contribution[];
}

const formatNumber = (x: number): string =>
  Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(1) : x.toFixed(2);

/** Why row `track` is in its cluster, feature by feature, largest contributions first. */
export function explainMembership(
  features: FeatureTable,
  labels: ArrayLike<number>,
  track: number,
): Explanation {
  const { values, descriptors } = features;
  if (track < 0 || track >= values.n) throw new Error(`no row ${track}`);
  const label = labels[track];
  if (label < 0) return { label, score: 0, contributions: [] };
  const k = clusterCount(labels);
  const { mean, sd } = columnStats(values);
  const means = clusterMeans(values, labels, k);
  const f = values.dim;
  const contributions: Contribution[] = [];
  let score = 0;
  for (let d = 0; d < f; d++) {
    const variance = sd[d] * sd[d];
    const weight = variance > 0 ? (means[label * f + d] - mean[d]) / variance : 0;
    const value = values.data[track * f + d];
    const contribution = weight * (value - mean[d]);
    score += contribution;
    const descriptor = descriptors[d];
    const word = value >= mean[d] ? descriptor.high : descriptor.low;
    contributions.push({
      feature: descriptor.name,
      value,
      libraryMean: mean[d],
      weight,
      contribution,
      phrase: `${word} (${descriptor.name} ${formatNumber(value)} against ${formatNumber(mean[d])} in the library)`,
    });
  }
  contributions.sort(
    (a, b) => Math.abs(b.contribution) - Math.abs(a.contribution) || a.feature.localeCompare(b.feature),
  );
  return { label, score, contributions };
}
