// Kept whole (over ~450 lines): one linear walk of the MusiCNN graph, each wiring check beside the nodes it guards; cut up, checks and emitted nodes would drift apart.
/**
 * Our own MusiCNN converter: reads a Keras 2.2.4 HDF5 checkpoint (model_config JSON + weights) with
 * jsfive and writes an ONNX model (opset 13) with onnx-proto.
 *
 * Layout: Keras works on [N, time, freq, channels]; the ONNX graph works on NCHW = [N, C, time, freq]
 * in the front end and on [N, C, time] (1-D convolutions) after the max over frequency. Batch norms
 * are folded: into the dense layers where they precede one, and elsewhere applied as a per-channel
 * scale and offset on the small [N, C, time] maps. Front-end "conv → ReLU → BN → max over freq" is
 * computed as "conv (weights × sign of the BN scale) → ReduceMax → × sign → ReLU → scale, offset",
 * which is exact for any sign of the scale and never applies the batch norm on the big map.
 *
 * The wiring (which BN follows which conv, the pads, the order of the concatenations, max before
 * mean in the back end) is read from model_config and checked; an unexpected graph throws.
 *
 * Outputs: `embedding` [N, 200] (dense, before its ReLU), `tags` [N, 50] (sigmoid) and, optionally,
 * `pooled` [N, 1506] (max/mean pooled features before bn_flatpool). Input: `mel` [N, 187, 96].
 */
import { createRequire } from 'node:module';
import { OnnxGraphBuilder } from './onnx-builder';

const require = createRequire(import.meta.url);

/** Bump when the emitted graph changes: cached conversions are keyed on it. */
export const CONVERTER_VERSION = 1;

/** Conv output channels are padded to a multiple of this (ONNX Runtime's NCHWc block on AVX2). */
const CHANNEL_BLOCK = 8;

interface H5Dataset {
  shape: number[];
  value: ArrayLike<number>;
}
interface H5Group {
  keys: string[];
  attrs: Record<string, unknown>;
  get(path: string): H5Group | H5Dataset;
}
interface Jsfive {
  File: new (buffer: ArrayBuffer, filename?: string) => H5Group;
}

interface KerasLayer {
  className: string;
  name: string;
  config: Record<string, unknown>;
  inputs: string[];
}

interface Tensor {
  shape: number[];
  data: Float64Array;
}

export interface ConvertOptions {
  /** Also output the 1506-d pooled features as `pooled`. Default true. */
  pooledOutput?: boolean;
}

export class ModelConversionError extends Error {
  override name = 'ModelConversionError';
}

const strip = (s: string): string => s.replace(/\0+$/, '');

/** Reads the Keras model: layers (with wiring) and a weight lookup. */
export class KerasH5 {
  readonly layers = new Map<string, KerasLayer>();
  readonly order: string[] = [];
  private readonly consumersOf = new Map<string, string[]>();
  private readonly weightsRoot: H5Group;

  constructor(bytes: Uint8Array) {
    const hdf5 = require('jsfive') as Jsfive;
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const file = new hdf5.File(ab, 'model.h5');
    const configText = file.attrs['model_config'];
    if (typeof configText !== 'string')
      throw new ModelConversionError('not a Keras model: no model_config attribute');
    const cfg = JSON.parse(configText) as {
      config: {
        layers: {
          class_name: string;
          name: string;
          config: Record<string, unknown>;
          inbound_nodes: unknown[][][];
        }[];
      };
    };
    for (const l of cfg.config.layers) {
      const inputs = (l.inbound_nodes[0] ?? []).map((n) => String((n as unknown[])[0]));
      this.layers.set(l.name, { className: l.class_name, name: l.name, config: l.config, inputs });
      this.order.push(l.name);
      for (const i of inputs) this.consumersOf.set(i, [...(this.consumersOf.get(i) ?? []), l.name]);
    }
    this.weightsRoot = file.get('model_weights') as H5Group;
  }

