/**
 * The radio: from a seed, a station that drifts slowly with what it has played and steers away
 * from what was skipped. Free functions over a space; the engine resolves ids to rows first.
 */
import type { Space } from './corpus';
import { arrangeQueue, widening, type Rules, type TrackGroups } from './arrange';
import type { Accept } from './ann';
import { centroidOf, knn, rescaled, scoredSeeds, vecQuery, type Scored } from './query';
import { dotRows, normalize } from './vectors';

export interface RadioRequest {
  /** Seed rows. */
  seeds: number[];
  /** Rows played this session, oldest first. */
  history: number[];
  /** Rows skipped this session, oldest first. */
  skipped: number[];
  count: number;
  rules: Rules;
}

export interface RadioLibrary {
  groups: TrackGroups;
  size: number;
  /** Cosine candidates re-ranked with hubness reduction (at least). */
  rerank: number;
  /** Which rows may be suggested beside the seeds and `exclude`. */
  accept(seeds: number[], exclude: Set<number>): Accept;
}

/**
 * Where the radio aims next: an exponential moving average over the session's picks, started at
 * the seed, blended back with the seed so the station drifts slowly instead of wandering off.
 */
export function radioTarget(
  sp: Space,
  seeds: number[],
  history: number[],
  alpha = 0.25,
  anchor = 0.4,
): Float32Array {
  const seed = centroidOf(sp, scoredSeeds(seeds));
  const ema = Float32Array.from(seed);
  for (const h of history.slice(-30)) {
    const r = sp.row(h);
    for (let d = 0; d < sp.dim; d++) ema[d] = (1 - alpha) * ema[d] + alpha * r[d];
    normalize(ema);
  }
  const t = new Float32Array(sp.dim);
  for (let d = 0; d < sp.dim; d++) t[d] = anchor * seed[d] + (1 - anchor) * ema[d];
  normalize(t);
  return t;
}

/** Pushes down candidates close to skipped tracks: relevance minus a penalty growing with that closeness. */
export function steerBySkips(
  sp: Space,
  pool: Scored[],
  skipped: number[],
  threshold = 0.2,
  weight = 1,
): Scored[] {
  if (skipped.length === 0 || pool.length === 0) return pool;
  const relN = rescaled(pool);
  const out = pool.map((p, c) => {
    let worst = 0;
    for (const s of skipped) worst = Math.max(worst, dotRows(sp.data, p.i, s, sp.dim));
    const penalty = Math.max(0, worst - threshold) / (1 - threshold);
    return { i: p.i, rel: relN[c] - weight * penalty };
  });
  out.sort((a, b) => b.rel - a.rel || a.i - b.i);
  return out;
}

/** The next `count` tracks of the station: never played this session or skipped, if it can. */
export function radioPicks(sp: Space, req: RadioRequest, lib: RadioLibrary): Scored[] {
  const { seeds, history, skipped, count, rules } = req;
  const target = radioTarget(sp, seeds, history);
  const recentSkips = skipped.slice(-50);
  const query = vecQuery(sp, target);
  const attempt = (exclude: Set<number>, context: number[]): Scored[] => {
    const accept = lib.accept(seeds, exclude);
    return widening(Math.max(4 * count, 60), count, lib.size, (poolSize) => {
      const pool = knn(sp, query, poolSize, lib.rerank, accept);
      const steered = steerBySkips(sp, pool, recentSkips);
      return { pool, picked: arrangeQueue(sp, steered, count, rules, seeds, context, lib.groups) };
    });
  };
  let picked = attempt(new Set([...history, ...skipped]), history);
  if (picked.length < count && history.length > 0) {
    // The station has played most of a small library: rather than fall silent, it lets back in
    // what was played longest ago (never the recent half of the library, never a skipped track).
    const recent = history.slice(-Math.max(count, Math.floor(lib.size / 2)));
    const again = attempt(new Set([...recent, ...skipped]), recent);
    if (again.length > picked.length) picked = again;
  }
  return picked;
}
