/**
 * Which newly analysed tracks join the active run, and where (clusters/join.ts places them). Only
 * a run that is still current takes tracks, and only tracks of its subset it does not hold yet.
 * The Joiner (its members' statistics) is kept while the run and the vectors it was built on stay.
 */
import type { ClusterRunRecord } from '../../shared/types';
import { rowsById, vectorsAt, type ClusteringInput } from './input';
import { Joiner } from './join';
import type { MemberRow } from './run-store';
import { isStale, vectorHash } from './staleness';

export class RunJoins {
  private cached: { runId: string; source: object | null; joiner: Joiner } | null = null;

  /**
   * The member rows of the tracks `ids` that join `run` (stored `members`), measured over `input`
   * (from `source`, which keys the kept Joiner: a new engine means new vectors). Empty when none
   * joins or the run is stale.
   */
  place(
    run: ClusterRunRecord,
    members: MemberRow[],
    input: ClusteringInput,
    source: object | null,
    ids: string[],
  ): MemberRow[] {
    if (isStale(run, input, members, { pending: true })) return [];
    const rowOf = rowsById(input);
    const known = new Set(members.map((mr) => mr.trackId));
    const fresh = [...new Set(ids)].filter((id) => rowOf.has(id) && !known.has(id));
    if (fresh.length === 0) return [];
    const joiner = this.joinerFor(run, members, input, source, rowOf);
    const placed = joiner.join(
      vectorsAt(
        input,
        fresh.map((id) => rowOf.get(id) as number),
      ),
    );
    return fresh.map((id, j) => ({
      trackId: id,
      ...placed[j],
      joined: true,
      vhash: vectorHash(input, rowOf.get(id) as number),
    }));
  }

  private joinerFor(
    run: ClusterRunRecord,
    members: MemberRow[],
    input: ClusteringInput,
    source: object | null,
    rowOf: Map<string, number>,
  ): Joiner {
    if (this.cached && this.cached.runId === run.id && this.cached.source === source)
      return this.cached.joiner;
    const own = members.filter((mr) => !mr.joined && rowOf.has(mr.trackId));
    const joiner = new Joiner({
      algorithm: run.algorithm,
      params: run.params,
      members: vectorsAt(
        input,
        own.map((mr) => rowOf.get(mr.trackId) as number),
      ),
      labels: Int32Array.from(own, (mr) => mr.label),
      strengths: Float32Array.from(own, (mr) => mr.strength),
      umap: Float32Array.from(own.flatMap((mr) => [mr.x, mr.y])),
      pca: Float32Array.from(own.flatMap((mr) => [mr.px, mr.py])),
    });
    this.cached = { runId: run.id, source, joiner };
    return joiner;
  }
}