  layer(name: string, className?: string): KerasLayer {
    const l = this.layers.get(name);
    if (!l) throw new ModelConversionError(`layer ${name} not found`);
    if (className && l.className !== className) {
      throw new ModelConversionError(`layer ${name} is a ${l.className}, expected ${className}`);
    }
    return l;
  }

  /** The single input of a layer, checked to be of the given class. */
  source(name: string, className?: string): KerasLayer {
    const l = this.layer(name);
    if (l.inputs.length !== 1) throw new ModelConversionError(`layer ${name} has ${l.inputs.length} inputs`);
    return this.layer(l.inputs[0], className);
  }

  consumers(name: string): KerasLayer[] {
    return (this.consumersOf.get(name) ?? []).map((n) => this.layer(n));
  }

  /** A TensorFlowOpLayer's op name (Pad, ConcatV2, …). */
  tfOp(l: KerasLayer): string {
    if (l.className !== 'TensorFlowOpLayer') return '';
    return String((l.config['node_def'] as { op?: string } | undefined)?.op ?? '');
  }

  tfConstant(l: KerasLayer, index: number): unknown {
    return (l.config['constants'] as Record<string, unknown> | undefined)?.[String(index)];
  }

  /** Weights of a layer by role: kernel, bias, gamma, beta, moving_mean, moving_variance. */
  weights(layerName: string): Map<string, Tensor> {
    const g = this.weightsRoot.get(layerName) as H5Group;
    const names = (g.attrs['weight_names'] as string[] | undefined) ?? [];
    const out = new Map<string, Tensor>();
    for (const raw of names) {
      const path = strip(raw);
      const role = /\/(kernel|bias|gamma|beta|moving_mean|moving_variance)(_\d+)?:0$/.exec(path)?.[1];
      if (!role) throw new ModelConversionError(`unknown weight ${path}`);
      const d = g.get(path) as H5Dataset;
      out.set(role, { shape: [...d.shape], data: Float64Array.from(d.value) });
    }
    return out;
  }
}

interface Affine {
  scale: Float64Array;
  offset: Float64Array;
}

function batchNorm(h5: KerasH5, l: KerasLayer): Affine {
  const w = h5.weights(l.name);
  const eps = Number(l.config['epsilon'] ?? 0.001);
  const mean = w.get('moving_mean')?.data;
  const variance = w.get('moving_variance')?.data;
  if (!mean || !variance) throw new ModelConversionError(`${l.name}: missing moving statistics`);
  const n = mean.length;
  const gamma = w.get('gamma')?.data ?? new Float64Array(n).fill(1);
  const beta = w.get('beta')?.data ?? new Float64Array(n);
  const scale = new Float64Array(n);
  const offset = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    scale[i] = gamma[i] / Math.sqrt(variance[i] + eps);
    offset[i] = beta[i] - mean[i] * scale[i];
  }
  return { scale, offset };
}

/** TensorFlow 'same' padding for stride 1: floor((k−1)/2) before, the rest after. */
function samePads(k: number): [number, number] {
  const before = Math.floor((k - 1) / 2);
  return [before, k - 1 - before];
}

function conv2dParams(h5: KerasLayer): { kh: number; kw: number; padding: string; activation: string } {
  const [kh, kw] = h5.config['kernel_size'] as number[];
  const strides = h5.config['strides'] as number[];
  const dilation = h5.config['dilation_rate'] as number[];
  if (strides.some((s) => s !== 1) || dilation.some((d) => d !== 1)) {
    throw new ModelConversionError(`${h5.name}: only stride 1 and dilation 1 are supported`);
  }
  return { kh, kw, padding: String(h5.config['padding']), activation: String(h5.config['activation']) };
}

