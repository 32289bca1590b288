/**
 * Principal-component projections of unit rows: the reduced first-stage scan of the IVF index and
 * the diversity sketch of queues in large libraries compare these instead of full rows.
 */
import { PCA } from 'ml-pca';
import type { RowSource } from './vectors';

/**
 * A linear projection to the top principal components, for a cheap first-stage score:
 *   x·q ≈ P(x−μ)·P(q−μ) + x·μ + q·μ − μ·μ
 * (`bias[i]` = x_i·μ). Candidates found this way are re-ranked with the full vectors.
 */
export class Projection {
  readonly r: number;
  readonly data: Float32Array;
  readonly bias: Float32Array;
  private readonly muMu: number;

  private constructor(
    readonly dim: number,
    readonly comps: Float32Array,
    readonly mean: Float32Array,
  ) {
    this.r = comps.length / dim;
    this.data = new Float32Array(0);
    this.bias = new Float32Array(0);
    let m = 0;
    for (let d = 0; d < dim; d++) m += mean[d] * mean[d];
    this.muMu = m;
  }

  static fit(src: RowSource, rows: Int32Array, r: number): Projection {
    const { data, dim } = src;
    const n = rows.length;
    const mean = new Float64Array(dim);
    for (const i of rows) for (let d = 0; d < dim; d++) mean[d] += data[i * dim + d];
    for (let d = 0; d < dim; d++) mean[d] /= n;
    const cov = new Float64Array(dim * dim);
    const c = new Float64Array(dim);
    for (const i of rows) {
      for (let d = 0; d < dim; d++) c[d] = data[i * dim + d] - mean[d];
      for (let a = 0; a < dim; a++) {
        const ca = c[a];
        if (ca === 0) continue;
        const o = a * dim;
        for (let b = a; b < dim; b++) cov[o + b] += ca * c[b];
      }
    }
    const matrix: number[][] = [];
    for (let a = 0; a < dim; a++) {
      const rowA: number[] = new Array<number>(dim);
      for (let b = 0; b < dim; b++)
        rowA[b] = (a <= b ? cov[a * dim + b] : cov[b * dim + a]) / Math.max(1, n - 1);
      matrix.push(rowA);
    }
    const pca = new PCA(matrix, { isCovarianceMatrix: true });
    const vectors = pca.getEigenvectors().to2DArray();
    const take = Math.max(1, Math.min(r, dim));
    const comps = new Float32Array(take * dim);
    for (let j = 0; j < take; j++) for (let d = 0; d < dim; d++) comps[j * dim + d] = vectors[d][j];
    return new Projection(dim, comps, Float32Array.from(mean));
  }

  /** Projects q (full dimension) into out (r values); returns q·μ. */
  project(q: Float32Array, out: Float32Array): number {
    const { dim, r, comps, mean } = this;
    let qm = 0;
    for (let d = 0; d < dim; d++) qm += q[d] * mean[d];
    for (let j = 0; j < r; j++) {
      let s = 0;
      const o = j * dim;
      for (let d = 0; d < dim; d++) s += comps[o + d] * (q[d] - mean[d]);
      out[j] = s;
    }
    return qm;
  }

  /** Constant part of the approximate score for a query with q·μ = qm. */
  offset(qm: number): number {
    return qm - this.muMu;
  }
}

/** Reduced rows of a source, growable. */
export class ReducedRows {
  data: Float32Array;
  bias: Float32Array;
  count = 0;
  constructor(
    readonly proj: Projection,
    capacity: number,
  ) {
    this.data = new Float32Array(capacity * proj.r);
    this.bias = new Float32Array(capacity);
  }

  add(src: RowSource, from: number, to: number): void {
    const r = this.proj.r;
    if (to > this.bias.length) {
      const cap = Math.max(to, Math.ceil(this.bias.length * 1.5));
      const d = new Float32Array(cap * r);
      d.set(this.data);
      const b = new Float32Array(cap);
      b.set(this.bias);
      this.data = d;
      this.bias = b;
    }
    for (let i = from; i < to; i++) {
      const out = this.data.subarray(i * r, (i + 1) * r);
      this.bias[i] = this.proj.project(src.data.subarray(i * src.dim, (i + 1) * src.dim), out);
    }
    this.count = to;
  }

  /** Approximate dot product of rows i and j of the source. */
  dot(i: number, j: number): number {
    const r = this.proj.r;
    const d = this.data;
    let s = 0;
    const oi = i * r;
    const oj = j * r;
    for (let k = 0; k < r; k++) s += d[oi + k] * d[oj + k];
    return s + this.bias[i] + this.proj.offset(this.bias[j]);
  }
}
