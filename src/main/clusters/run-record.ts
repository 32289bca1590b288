/**
 * What a finished clustering run stores: its members (label, strength, both maps), the winner's
 * scores, every candidate the search scored and the fingerprint staleness is judged by. Scores
 * that are not finite (a metric undefined for one cluster) are stored as null: JSON has no NaN.
 */
import type { ClusterCandidateScores } from '../../shared/types';
import { packageVersion } from '../project-root';
import type { ClusteringInput } from './input';
import type { ClusterOutcome } from './pipeline';
import type { MemberRow, NewRun } from './run-store';
import { inputFingerprint } from './staleness';
import type { Candidate } from './tune';

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

function candidateScores(c: Candidate): ClusterCandidateScores {
  return {
    algorithm: c.algorithm,
    params: { ...c.params },
    silhouette: finite(c.scores.silhouette),
    daviesBouldin: finite(c.scores.daviesBouldin),
    calinskiHarabasz: finite(c.scores.calinskiHarabasz),
    clusters: c.scores.clusters,
    noiseShare: c.scores.noiseShare,
    adjustedSilhouette: finite(c.adjustedSilhouette),
    ...(c.partition
      ? {
          partition: {
            daviesBouldin: finite(c.partition.daviesBouldin),
            calinskiHarabasz: finite(c.partition.calinskiHarabasz),
          },
        }
      : {}),
    eligible: c.eligible,
    ...(c.reason !== undefined ? { reason: c.reason } : {}),
    ...(c.meanRank !== undefined ? { meanRank: c.meanRank } : {}),
    ...(c.seconds !== undefined ? { seconds: c.seconds } : {}),
  };
}

/** The run to store for `outcome` of clustering `input` (asked in `space`, over `subset`). */
export function newRun(
  input: ClusteringInput,
  outcome: ClusterOutcome,
  asked: { space: string; subset: string; seconds: number },
): NewRun {
  const { clustering, scores } = outcome;
  const pcaMap = outcome.pcaCoordinates;
  const members: MemberRow[] = input.tracks.map((t, i) => ({
    trackId: t.id,
    label: clustering.labels[i],
    strength: clustering.strengths[i],
    x: outcome.coordinates[2 * i] ?? 0,
    y: outcome.coordinates[2 * i + 1] ?? 0,
    px: pcaMap[2 * i],
    py: pcaMap[2 * i + 1],
  }));
  return {
    algorithm: clustering.algorithm,
    params: { ...clustering.params },
    space: `${asked.space}:${input.source}`,
    reduce: outcome.reduce,
    metrics: {
      scores: {
        silhouette: finite(scores.silhouette),
        daviesBouldin: finite(scores.daviesBouldin),
        calinskiHarabasz: finite(scores.calinskiHarabasz),
        clusters: scores.clusters,
        noiseShare: scores.noiseShare,
        silhouetteRows: scores.silhouetteRows,
      },
      ...(outcome.rule ? { rule: outcome.rule } : {}),
      candidates: outcome.candidates.map(candidateScores),
      timings: outcome.timings,
    },
    seconds: asked.seconds,
    libraryVersion: packageVersion(),
    fingerprint: inputFingerprint(input),
    trackCount: input.tracks.length,
    subset: asked.subset,
    members,
  };
}