/** Time padding of a Pad layer over [N, T, F, C]: only the time axis may be padded. */
function timePads(h5: KerasH5, pad: KerasLayer): [number, number] {
  const p = h5.tfConstant(pad, 1) as number[][] | undefined;
  if (!p || p.length !== 4) throw new ModelConversionError(`${pad.name}: unexpected paddings`);
  if ([p[0], p[2], p[3]].some((q) => q[0] !== 0 || q[1] !== 0)) {
    throw new ModelConversionError(`${pad.name}: only time padding is supported`);
  }
  return [p[1][0], p[1][1]];
}

/**
 * Converts a MusiCNN Keras H5 (Quint-e/musicnn_keras) to ONNX bytes. Throws ModelConversionError
 * when the file is not the expected architecture.
 */
export function convertMusicnnH5(bytes: Uint8Array, options: ConvertOptions = {}): Uint8Array {
  const h5 = new KerasH5(bytes);
  const g = new OnnxGraphBuilder('musicnn');
  const f32 = (a: ArrayLike<number>) => Float32Array.from(a);

  const inputLayer = [...h5.layers.values()].find((l) => l.className === 'InputLayer');
  if (!inputLayer) throw new ModelConversionError('no input layer');
  const inShape = inputLayer.config['batch_input_shape'] as (number | null)[];
  if (inShape.length !== 4 || inShape[3] !== 1) throw new ModelConversionError('input must be [N, T, F, 1]');
  const T = Number(inShape[1]);
  const F = Number(inShape[2]);

  // 1. Input batch norm (one channel) on [N, T, F].
  const bn0 = h5.consumers(inputLayer.name);
  if (bn0.length !== 1 || bn0[0].className !== 'BatchNormalization') {
    throw new ModelConversionError('the input must feed one batch normalisation');
  }
  const bn0a = batchNorm(h5, bn0[0]);
  const mel = g.input('mel', ['N', T, F]);
  let x = g.node('Mul', [mel, g.floats('bn0_scale', [], [bn0a.scale[0]])]);
  x = g.node('Add', [x, g.floats('bn0_offset', [], [bn0a.offset[0]])]);
  const image = g.node('Unsqueeze', [x, g.int64s('axes', [1])]); // [N, 1, T, F]

  // 2. Front end: the branches in the order of the concatenation that joins them.
  const feConcat = [...h5.layers.values()].find(
    (l) => h5.tfOp(l) === 'ConcatV2' && l.inputs.every((i) => h5.tfOp(h5.layer(i)) === 'Squeeze'),
  );
  if (!feConcat) throw new ModelConversionError('front-end concatenation not found');
  const branches: string[] = [];
  let feChannels = 0;
  for (const squeezeName of feConcat.inputs) {
    const pool = h5.source(squeezeName, 'MaxPooling2D');
    const bn = h5.source(pool.name, 'BatchNormalization');
    const conv = h5.source(bn.name, 'Conv2D');
    let src = h5.source(conv.name);
    let [padT0, padT1] = [0, 0];
    if (h5.tfOp(src) === 'Pad') {
      [padT0, padT1] = timePads(h5, src);
      src = h5.source(src.name);
    }
    if (src.name !== bn0[0].name)
      throw new ModelConversionError(`${conv.name} is not fed by the input batch norm`);
    const { kh, kw, padding, activation } = conv2dParams(conv);
    if (activation !== 'relu') throw new ModelConversionError(`${conv.name}: expected a ReLU`);
    let [padF0, padF1] = [0, 0];
    if (padding === 'same') {
      const [a, b] = samePads(kh);
      padT0 += a;
      padT1 += b;
      [padF0, padF1] = samePads(kw);
    } else if (padding !== 'valid') throw new ModelConversionError(`${conv.name}: padding ${padding}`);
    const outT = T + padT0 + padT1 - kh + 1;
    const outF = F + padF0 + padF1 - kw + 1;
    const poolSize = pool.config['pool_size'] as number[];
    if (outT !== T || poolSize[0] !== 1 || poolSize[1] !== outF) {
      throw new ModelConversionError(`${pool.name}: expected a max over the whole frequency axis`);
    }
    const w = h5.weights(conv.name);
    const kernel = w.get('kernel');
    const bias = w.get('bias');
    if (!kernel || !bias) throw new ModelConversionError(`${conv.name}: missing kernel or bias`);
    const cout = kernel.shape[3];
    const affine = batchNorm(h5, bn);
    const sign = affine.scale.map((s) => (s < 0 ? -1 : 1));
    // Keras [kh, kw, 1, cout] → ONNX [cpad, 1, kh, kw], each filter times the sign of its BN scale.
    // Output channels are padded with zero filters to a multiple of CHANNEL_BLOCK so that ONNX
    // Runtime keeps conv and max pool in its blocked NCHWc layout and reorders only the pooled map.
    const cpad = Math.ceil(cout / CHANNEL_BLOCK) * CHANNEL_BLOCK;
    const wOnnx = new Float32Array(cpad * kh * kw);
    const bOnnx = new Float32Array(cpad);
    for (let o = 0; o < cout; o++) {
      bOnnx[o] = sign[o] * bias.data[o];
      for (let h = 0; h < kh; h++) {
        for (let v = 0; v < kw; v++) {
          wOnnx[(o * kh + h) * kw + v] = sign[o] * kernel.data[(h * kw + v) * cout + o];
        }
      }
    }
    const convOut = g.node(
      'Conv',
      [
        image,
        g.floats(`${conv.name}_w`, [cpad, 1, kh, kw], wOnnx),
        g.floats(`${conv.name}_b`, [cpad], bOnnx),
      ],
      { kernel_shape: [kh, kw], pads: [padT0, padF0, padT1, padF1] },
    );
    // MaxPool over the whole frequency axis (rather than ReduceMax, which has no NCHWc kernel).
    const pooledMap = g.node('MaxPool', [convOut], { kernel_shape: [1, outF] }); // [N, cpad, T, 1]
    let y = g.node('Squeeze', [pooledMap, g.int64s('axes', [3])]); // [N, cpad, T]
    if (cpad !== cout) {
      y = g.node('Slice', [y, g.int64s('starts', [0]), g.int64s('ends', [cout]), g.int64s('axes', [1])]);
    }
    if (sign.some((s) => s < 0)) y = g.node('Mul', [y, g.floats(`${bn.name}_sign`, [cout, 1], sign)]);
    y = g.node('Relu', [y]);
    y = g.node('Mul', [y, g.floats(`${bn.name}_scale`, [cout, 1], affine.scale)]);
    y = g.node('Add', [y, g.floats(`${bn.name}_offset`, [cout, 1], affine.offset)]);
    branches.push(y);
    feChannels += cout;
  }
  const frontEnd = g.node('Concat', branches, { axis: 1 }); // [N, 561, T]
  const expand = h5.consumers(feConcat.name).find((l) => h5.tfOp(l) === 'ExpandDims');
  if (!expand) throw new ModelConversionError('front-end ExpandDims not found');

  // 3. Mid end: resolve the layers feeding the final concatenation, in [N, C, T] layout.
  const resolved = new Map<string, { name: string; channels: number }>([
    [expand.name, { name: frontEnd, channels: feChannels }],
  ]);
  const resolve = (layerName: string): { name: string; channels: number } => {
    const done = resolved.get(layerName);
    if (done) return done;
    const l = h5.layer(layerName);
    const op = h5.tfOp(l);
    let result: { name: string; channels: number };
    if (op === 'Transpose') {
      const perm = h5.tfConstant(l, 1) as number[];
      if (perm.join(',') !== '0,1,3,2') throw new ModelConversionError(`${l.name}: unexpected perm`);
      result = resolve(l.inputs[0]); // [N,T,1,C] ↔ [N,T,C,1] are both [N, C, T] here
    } else if (op === 'Add') {
      const [a, b] = l.inputs.map(resolve);
      if (a.channels !== b.channels) throw new ModelConversionError(`${l.name}: channel mismatch`);
      result = { name: g.node('Add', [a.name, b.name]), channels: a.channels };
    } else if (l.className === 'BatchNormalization') {
      const conv = h5.source(l.name, 'Conv2D');
      const pad = h5.source(conv.name);
      if (h5.tfOp(pad) !== 'Pad') throw new ModelConversionError(`${conv.name}: expected a Pad before`);
      const [p0, p1] = timePads(h5, pad);
      const src = resolve(pad.inputs[0]);
      const { kh, kw, padding, activation } = conv2dParams(conv);
      if (padding !== 'valid' || activation !== 'relu' || kw !== src.channels) {
        throw new ModelConversionError(
          `${conv.name}: expected a valid ReLU conv over all ${src.channels} features`,
        );
      }
      const w = h5.weights(conv.name);
      const kernel = w.get('kernel');
      const bias = w.get('bias');
      if (!kernel || !bias) throw new ModelConversionError(`${conv.name}: missing kernel or bias`);
      const cout = kernel.shape[3];
      // Keras [kh, C, 1, cout] → ONNX Conv1d [cout, C, kh].
      const wOnnx = new Float32Array(cout * kw * kh);
      for (let o = 0; o < cout; o++) {
        for (let c = 0; c < kw; c++) {
          for (let h = 0; h < kh; h++) wOnnx[(o * kw + c) * kh + h] = kernel.data[(h * kw + c) * cout + o];
        }
      }
      const affine = batchNorm(h5, l);
      let y = g.node(
        'Conv',
        [
          src.name,
          g.floats(`${conv.name}_w`, [cout, kw, kh], wOnnx),
          g.floats(`${conv.name}_b`, [cout], f32(bias.data)),
        ],
        {
          kernel_shape: [kh],
          pads: [p0, p1],
        },
      );
      y = g.node('Relu', [y]);
      y = g.node('Mul', [y, g.floats(`${l.name}_scale`, [cout, 1], affine.scale)]);
      y = g.node('Add', [y, g.floats(`${l.name}_offset`, [cout, 1], affine.offset)]);
      result = { name: y, channels: cout };
    } else {
      throw new ModelConversionError(`mid end: unsupported layer ${l.name} (${l.className} ${op})`);
    }
    resolved.set(layerName, result);
    return result;
  };
  const midConcat = h5.consumers(expand.name).find((l) => h5.tfOp(l) === 'ConcatV2');
  if (!midConcat || h5.tfConstant(midConcat, midConcat.inputs.length) !== 2) {
    throw new ModelConversionError('mid-end concatenation not found');
  }
  const parts = midConcat.inputs.map(resolve);
  const features = g.node(
    'Concat',
    parts.map((p) => p.name),
    { axis: 1 },
  ); // [N, 753, T]
  const nFeatures = parts.reduce((a, p) => a + p.channels, 0);

  // 4. Back end: max and mean over time, interleaved per feature as concat_2 orders them.
  const poolConcat = [...h5.layers.values()].find(
    (l) => h5.tfOp(l) === 'ConcatV2' && h5.consumers(l.name).some((c) => c.className === 'Flatten'),
  );
  if (!poolConcat) throw new ModelConversionError('back-end pooling concatenation not found');
  const pooledParts = poolConcat.inputs.map((name) => {
    let l = h5.layer(name);
    if (h5.tfOp(l) === 'Squeeze') l = h5.source(l.name);
    const op = h5.tfOp(l);
    const axes = [h5.tfConstant(l, 1)].flat() as number[];
    if (axes.length !== 1 || axes[0] !== 1 || l.inputs[0] !== midConcat.name) {
      throw new ModelConversionError(`${l.name}: expected a reduction over time of the mid-end features`);
    }
    if (op === 'Max') return g.node('ReduceMax', [features], { axes: [2], keepdims: 1 });
    if (op === 'Mean') return g.node('ReduceMean', [features], { axes: [2], keepdims: 1 });
    throw new ModelConversionError(`${l.name}: unsupported pooling ${op}`);
  });
  const stacked = g.node('Concat', pooledParts, { axis: 2 }); // [N, 753, 2]
  const pooledDim = nFeatures * pooledParts.length;
  const pooled = g.node(
    'Flatten',
    [stacked],
    { axis: 1 },
    options.pooledOutput === false ? undefined : 'pooled',
  );

  // 5. Dense head with the preceding batch norms folded in.
  const flatten = h5.consumers(poolConcat.name)[0];
  const skipDropout = (l: KerasLayer): KerasLayer => {
    let cur = l;
    while (cur.className === 'Dropout') cur = h5.consumers(cur.name)[0];
    return cur;
  };
  const bnFlat = skipDropout(h5.consumers(flatten.name)[0]);
  const dense = skipDropout(h5.consumers(bnFlat.name)[0]);
  if (
    bnFlat.className !== 'BatchNormalization' ||
    dense.className !== 'Dense' ||
    dense.config['activation'] !== 'relu'
  ) {
    throw new ModelConversionError('expected flatten → batch norm → dense (ReLU)');
  }
  const bnDense = skipDropout(h5.consumers(dense.name)[0]);
  const dense1 = skipDropout(h5.consumers(bnDense.name)[0]);
  if (bnDense.className !== 'BatchNormalization' || dense1.className !== 'Dense') {
    throw new ModelConversionError('expected dense → batch norm → dense');
  }
  const foldDense = (
    bn: Affine,
    layer: KerasLayer,
  ): { w: Float32Array; b: Float32Array; din: number; dout: number } => {
    const wts = h5.weights(layer.name);
    const kernel = wts.get('kernel');
    const bias = wts.get('bias');
    if (!kernel || !bias) throw new ModelConversionError(`${layer.name}: missing kernel or bias`);
    const [din, dout] = kernel.shape;
    if (bn.scale.length !== din) throw new ModelConversionError(`${layer.name}: input size mismatch`);
    const w = new Float32Array(din * dout);
    const b = Float64Array.from(bias.data);
    for (let i = 0; i < din; i++) {
      for (let j = 0; j < dout; j++) {
        const k = kernel.data[i * dout + j];
        w[i * dout + j] = bn.scale[i] * k;
        b[j] += bn.offset[i] * k;
      }
    }
    return { w, b: f32(b), din, dout };
  };
  const d0 = foldDense(batchNorm(h5, bnFlat), dense);
  if (d0.din !== pooledDim) throw new ModelConversionError('dense input does not match the pooled size');
  const embedding = g.node(
    'Gemm',
    [pooled, g.floats('dense_w', [d0.din, d0.dout], d0.w), g.floats('dense_b', [d0.dout], d0.b)],
    {},
    'embedding',
  );
  const hidden = g.node('Relu', [embedding]);
  const d1 = foldDense(batchNorm(h5, bnDense), dense1);
  const logits = g.node('Gemm', [
    hidden,
    g.floats('dense_1_w', [d1.din, d1.dout], d1.w),
    g.floats('dense_1_b', [d1.dout], d1.b),
  ]);
  const after = h5.consumers(dense1.name)[0];
  const sigmoidLater = after?.className === 'Activation' && after.config['activation'] === 'sigmoid';
  if (!sigmoidLater && dense1.config['activation'] !== 'sigmoid')
    throw new ModelConversionError('expected a sigmoid tag head');
  g.node('Sigmoid', [logits], {}, 'tags');

  g.output('embedding', ['N', d0.dout]);
  g.output('tags', ['N', d1.dout]);
  if (options.pooledOutput !== false) g.output('pooled', ['N', pooledDim]);
  return g.encode(`MusiCNN converted from Keras H5 by Timbre (converter v${CONVERTER_VERSION}); weights ISC`);
}
