/**
 * A small dense autoencoder as a reduction before clustering (issue 10 asked for it as an option,
 * "kept only if it measurably helps"; docs/clusters.md has the measurement: it did not, so the
 * pipeline does not offer it). Plain typed-array math, no dependency:
 *
 *   input (standardised columns) → hidden (tanh) → code (linear) → hidden (tanh) → output (linear)
 *
 * trained by mini-batch Adam on the mean squared reconstruction error, deterministic from a seed
 * (Glorot-uniform start and the batch order both come from it), with an epoch cap and an early stop
 * when the epoch loss stops improving.
 */
import { type Matrix, type RunControl, checkAbort, seededRandom } from './matrix';

export interface AutoencoderOptions extends RunControl {
  /** Size of the code (the reduced dimension). */
  components: number;
  /** Width of both hidden layers. */
  hidden?: number;
  seed?: number;
  /** Epoch cap. */
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** Stop after this many epochs without a relative loss improvement of `tolerance`. */
  patience?: number;
  tolerance?: number;
}

export interface AutoencoderResult {
  /** n × components codes. */
  codes: Matrix;
  /** Mean squared reconstruction error (standardised units) after each epoch. */
  losses: number[];
}

/** Column means and standard deviations (1 for constant columns, so they stay 0). */
function standardise(m: Matrix): Float32Array {
  const { data, n, dim } = m;
  const mean = new Float64Array(dim);
  const sq = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mean[d] += data[i * dim + d];
  for (let d = 0; d < dim; d++) mean[d] /= Math.max(1, n);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dim; d++) {
      const e = data[i * dim + d] - mean[d];
      sq[d] += e * e;
    }
  }
  const out = new Float32Array(n * dim);
  for (let d = 0; d < dim; d++) {
    const sd = Math.sqrt(sq[d] / Math.max(1, n));
    const s = sd > 1e-12 ? 1 / sd : 1;
    for (let i = 0; i < n; i++) out[i * dim + d] = (data[i * dim + d] - mean[d]) * s;
  }
  return out;
}

interface Layer {
  /** Offset of the `out × in` weights in the parameter vector; biases follow them. */
  w: number;
  b: number;
  in: number;
  out: number;
}

export function trainAutoencoder(m: Matrix, options: AutoencoderOptions): AutoencoderResult {
  const {
    components,
    hidden = 64,
    seed = 1,
    epochs = 300,
    batchSize = 32,
    learningRate = 1e-3,
    patience = 15,
    tolerance = 1e-3,
  } = options;
  const { n, dim } = m;
  if (!Number.isInteger(components) || components < 1) throw new Error(`bad code size ${components}`);
  const x = standardise(m);
  const sizes = [dim, hidden, components, hidden, dim];
  const layers: Layer[] = [];
  let count = 0;
  for (let l = 0; l < 4; l++) {
    const layer = { w: count, b: count + sizes[l] * sizes[l + 1], in: sizes[l], out: sizes[l + 1] };
    layers.push(layer);
    count = layer.b + layer.out;
  }
  const params = new Float32Array(count);
  const random = seededRandom(seed);
  for (const L of layers) {
    const limit = Math.sqrt(6 / (L.in + L.out));
    for (let i = 0; i < L.in * L.out; i++) params[L.w + i] = (random() * 2 - 1) * limit;
  }
  const grad = new Float64Array(count);
  const adamM = new Float64Array(count);
  const adamV = new Float64Array(count);
  const beta1 = 0.9;
  const beta2 = 0.999;
  let step = 0;
  // Activations per layer input/output (a[0] = input row), and their gradients.
  const acts = sizes.map((s) => new Float64Array(s));
  const deltas = sizes.map((s) => new Float64Array(s));

  const forward = (row: number): void => {
    const a0 = acts[0];
    for (let d = 0; d < dim; d++) a0[d] = x[row * dim + d];
    for (let l = 0; l < 4; l++) {
      const L = layers[l];
      const input = acts[l];
      const output = acts[l + 1];
      for (let o = 0; o < L.out; o++) {
        let s = params[L.b + o];
        const ow = L.w + o * L.in;
        for (let i = 0; i < L.in; i++) s += params[ow + i] * input[i];
        // Hidden layers (1 and 3) are tanh; the code and the output are linear.
        output[o] = l === 0 || l === 2 ? Math.tanh(s) : s;
      }
    }
  };

  /** Adds the gradients of one row's squared error (scaled by `scale`); returns that error. */
  const backward = (scale: number): number => {
    const y = acts[4];
    const target = acts[0];
    const dy = deltas[4];
    let err = 0;
    for (let d = 0; d < dim; d++) {
      const e = y[d] - target[d];
      err += e * e;
      dy[d] = 2 * e * scale;
    }
    for (let l = 3; l >= 0; l--) {
      const L = layers[l];
      const input = acts[l];
      const dOut = deltas[l + 1];
      const dIn = deltas[l];
      if (l > 0) dIn.fill(0);
      for (let o = 0; o < L.out; o++) {
        const g = dOut[o];
        if (g === 0) continue;
        grad[L.b + o] += g;
        const ow = L.w + o * L.in;
        for (let i = 0; i < L.in; i++) {
          grad[ow + i] += g * input[i];
          if (l > 0) dIn[i] += g * params[ow + i];
        }
      }
      // Through the tanh of the layer below (layer l's input is a tanh output for l = 1 and 3).
      if (l === 1 || l === 3) for (let i = 0; i < L.in; i++) dIn[i] *= 1 - input[i] * input[i];
    }
    return err / dim;
  };

  const order = Int32Array.from({ length: n }, (_, i) => i);
  const losses: number[] = [];
  let best = Infinity;
  let stale = 0;
  for (let epoch = 0; epoch < epochs && n > 0; epoch++) {
    checkAbort(options.signal);
    options.onProgress?.({ step: 'autoencoder', done: epoch, total: epochs });
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    let total = 0;
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(n, start + batchSize);
      grad.fill(0);
      const scale = 1 / ((end - start) * dim);
      for (let r = start; r < end; r++) {
        forward(order[r]);
        total += backward(scale);
      }
      step++;
      const c1 = 1 / (1 - beta1 ** step);
      const c2 = 1 / (1 - beta2 ** step);
      for (let p = 0; p < count; p++) {
        const g = grad[p];
        adamM[p] = beta1 * adamM[p] + (1 - beta1) * g;
        adamV[p] = beta2 * adamV[p] + (1 - beta2) * g * g;
        params[p] -= (learningRate * adamM[p] * c1) / (Math.sqrt(adamV[p] * c2) + 1e-8);
      }
    }
    const loss = total / n;
    losses.push(loss);
    if (loss < best * (1 - tolerance)) {
      best = loss;
      stale = 0;
    } else if (++stale >= patience) break;
  }
  const codes = new Float32Array(n * components);
  for (let r = 0; r < n; r++) {
    forward(r);
    for (let c = 0; c < components; c++) codes[r * components + c] = acts[2][c];
  }
  options.onProgress?.({ step: 'autoencoder', done: epochs, total: epochs });
  return { codes: { data: codes, n, dim: components }, losses };
}

/** The n × components codes of a trained autoencoder (the reduction itself). */
export function autoencoder(m: Matrix, options: AutoencoderOptions): Matrix {
  return trainAutoencoder(m, options).codes;
}
