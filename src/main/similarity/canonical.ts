/**
 * A library's canonical row order, so that answers do not depend on track ids or on the order in
 * which tracks were added (two data folders built from the same music store identical vectors
 * under different ids, in different orders). Rows are ordered by a hash of their content (the
 * feature vector and the embedding), then by path and id for rows whose content is identical.
 * Everything the engine does by row index (tie-breaks, samples, index training) then follows the
 * content.
 */
import type { SimilarityInput } from './corpus';

/** FNV-1a over the 32-bit words of a float row, in two lanes (a 53-bit key). */
export function rowHash(data: Float32Array, start: number, length: number, seed = 0): number {
  const words = new Uint32Array(data.buffer, data.byteOffset + start * 4, length);
  let h1 = (0x811c9dc5 ^ seed) >>> 0;
  let h2 = (0x01000193 ^ Math.imul(seed, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    h1 = Math.imul(h1 ^ w, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ ((w >>> 16) | (w << 16)), 0x85ebca6b) >>> 0;
  }
  h2 ^= h1 >>> 13;
  return (h1 >>> 0) * 2 ** 21 + ((h2 >>> 0) & 0x1fffff);
}

/** Content keys of every row of an input (features, then embedding). */
export function contentKeys(input: SimilarityInput): Float64Array {
  const n = input.tracks.length;
  const dF = input.featureNames.length;
  const e = input.embedding;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let h = rowHash(input.features, i * dF, dF);
    if (e) h = (h + rowHash(e.data, i * e.dim, e.dim, 0x5bd1e995)) % 2 ** 53;
    keys[i] = h;
  }
  return keys;
}

/** The permutation that puts an input's rows in canonical order. */
export function canonicalPermutation(input: SimilarityInput): number[] {
  const keys = contentKeys(input);
  const order = input.tracks.map((_, i) => i);
  const t = input.tracks;
  order.sort(
    (a, b) =>
      keys[a] - keys[b] ||
      (t[a].path < t[b].path ? -1 : t[a].path > t[b].path ? 1 : 0) ||
      (t[a].id < t[b].id ? -1 : t[a].id > t[b].id ? 1 : 0),
  );
  return order;
}

function permuteRows(src: Float32Array, dim: number, order: readonly number[]): Float32Array {
  const out = new Float32Array(order.length * dim);
  order.forEach((r, j) => out.set(src.subarray(r * dim, (r + 1) * dim), j * dim));
  return out;
}

/** The same input with its rows in canonical order (the input itself when already in it). */
export function canonicalOrder(input: SimilarityInput): SimilarityInput {
  return reorder(input, canonicalPermutation(input));
}

/** The input's rows in the given order (row j of the result is row order[j] of the input). */
export function reorder(input: SimilarityInput, order: readonly number[]): SimilarityInput {
  if (order.every((r, j) => r === j)) return input;
  const dF = input.featureNames.length;
  const e = input.embedding;
  const g = input.tags;
  const tagDim = g ? g.names.length : 0;
  const c = input.clusters;
  return {
    ...input,
    tracks: order.map((r) => input.tracks[r]),
    features: permuteRows(input.features, dF, order),
    scalars: order.map((r) => input.scalars[r]),
    embedding: e ? { ...e, data: permuteRows(e.data, e.dim, order) } : null,
    tags: g ? { ...g, data: permuteRows(g.data, tagDim, order) } : null,
    ...(c
      ? { clusters: { info: c.info, assignments: Int32Array.from(order, (r) => c.assignments[r]) } }
      : {}),
  };
}
