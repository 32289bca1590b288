/**
 * Cluster-aware suggestions for one seed: the nearest tracks of its own cluster and the best few
 * of every other cluster, under the variety rules (no silence, no duplicate song, a cap per
 * artist). Without clusters, plain neighbours. A function of the engine's rows (see engine.ts).
 */
import type { ClusterSuggestions, ParsedRequest } from '../../shared/contract';
import type { ClusterInfo, SimilarTrack } from '../../shared/types';
import type { Rules } from './arrange';
import type { EngineSettings, Space } from './corpus';
import { TopK } from './heap';
import { knn, relOf, rowQuery, type Scored } from './query';
import { dotRow } from './vectors';

/** What the suggestions read of the engine, at the time of the call. */
export interface SuggestionRows {
  space: Space;
  /** The seed's row. */
  seed: number;
  /** Rows in the library. */
  size: number;
  /** Cluster id per row (-1: none), or null when the library is not clustered. */
  clusterOf: Int32Array | null;
  clusterInfo: Map<number, ClusterInfo>;
  /** Rows that may be suggested at all (not the seed, not silent). */
  accept: (row: number) => boolean;
  dupKeys: string[];
  artistIds: Int32Array;
  variety: Rules;
  hubnessRerank: EngineSettings['hubnessRerank'];
  toSimilar: (scored: Scored) => SimilarTrack;
}

export function clusterSuggestionsFor(
  ctx: SuggestionRows,
  req: ParsedRequest<'similar.clusterSuggestions'>,
): ClusterSuggestions {
  const sp = ctx.space;
  const seed = ctx.seed;
  const same = req.sameCluster ?? 11;
  const perOther = req.perOtherCluster ?? 3;
  const clusterOf = ctx.clusterOf;
  // Variety for a set of suggestions: no silence (ctx.accept), no second copy of a song (the
  // seed's or a picked one), at most maxPerArtist tracks of one artist per list.
  const accept = ctx.accept;
  const seedDup = ctx.dupKeys[seed];
  const varied = (rows: Scored[], count: number): Scored[] => {
    const out: Scored[] = [];
    const dups = new Set<string>([seedDup]);
    const perArtist = new Map<number, number>();
    const cap = ctx.variety.maxPerArtist > 0 ? ctx.variety.maxPerArtist : Infinity;
    for (const r of rows) {
      if (out.length >= count) break;
      const dup = ctx.dupKeys[r.i];
      if (ctx.variety.collapseDuplicates && dups.has(dup)) continue;
      const artist = ctx.artistIds[r.i];
      const seen = perArtist.get(artist) ?? 0;
      if (artist >= 0 && seen >= cap) continue;
      dups.add(dup);
      perArtist.set(artist, seen + 1);
      out.push(r);
    }
    return out;
  };
  if (!clusterOf || ctx.clusterInfo.size === 0) {
    const hits = knn(sp, rowQuery(sp, seed), same * 4 + 8, ctx.hubnessRerank, accept);
    return {
      clustersAvailable: false,
      seedCluster: null,
      sameCluster: varied(hits, same).map((s) => ctx.toSimilar(s)),
      otherClusters: [],
    };
  }
  // One exact pass: the best few of every cluster (more than asked, for the variety rules).
  const own = clusterOf[seed];
  const q = rowQuery(sp, seed);
  const heaps = new Map<number, TopK>();
  for (const id of ctx.clusterInfo.keys())
    heaps.set(id, new TopK(id === own ? same * 4 + 8 : perOther * 4 + 4));
  for (let i = 0; i < ctx.size; i++) {
    if (!accept(i)) continue;
    const h = heaps.get(clusterOf[i]);
    if (!h || h.k === 0) continue;
    const cos = dotRow(sp.data, i, q.vec, sp.dim);
    h.push(i, relOf(sp, q, i, cos));
  }
  const list = (id: number, count: number): SimilarTrack[] =>
    varied(
      (heaps.get(id)?.sorted() ?? []).map((h) => ({ i: h.id, rel: h.score })),
      count,
    ).map((s) => ctx.toSimilar(s));
  const sameCluster =
    own >= 0 && heaps.has(own)
      ? list(own, same)
      : varied(knn(sp, q, same * 4 + 8, ctx.hubnessRerank, accept), same).map((s) => ctx.toSimilar(s));
  const otherClusters = [...ctx.clusterInfo.values()]
    .filter((c) => c.id !== own)
    .map((cluster) => ({ cluster, tracks: list(cluster.id, perOther) }))
    .filter((c) => c.tracks.length > 0)
    .sort((x, y) => y.tracks[0].score - x.tracks[0].score);
  return {
    clustersAvailable: true,
    seedCluster: ctx.clusterInfo.get(own) ?? null,
    sameCluster,
    otherClusters,
  };
}
