/**
 * A stored run described for the screens and the similarity engine: each cluster's profile (name,
 * top tags, distinctive features, representatives, members), the tracks in no cluster, and whether
 * the run is stale. Profiles are measured on the tracks of the run that are still there, in its space.
 */
import type { ClusterInfo, ClusterList, ClusterRun, ClusterRunRecord } from '../../shared/types';
import { pickRows, rowsById, vectorsAt, type ClusteringInput } from './input';
import { profileClusters, type FeatureTable } from './profiles';
import type { MemberRow } from './run-store';
import { isStale } from './staleness';

export interface Described {
  run: ClusterRun;
  members: MemberRow[];
  list: ClusterList;
  info: ClusterInfo[];
  /** The run's tracks still there, with their features and labels: what `why` explains from. */
  explain: { features: FeatureTable; labels: Int32Array; rowOf: Map<string, number> };
}

/** The run with its stored `members`, described over `input` (the tracks of its space now). */
export function describeRun(run: ClusterRunRecord, members: MemberRow[], input: ClusteringInput): Described {
  const active: ClusterRun = { ...run, stale: isStale(run, input, members) };
  const rowOf = rowsById(input);
  const kept = members.filter((mr) => rowOf.has(mr.trackId));
  const rows = kept.map((mr) => rowOf.get(mr.trackId) as number);
  const labels = Int32Array.from(kept.map((mr) => mr.label));
  const fv = input.features.values;
  const tagDim = input.tags?.names.length ?? 0;
  const features: FeatureTable = {
    values: { data: pickRows(fv.data, fv.dim, rows), n: rows.length, dim: fv.dim },
    descriptors: input.features.descriptors,
  };
  const profiles =
    rows.length > 0 && labels.some((l) => l >= 0)
      ? profileClusters({
          space: vectorsAt(input, rows),
          labels,
          features,
          ...(input.tags && tagDim > 0
            ? {
                tags: {
                  probabilities: {
                    data: pickRows(input.tags.data, tagDim, rows),
                    n: rows.length,
                    dim: tagDim,
                  },
                  names: input.tags.names,
                },
              }
            : {}),
        })
      : [];
  const track = (j: number) => input.tracks[rows[j]];
  const clusters = profiles.map((p) => {
    const reps = [p.medoid, ...p.nearest.filter((r) => r !== p.medoid)].slice(0, 5);
    return {
      id: p.label,
      size: p.size,
      name: p.name,
      topTags: p.topTags.map((t) => ({ tag: t.tag, score: t.score, lift: t.lift })),
      distinctive: p.distinctive.map((d) => ({ feature: d.feature, effect: d.effect, word: d.word })),
      cohesion: p.cohesion,
      representatives: reps.map((j) => ({
        id: track(j).id,
        title: track(j).title,
        artist: track(j).artist,
      })),
      trackIds: kept.filter((mr) => mr.label === p.label).map((mr) => mr.trackId),
    };
  });
  const list: ClusterList = {
    run: active,
    clusters,
    noiseIds: kept.filter((mr) => mr.label < 0).map((mr) => mr.trackId),
  };
  const info: ClusterInfo[] = clusters.map((c) => ({
    id: c.id,
    label: c.name,
    size: c.size,
    topTags: c.topTags.map((t) => t.tag),
    exemplarIds: c.representatives.map((r) => r.id),
  }));
  return {
    run: active,
    members,
    list,
    info,
    explain: { features, labels, rowOf: new Map(kept.map((mr, j) => [mr.trackId, j])) },
  };
}
