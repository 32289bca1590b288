/**
 * The distance every answer is made of, as free functions over a Space: a query (a row or a vector
 * with its hubness statistics), its relevance to a row (cosine, or −log(1 − MP) with hubness
 * reduction: higher is closer), the score shown to the user, the k nearest rows, and the
 * candidates for a set of seeds. Queues, radio and song paths are built on these.
 */
import { exactSearch, type Accept } from './ann';
import type { Space } from './corpus';
import { logOneMinusMp, mpScore, queryStats } from './hubness';
import { dotRow, dotRows, normalize } from './vectors';

export interface Query {
  vec: Float32Array;
  mu: number;
  sigma: number;
}

export interface Scored {
  i: number;
  /** Relevance: cosine, or −log(1 − MP) with hubness reduction (higher is closer). */
  rel: number;
}

const MAX_SEEDS_SCORED = 24;

export function rowQuery(sp: Space, i: number): Query {
  return { vec: sp.row(i), mu: sp.hub ? sp.hub.mu[i] : 0, sigma: sp.hub ? sp.hub.sigma[i] : 1 };
}

export function vecQuery(sp: Space, vec: Float32Array): Query {
  if (!sp.hub) return { vec, mu: 0, sigma: 1 };
  const s = queryStats(sp, sp.hub, vec);
  return { vec, mu: s.mu, sigma: s.sigma };
}

export function relOf(sp: Space, q: Query, i: number, cos: number): number {
  if (!sp.hub) return cos;
  return Math.min(700, -logOneMinusMp(cos, q.mu, q.sigma, sp.hub.mu[i], sp.hub.sigma[i]));
}

/** Score shown to the user: cosine, or the mutual-proximity probability. */
export function display(sp: Space, rel: number): number {
  return sp.hub ? mpScore(-rel) : rel;
}

/** The displayed closeness of row `to` seen from row `from`. */
export function closeness(sp: Space, from: number, to: number): number {
  return display(sp, relOf(sp, rowQuery(sp, from), to, dotRows(sp.data, from, to, sp.dim)));
}

/**
 * k nearest rows to q that pass `accept`, best first. With hubness reduction at least `rerank`
 * cosine candidates are fetched and re-ranked by mutual proximity.
 */
export function knn(sp: Space, q: Query, k: number, rerank: number, accept?: Accept): Scored[] {
  const fetch = sp.hub ? Math.max(k * 2, rerank) : k;
  const hits = sp.ivf ? sp.ivf.search(sp, q.vec, fetch, accept) : exactSearch(sp, q.vec, fetch, accept);
  const out = hits.map((h) => ({ i: h.id, rel: relOf(sp, q, h.id, h.score) }));
  if (sp.hub) out.sort((a, b) => b.rel - a.rel || a.i - b.i);
  return out.slice(0, k);
}

/** At most MAX_SEEDS_SCORED seeds, spread evenly over the list (albums, artists). */
export function scoredSeeds(seeds: number[]): number[] {
  if (seeds.length <= MAX_SEEDS_SCORED) return seeds;
  const out: number[] = [];
  for (let j = 0; j < MAX_SEEDS_SCORED; j++)
    out.push(seeds[Math.floor((j * seeds.length) / MAX_SEEDS_SCORED)]);
  return out;
}

/** The unit mean of some rows. */
export function centroidOf(sp: Space, rows: number[]): Float32Array {
  const c = new Float32Array(sp.dim);
  for (const i of rows) {
    const r = sp.row(i);
    for (let d = 0; d < sp.dim; d++) c[d] += r[d];
  }
  normalize(c);
  return c;
}

/**
 * The `count` best candidates for a set of seeds. One seed: its neighbours. Several: the
 * union of each seed's neighbours and the centroid's, scored by the mean of the best half of
 * the per-seed relevances (close to a good part of the seeds, not only to their average).
 */
export function candidates(
  sp: Space,
  seeds: number[],
  count: number,
  rerank: number,
  accept: Accept,
): Scored[] {
  if (seeds.length === 1) return knn(sp, rowQuery(sp, seeds[0]), count, rerank, accept);
  const used = scoredSeeds(seeds);
  const pool = new Set<number>();
  const per = Math.max(10, Math.ceil((2 * count) / used.length));
  for (const s of used) for (const h of knn(sp, rowQuery(sp, s), per, rerank, accept)) pool.add(h.i);
  const centroid = vecQuery(sp, centroidOf(sp, used));
  for (const h of knn(sp, centroid, count, rerank, accept)) pool.add(h.i);
  const queries = used.map((s) => rowQuery(sp, s));
  const take = Math.ceil(queries.length / 2);
  const rels = new Float64Array(queries.length);
  const out: Scored[] = [];
  for (const i of pool) {
    for (let j = 0; j < queries.length; j++)
      rels[j] = relOf(sp, queries[j], i, dotRow(sp.data, i, queries[j].vec, sp.dim));
    rels.sort();
    let s = 0;
    for (let j = rels.length - take; j < rels.length; j++) s += rels[j];
    out.push({ i, rel: s / take });
  }
  out.sort((a, b) => b.rel - a.rel || a.i - b.i);
  return out.slice(0, count);
}

/** Relevances of a pool rescaled to [0, 1] (min to max). */
export function rescaled(pool: Scored[]): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of pool) {
    lo = Math.min(lo, p.rel);
    hi = Math.max(hi, p.rel);
  }
  const range = hi - lo || 1;
  return pool.map((p) => (p.rel - lo) / range);
}
