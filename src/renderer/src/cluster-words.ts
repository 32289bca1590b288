/**
 * A clustering run's figures in plain words, for people who do not read silhouettes: how well the
 * clusters separate, how compact they are, how much is left out, and what a run is (algorithm,
 * space). The thresholds are the usual reading of each index.
 */
import type { ClusterRun } from '../../shared/types';

const ALGORITHM_WORDS: Record<string, string> = {
  kmeans: 'k-means',
  gmm: 'Gaussian mixture',
  hdbscan: 'HDBSCAN',
  dbscan: 'DBSCAN',
  agglomerative: 'agglomerative (Ward)',
};

export const algorithmWords = (a: string): string => ALGORITHM_WORDS[a] ?? a;

const SPACE_WORDS: Record<string, string> = {
  default: 'the similarity setting',
  embedding: 'the sound embedding',
  features: 'the audio features',
  blend: 'embedding and features blended',
};

/** "default:blend" → "the similarity setting (embedding and features blended)". */
export function spaceWords(space: string): string {
  const [asked, resolved] = space.split(':');
  const a = SPACE_WORDS[asked] ?? asked;
  return resolved && resolved !== asked ? `${a} (${SPACE_WORDS[resolved] ?? resolved})` : a;
}

/** Silhouette in words: −1…1, above 0.5 strong structure, 0.25–0.5 reasonable, below weak. */
export function silhouetteWords(s: number): string {
  const v = s.toFixed(2);
  if (s >= 0.5) return `clusters are clearly separated (silhouette ${v})`;
  if (s >= 0.25) return `clusters are well separated (silhouette ${v})`;
  if (s >= 0.1) return `clusters overlap somewhat (silhouette ${v})`;
  return `clusters overlap a lot; the library may not fall into distinct groups (silhouette ${v})`;
}

/** Davies–Bouldin: 0 is best; below ~1 means clusters are compact relative to their distances. */
export function daviesBouldinWords(db: number): string {
  const v = db.toFixed(2);
  if (db < 0.7) return `each cluster is tight compared with the distance to the next (Davies–Bouldin ${v})`;
  if (db < 1.5) return `clusters are fairly compact (Davies–Bouldin ${v})`;
  return `clusters are loose and spread into each other (Davies–Bouldin ${v})`;
}

/** The run's metrics as short sentences, best known first. */
export function metricsInWords(run: ClusterRun): string[] {
  const sc = run.metrics.scores;
  if (!sc) return ['No quality figures were stored with this run.'];
  const out: string[] = [];
  if (sc.silhouette !== null) out.push(silhouetteWords(sc.silhouette));
  if (sc.daviesBouldin !== null) out.push(daviesBouldinWords(sc.daviesBouldin));
  if (sc.noiseShare > 0) {
    const pct = Math.round(sc.noiseShare * 100);
    out.push(`${pct} % of the tracks fit no cluster well and are left out (shown grey on the map)`);
  }
  if (sc.calinskiHarabasz !== null)
    out.push(
      `variance between clusters against within them: ${sc.calinskiHarabasz.toFixed(0)} (Calinski–Harabasz; higher is better, compare runs of this library only)`,
    );
  // Capitalise the first letter of each sentence.
  return out.map((s) => s.charAt(0).toUpperCase() + s.slice(1) + '.');
}

/** "HDBSCAN (min cluster size 5) on the sound embedding, 1,234 tracks, 3.2 s". */
export function runSummary(run: ClusterRun, nf: Intl.NumberFormat): string {
  const params = Object.entries(run.params)
    .filter(([k]) => k !== 'seed')
    .map(([k, v]) => `${k.replace(/([A-Z])/g, ' $1').toLowerCase()} ${String(v)}`)
    .join(', ');
  return `${algorithmWords(run.algorithm)}${params ? ` (${params})` : ''} on ${spaceWords(run.space)}, ${nf.format(run.trackCount)} tracks, ${run.seconds.toFixed(1)} s`;
}
