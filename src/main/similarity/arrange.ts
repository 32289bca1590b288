/**
 * Queue arranging: a candidate pool (best first) becomes a queue under the variety rules, greedily
 * with maximal marginal relevance, value = (1 − λ)·relevance − λ·(max cosine to what is already
 * queued). Used by "play similar" queues and by the radio.
 */
import type { TrackId, VarietyRules } from '../../shared/types';
import type { Space } from './corpus';
import { IntHeap } from './heap';
import { rescaled, type Scored } from './query';
import { dotRows } from './vectors';

/** Variety rules with every field set. */
export type Rules = Required<Omit<VarietyRules, 'recentlyPlayed'>> & { recentlyPlayed: TrackId[] };

/** What arranging needs to know of the library's tracks, by row. */
export interface TrackGroups {
  /** Normalised artist of every row as a small integer (< groupCount). */
  artistIds: Int32Array;
  /** Normalised album of every row as a small integer (−1: no album). */
  albumIds: Int32Array;
  /** Upper bound of the artist and album integers. */
  groupCount: number;
  /** Key of the song a row is a version of (same title and artist). */
  dupKeys: string[];
  /** Raw unit embedding rows for duplicate detection (null without a model). */
  duplicateRows: { data: Float32Array; dim: number } | null;
  /** Embeddings at least this similar are duplicate versions. */
  duplicateCosine: number;
  /** The row of a track id (undefined when it is not in the library). */
  rowOf(id: TrackId): number | undefined;
}

/**
 * Orders a candidate pool (best first) into a queue of at most `length` under the variety rules.
 * `context` are tracks just before the queue (radio history): they count for the artist window,
 * album adjacency and duplicates. Seeds count for duplicates. Recently played tracks are held
 * back: used only when nothing else fits.
 */
export function arrangeQueue(
  sp: Space,
  pool: Scored[],
  length: number,
  rules: Rules,
  seeds: number[],
  context: number[],
  groups: TrackGroups,
): Scored[] {
  const n = pool.length;
  if (n === 0) return [];
  const lambda = Math.max(0, Math.min(1, rules.diversity)) * 0.7;
  const relN = rescaled(pool);
  const maxSim = new Float64Array(n).fill(lambda > 0 ? -1 : 0);
  const recentRows = new Set(
    rules.recentlyPlayed.map((id) => groups.rowOf(id)).filter((i) => i !== undefined),
  );
  const recent = new Uint8Array(n);
  for (let c = 0; c < n; c++) if (recentRows.has(pool[c].i)) recent[c] = 1;
  const { artistIds, albumIds, dupKeys } = groups;
  const usedKeys = new Set<string>();
  const before = [...seeds, ...context];
  if (rules.collapseDuplicates) for (const i of before) usedKeys.add(dupKeys[i]);
  const placed: number[] = [];
  const dupRows: number[] = [...before];
  const out: Scored[] = [];
  // Artist counts over the last (window − 1) placed tracks: with the candidate, one full window.
  const window = Math.max(1, rules.artistWindow) - 1;
  const inWindow = new Int32Array(groups.groupCount);
  const place = (i: number): void => {
    placed.push(i);
    if (window === 0) return;
    inWindow[artistIds[i]]++;
    if (placed.length > window) inWindow[artistIds[placed[placed.length - 1 - window]]]--;
  };
  for (const i of context) place(i);
  const fits = (i: number): boolean => {
    if (rules.noConsecutiveAlbum && placed.length > 0) {
      const a = albumIds[i];
      if (a >= 0 && a === albumIds[placed[placed.length - 1]]) return false;
    }
    return inWindow[artistIds[i]] + 1 <= rules.maxPerArtist;
  };
  const dup = groups.duplicateRows;
  const isDuplicate = (i: number): boolean => {
    if (!rules.collapseDuplicates) return false;
    if (usedKeys.has(dupKeys[i])) return true;
    if (dup) {
      for (const j of dupRows) if (dotRows(dup.data, i, j, dup.dim) > groups.duplicateCosine) return true;
    }
    return false;
  };
  // Lazy MMR: a candidate's value only drops as the queue grows (its max similarity to the queue
  // can only rise), so a stale value is an upper bound. A max-heap of stale values: the top is
  // brought up to date and taken only when still on top. Recently played tracks rank below all
  // others (held back). Candidates the rules refuse now are set aside for this step only.
  const seenPicks = new Int32Array(n);
  const key = new Float64Array(n);
  const value = (c: number): number => (1 - lambda) * relN[c] - lambda * maxSim[c] - (recent[c] ? 100 : 0);
  // Highest value on top; equal values by pool position.
  const heap = new IntHeap((a, b) => key[a] > key[b] || (key[a] === key[b] && a < b));
  for (let c = 0; c < n; c++) {
    key[c] = value(c);
    heap.push(c);
  }
  while (out.length < length && heap.size > 0) {
    const aside: number[] = [];
    let c = -1;
    while (heap.size > 0) {
      const top = heap.pop() as number;
      const i = pool[top].i;
      if (!fits(i)) {
        aside.push(top);
        continue;
      }
      if (lambda > 0 && seenPicks[top] < out.length) {
        const sketch = sp.sketch;
        for (let p = seenPicks[top]; p < out.length; p++) {
          const s = sketch ? sketch.dot(i, out[p].i) : dotRows(sp.data, i, out[p].i, sp.dim);
          if (s > maxSim[top]) maxSim[top] = s;
        }
        seenPicks[top] = out.length;
        key[top] = value(top);
        heap.push(top);
        continue;
      }
      if (isDuplicate(i)) continue;
      c = top;
      break;
    }
    for (const d of aside) heap.push(d);
    if (c < 0) break;
    const i = pool[c].i;
    out.push(pool[c]);
    place(i);
    dupRows.push(i);
    if (rules.collapseDuplicates) usedKeys.add(dupKeys[i]);
  }
  return out;
}

/**
 * Runs `attempt` over a candidate pool of `poolSize`, quadrupling the pool while the variety
 * rules leave the result short of `want` and a larger pool could still add candidates (at most
 * `librarySize`).
 */
export function widening(
  poolSize: number,
  want: number,
  librarySize: number,
  attempt: (poolSize: number) => { pool: Scored[]; picked: Scored[] },
): Scored[] {
  for (;;) {
    const { pool, picked } = attempt(poolSize);
    if (picked.length >= want || pool.length < poolSize || poolSize >= librarySize) return picked;
    poolSize = Math.min(librarySize, poolSize * 4);
  }
}
