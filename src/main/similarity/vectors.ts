/** Small numeric kernels over row-major Float32Array matrices (tight loops, no allocation per call). */

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

/**
 * Keeps the k best (highest score) items seen: a bounded min-heap on typed arrays.
 * `push` is O(log k) and does nothing when the score cannot enter.
 */
export class TopK {
  readonly scores: Float64Array;
  readonly ids: Int32Array;
  size = 0;

  constructor(readonly k: number) {
    this.scores = new Float64Array(Math.max(1, k));
    this.ids = new Int32Array(Math.max(1, k));
  }

  /** Lowest score currently kept (−Infinity until full). */
  get floor(): number {
    return this.size < this.k ? -Infinity : this.scores[0];
  }

  push(id: number, score: number): void {
    if (this.k <= 0) return;
    const s = this.scores;
    const ids = this.ids;
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (s[p] <= score) break;
        s[i] = s[p];
        ids[i] = ids[p];
        i = p;
      }
      s[i] = score;
      ids[i] = id;
      return;
    }
    if (score <= s[0]) return;
    let i = 0;
    const n = this.size;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && s[r] < s[l] ? r : l;
      if (s[c] >= score) break;
      s[i] = s[c];
      ids[i] = ids[c];
      i = c;
    }
    s[i] = score;
    ids[i] = id;
  }

  /** Items best first. */
  sorted(): { id: number; score: number }[] {
    const out: { id: number; score: number }[] = [];
    for (let i = 0; i < this.size; i++) out.push({ id: this.ids[i], score: this.scores[i] });
    out.sort((a, b) => b.score - a.score || a.id - b.id);
    return out;
  }
}
