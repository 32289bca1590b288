/**
 * Gaussian mixture with diagonal covariances, fitted by EM from a k-means++ / k-means start.
 * Log-domain responsibilities (log-sum-exp) keep high dimensions from underflowing; a variance
 * floor (a fraction of each dimension's overall variance) keeps a component from collapsing.
 */
import { type Matrix, type RunControl, checkAbort } from './matrix';
import { kmeans } from './kmeans';

export interface GmmOptions extends RunControl {
  k: number;
  maxIterations?: number;
  /** Stop when the mean log-likelihood per row improves by less than this. */
  tolerance?: number;
  seed?: number;
  /** Variance floor as a fraction of the data's per-dimension variance. */
  regularisation?: number;
}

export interface GmmResult {
  labels: Int32Array;
  /** n × k soft memberships (rows sum to 1). */
  memberships: Float32Array;
  /** Probability of the assigned component. */
  strengths: Float32Array;
  k: number;
  weights: Float64Array;
  means: Float64Array;
  variances: Float64Array;
  logLikelihood: number;
  iterations: number;
  /** Bayesian information criterion (lower is better). */
  bic: number;
}

export function gmm(m: Matrix, options: GmmOptions): GmmResult {
  const { data, n, dim } = m;
  const { k, maxIterations = 100, tolerance = 1e-4, seed = 1, regularisation = 1e-3 } = options;
  const start = kmeans(m, { k, seed, restarts: 2, signal: options.signal });
  const means = Float64Array.from(start.centres);
  const variances = new Float64Array(k * dim);
  const weights = new Float64Array(k);
  const resp = new Float64Array(n * k);

  // Per-dimension variance of the data sets the floor.
  const floor = new Float64Array(dim);
  {
    const mean = new Float64Array(dim);
    for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mean[d] += data[i * dim + d];
    for (let d = 0; d < dim; d++) mean[d] /= n;
    for (let i = 0; i < n; i++) {
      for (let d = 0; d < dim; d++) {
        const e = data[i * dim + d] - mean[d];
        floor[d] += e * e;
      }
    }
    for (let d = 0; d < dim; d++) floor[d] = Math.max((floor[d] / n) * regularisation, 1e-9);
  }
  for (let i = 0; i < n; i++) resp[i * k + start.labels[i]] = 1;

  const mStep = (): void => {
    weights.fill(0);
    means.fill(0);
    variances.fill(0);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < k; c++) {
        const r = resp[i * k + c];
        if (r === 0) continue;
        weights[c] += r;
        const oc = c * dim;
        const oi = i * dim;
        for (let d = 0; d < dim; d++) means[oc + d] += r * data[oi + d];
      }
    }
    for (let c = 0; c < k; c++) {
      const w = Math.max(weights[c], 1e-12);
      for (let d = 0; d < dim; d++) means[c * dim + d] /= w;
    }
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < k; c++) {
        const r = resp[i * k + c];
        if (r === 0) continue;
        const oc = c * dim;
        const oi = i * dim;
        for (let d = 0; d < dim; d++) {
          const e = data[oi + d] - means[oc + d];
          variances[oc + d] += r * e * e;
        }
      }
    }
    for (let c = 0; c < k; c++) {
      const w = Math.max(weights[c], 1e-12);
      for (let d = 0; d < dim; d++) variances[c * dim + d] = variances[c * dim + d] / w + floor[d];
      weights[c] = weights[c] / n;
    }
  };

  const logNorm = new Float64Array(k);
  const invVar = new Float64Array(k * dim);
  const eStep = (): number => {
    for (let c = 0; c < k; c++) {
      let s = Math.log(Math.max(weights[c], 1e-300)) - 0.5 * dim * Math.log(2 * Math.PI);
      for (let d = 0; d < dim; d++) {
        s -= 0.5 * Math.log(variances[c * dim + d]);
        invVar[c * dim + d] = 1 / variances[c * dim + d];
      }
      logNorm[c] = s;
    }
    let total = 0;
    for (let i = 0; i < n; i++) {
      const oi = i * dim;
      let max = -Infinity;
      for (let c = 0; c < k; c++) {
        const oc = c * dim;
        let q = 0;
        for (let d = 0; d < dim; d++) {
          const e = data[oi + d] - means[oc + d];
          q += e * e * invVar[oc + d];
        }
        const lp = logNorm[c] - 0.5 * q;
        resp[i * k + c] = lp;
        if (lp > max) max = lp;
      }
      let sum = 0;
      for (let c = 0; c < k; c++) sum += Math.exp(resp[i * k + c] - max);
      const lse = max + Math.log(sum);
      for (let c = 0; c < k; c++) resp[i * k + c] = Math.exp(resp[i * k + c] - lse);
      total += lse;
    }
    return total;
  };

  mStep();
  let logLikelihood = -Infinity;
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    checkAbort(options.signal);
    options.onProgress?.({ step: 'gmm', done: iterations, total: maxIterations });
    const ll = eStep();
    const improved = (ll - logLikelihood) / n;
    logLikelihood = ll;
    if (improved < tolerance) {
      iterations++;
      break;
    }
    mStep();
  }
  const labels = new Int32Array(n);
  const strengths = new Float32Array(n);
  const memberships = Float32Array.from(resp);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (resp[i * k + c] > resp[i * k + best]) best = c;
    labels[i] = best;
    strengths[i] = resp[i * k + best];
  }
  const parameters = k * 2 * dim + (k - 1);
  const bic = -2 * logLikelihood + parameters * Math.log(n);
  return { labels, memberships, strengths, k, weights, means, variances, logLikelihood, iterations, bic };
}
