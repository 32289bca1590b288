/** Small numeric kernels over row-major Float32Array matrices (tight loops, no allocation per call). */

/** Rows of a matrix that can grow (new tracks analysed) without rebuilding. */
export interface RowSource {
  readonly data: Float32Array;
  readonly dim: number;
  readonly count: number;
}

/** Dot product of row `i` of `data` (dimension `dim`) with `q`. */
export function dotRow(data: Float32Array, i: number, q: Float32Array, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const o = i * dim;
  let d = 0;
  const end4 = dim - (dim % 4);
  for (; d < end4; d += 4) {
    s0 += data[o + d] * q[d];
    s1 += data[o + d + 1] * q[d + 1];
    s2 += data[o + d + 2] * q[d + 2];
    s3 += data[o + d + 3] * q[d + 3];
  }
  for (; d < dim; d++) s0 += data[o + d] * q[d];
  return s0 + s1 + s2 + s3;
}

/** Dot product of rows `i` and `j` of the same matrix. */
export function dotRows(data: Float32Array, i: number, j: number, dim: number): number {
  let s = 0;
  const oi = i * dim;
  const oj = j * dim;
  for (let d = 0; d < dim; d++) s += data[oi + d] * data[oj + d];
  return s;
}

export function row(data: Float32Array, i: number, dim: number): Float32Array {
  return data.subarray(i * dim, (i + 1) * dim);
}

/** L2-normalises `v` in place; a zero vector stays zero. Returns the original norm. */
export function normalize(v: Float32Array): number {
  let s = 0;
  for (let d = 0; d < v.length; d++) s += v[d] * v[d];
  const n = Math.sqrt(s);
  if (n > 0) for (let d = 0; d < v.length; d++) v[d] /= n;
  return n;
}

/** Spherical interpolation between unit vectors a and b at t ∈ [0, 1] (falls back to lerp). */
export function slerp(a: Float32Array, b: Float32Array, t: number): Float32Array {
  let dot = 0;
  for (let d = 0; d < a.length; d++) dot += a[d] * b[d];
  dot = Math.max(-1, Math.min(1, dot));
  const omega = Math.acos(dot);
  const out = new Float32Array(a.length);
  if (omega < 1e-4 || Math.PI - omega < 1e-4) {
    for (let d = 0; d < a.length; d++) out[d] = (1 - t) * a[d] + t * b[d];
  } else {
    const so = Math.sin(omega);
    const wa = Math.sin((1 - t) * omega) / so;
    const wb = Math.sin(t * omega) / so;
    for (let d = 0; d < a.length; d++) out[d] = wa * a[d] + wb * b[d];
  }
  normalize(out);
  return out;
}

/** Deterministic PRNG (mulberry32) so builds and benches are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
