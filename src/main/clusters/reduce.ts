/**
 * Reductions before clustering and for the map: PCA (our covariance over a seeded sample, ml-pca's
 * eigendecomposition of it) and UMAP (umap-js with a seeded generator, after PCA to ≤ 50
 * dimensions, the usual preprocessing: it makes the neighbour search cheaper and hardly changes it).
 */
import { PCA } from 'ml-pca';
import { UMAP } from 'umap-js';
import { type Matrix, type RunControl, checkAbort, sampleIndices, seededRandom } from './matrix';

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
  const rows = sampleIndices(m.n, options.sampleSize ?? 10_000, seededRandom(options.seed ?? 3));
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

export interface UmapOptions extends RunControl {
  components: number;
  neighbours?: number;
  minDist?: number;
  seed?: number;
  /** Optimisation epochs (umap-js picks 200 for large inputs, 500 for small). */
  epochs?: number;
  /** Dimensions PCA keeps before UMAP when the input has more. */
  preReduceTo?: number;
}

export async function umap(m: Matrix, options: UmapOptions): Promise<Matrix> {
  const { components, neighbours = 15, minDist = 0.1, seed = 5, epochs, preReduceTo = 50 } = options;
  const input = m.dim > preReduceTo ? pca(m, { components: preReduceTo, seed }) : m;
  const rows: number[][] = [];
  for (let i = 0; i < input.n; i++)
    rows.push(Array.from(input.data.subarray(i * input.dim, (i + 1) * input.dim)));
  const reducer = new UMAP({
    nComponents: components,
    nNeighbors: Math.min(neighbours, Math.max(2, input.n - 1)),
    minDist,
    random: seededRandom(seed),
    ...(epochs ? { nEpochs: epochs } : {}),
  });
  options.onProgress?.({ step: 'umap neighbours', done: 0, total: 1 });
  const total = reducer.initializeFit(rows);
  for (let e = 0; e < total; e++) {
    if ((e & 7) === 0) {
      checkAbort(options.signal);
      options.onProgress?.({ step: 'umap', done: e, total });
      // Yield so that a cancel message can arrive in a worker.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    reducer.step();
  }
  const embedding = reducer.getEmbedding();
  const out = new Float32Array(input.n * components);
  for (let i = 0; i < input.n; i++)
    for (let c = 0; c < components; c++) out[i * components + c] = embedding[i][c];
  return { data: out, n: input.n, dim: components };
}
