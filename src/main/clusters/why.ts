/** Why a track is in its cluster of a described run: the features that put it there, largest first. */
import { ApiError } from '../../shared/contract';
import type { ClusterMembershipWhy } from '../../shared/types';
import type { Described } from './describe';
import { explainMembership } from './profiles';

/** How many reasons an answer gives at most. */
const REASONS = 6;

export function membershipWhy(d: Described, trackId: string): ClusterMembershipWhy {
  const row = d.explain.rowOf.get(trackId);
  if (row === undefined) {
    throw new ApiError(
      'not_found',
      `Track ${trackId} is not in the active clustering run (not analysed when it ran, or gone).`,
    );
  }
  const e = explainMembership(d.explain.features, d.explain.labels, row);
  const name = e.label >= 0 ? (d.list.clusters.find((c) => c.id === e.label)?.name ?? null) : null;
  return {
    runId: d.run.id,
    trackId,
    clusterId: e.label,
    clusterName: name,
    score: e.score,
    reasons: e.contributions
      .filter((c) => c.contribution > 0)
      .slice(0, REASONS)
      .map((c) => ({ feature: c.feature, phrase: c.phrase, contribution: c.contribution })),
  };
}
