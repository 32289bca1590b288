/** PCA: our covariance over a seeded sample of rows, ml-pca's eigendecomposition of it. */
import { PCA } from 'ml-pca';
import { type Matrix, sampleIndices, seededRandom } from './matrix';

export interface PcaModel {
  mean: Float64Array;
  /** components × dim, row-major. */
  components: Float64Array;
  /** Share of the variance each component explains. */
  explained: number[];
  dim: number;
}

export interface PcaOptions {
  components: number;
  /** Rows the covariance is estimated from. */
  sampleSize?: number;
  seed?: number;
}

export function fitPca(m: Matrix, options: PcaOptions): PcaModel {
  const { dim } = m;
  const components = Math.min(options.components, dim);
  const rows = sampleIndices(m.n, options.sampleSize ?? 4000, seededRandom(options.seed ?? 3));
  const mean = new Float64Array(dim);
  for (const i of rows) for (let d = 0; d < dim; d++) mean[d] += m.data[i * dim + d];
  for (let d = 0; d < dim; d++) mean[d] /= rows.length;
  const cov = new Float64Array(dim * dim);
  const centred = new Float64Array(dim);
  for (const i of rows) {
    for (let d = 0; d < dim; d++) centred[d] = m.data[i * dim + d] - mean[d];
    for (let a = 0; a < dim; a++) {
      const ca = centred[a];
      const o = a * dim;
      for (let b = a; b < dim; b++) cov[o + b] += ca * centred[b];
    }
  }
  const denominator = Math.max(1, rows.length - 1);
  const covRows: number[][] = [];
  for (let a = 0; a < dim; a++) {
    const r = new Array<number>(dim);
    for (let b = 0; b < dim; b++) r[b] = (a <= b ? cov[a * dim + b] : cov[b * dim + a]) / denominator;
    covRows.push(r);
  }
  const pca = new PCA(covRows, { isCovarianceMatrix: true });
  const vectors = pca.getEigenvectors();
  const out = new Float64Array(components * dim);
  for (let c = 0; c < components; c++) for (let d = 0; d < dim; d++) out[c * dim + d] = vectors.get(d, c);
  return { mean, components: out, explained: pca.getExplainedVariance().slice(0, components), dim };
}

export function projectPca(model: PcaModel, m: Matrix): Matrix {
  if (m.dim !== model.dim) throw new Error(`PCA fitted on ${model.dim} dimensions, given ${m.dim}`);
  const c = model.components.length / model.dim;
  const out = new Float32Array(m.n * c);
  const { dim } = m;
  for (let i = 0; i < m.n; i++) {
    const o = i * dim;
    for (let k = 0; k < c; k++) {
      let s = 0;
      const ok = k * dim;
      for (let d = 0; d < dim; d++) s += (m.data[o + d] - model.mean[d]) * model.components[ok + d];
      out[i * c + k] = s;
    }
  }
  return { data: out, n: m.n, dim: c };
}

export function pca(m: Matrix, options: PcaOptions): Matrix {
  return projectPca(fitPca(m, options), m);
}
