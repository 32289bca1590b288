/**
 * EfficientAT mn04_as checkpoint → ONNX graph (../shared/models/efficientat/README.md §3), through
 * our own OnnxGraphBuilder. Every batch norm (eps 0.001) is folded into the conv before it; SE
 * blocks become GlobalAveragePool → 1×1 Conv → Relu → 1×1 Conv → Sigmoid → Mul; the head gives three
 * outputs: `features` [N, 384] (global average pool of features.16), `hidden` [N, 512] and `logits`
 * [N, 527] (no sigmoid). Input `mel` [N, 1, 128, T], N and T dynamic.
 *
 * The wiring (which stage strides, which activation) is the architecture's; the layer sizes, kernel
 * sizes, groups and SE presence are read from the tensors and checked, so a checkpoint of another
 * width fails loudly instead of producing a wrong graph.
 */
import { OnnxGraphBuilder } from '../onnx-builder';
import { readTorchCheckpoint, type CheckpointTensor } from './checkpoint';

/** Bumped whenever the emitted graph changes (part of the cache key). */
export const EFFAT_CONVERTER_VERSION = 1;

const BN_EPS = 0.001;
const OPSET = 14; // HardSwish
/** Stages whose depthwise conv strides by 2 (the first conv, features.0, strides too). */
const STRIDED = new Set([2, 4, 7, 13]);
/** Stages 1–6 use ReLU; the first conv, 7–15 and the last conv use hard-swish. */
const RELU_STAGES = new Set([1, 2, 3, 4, 5, 6]);
const LAST_STAGE = 16;

export class EffatConversionError extends Error {
  override name = 'EffatConversionError';
}

type Weights = Map<string, CheckpointTensor>;

function tensor(w: Weights, key: string, rank?: number): { shape: number[]; data: Float32Array } {
  const t = w.get(key);
  if (!t) throw new EffatConversionError(`the checkpoint has no ${key}`);
  if (t.dtype !== 'float32' || !(t.data instanceof Float32Array))
    throw new EffatConversionError(`${key} is ${t.dtype}, expected float32`);
  if (rank !== undefined && t.shape.length !== rank)
    throw new EffatConversionError(`${key} has shape [${t.shape.join(', ')}], expected rank ${rank}`);
  return { shape: t.shape, data: t.data };
}

interface Built {
  out: string;
  channels: number;
}

class Mn04Builder {
  readonly g = new OnnxGraphBuilder('efficientat_mn04_as', OPSET);

  constructor(private readonly w: Weights) {}

  /** conv (no bias) + folded BN + optional activation; `prefix` holds `.0.weight` and `.1.*`. */
  cba(
    x: string,
    cin: number,
    prefix: string,
    stride: number,
    act: 'relu' | 'hswish' | 'none',
    depthwise: boolean,
  ): Built {
    const conv = tensor(this.w, `${prefix}.0.weight`, 4);
    const [cout, cinPerGroup, kh, kw] = conv.shape;
    if (kh !== kw || kh % 2 !== 1)
      throw new EffatConversionError(`${prefix}: kernel ${kh}×${kw} is not odd square`);
    const group = depthwise ? cin : 1;
    if (depthwise ? cinPerGroup !== 1 || cout !== cin : cinPerGroup !== cin)
      throw new EffatConversionError(
        `${prefix}: weight [${conv.shape.join(', ')}] does not fit ${cin} input channels${depthwise ? ' (depthwise)' : ''}`,
      );
    const gamma = tensor(this.w, `${prefix}.1.weight`, 1).data;
    const beta = tensor(this.w, `${prefix}.1.bias`, 1).data;
    const mean = tensor(this.w, `${prefix}.1.running_mean`, 1).data;
    const variance = tensor(this.w, `${prefix}.1.running_var`, 1).data;
    for (const [n, a] of [
      ['weight', gamma],
      ['bias', beta],
      ['running_mean', mean],
      ['running_var', variance],
    ] as const)
      if (a.length !== cout)
        throw new EffatConversionError(`${prefix}.1.${n} has ${a.length} values, expected ${cout}`);
    const per = cinPerGroup * kh * kw;
    const wf = new Float32Array(conv.data.length);
    const bf = new Float32Array(cout);
    for (let c = 0; c < cout; c++) {
      const a = gamma[c] / Math.sqrt(variance[c] + BN_EPS);
      for (let i = 0; i < per; i++) wf[c * per + i] = conv.data[c * per + i] * a;
      bf[c] = beta[c] - mean[c] * a;
    }
    const p = (kh - 1) / 2;
    let y = this.g.node(
      'Conv',
      [x, this.g.floats(`${prefix}.w`, conv.shape, wf), this.g.floats(`${prefix}.b`, [cout], bf)],
      { kernel_shape: [kh, kw], strides: [stride, stride], pads: [p, p, p, p], dilations: [1, 1], group },
    );
    if (act === 'relu') y = this.g.node('Relu', [y]);
    else if (act === 'hswish') y = this.g.node('HardSwish', [y]);
    return { out: y, channels: cout };
  }

  se(x: string, channels: number, prefix: string): string {
    const fc1 = tensor(this.w, `${prefix}.fc1.weight`, 2);
    const fc2 = tensor(this.w, `${prefix}.fc2.weight`, 2);
    const [cs, c1] = fc1.shape;
    if (c1 !== channels || fc2.shape[0] !== channels || fc2.shape[1] !== cs)
      throw new EffatConversionError(`${prefix}: SE shapes do not fit ${channels} channels`);
    const b1 = tensor(this.w, `${prefix}.fc1.bias`, 1).data;
    const b2 = tensor(this.w, `${prefix}.fc2.bias`, 1).data;
    const pooled = this.g.node('GlobalAveragePool', [x]);
    let h = this.g.node(
      'Conv',
      [
        pooled,
        this.g.floats(`${prefix}.fc1.w`, [cs, channels, 1, 1], fc1.data),
        this.g.floats(`${prefix}.fc1.b`, [cs], b1),
      ],
      {
        kernel_shape: [1, 1],
      },
    );
    h = this.g.node('Relu', [h]);
    let s = this.g.node(
      'Conv',
      [
        h,
        this.g.floats(`${prefix}.fc2.w`, [channels, cs, 1, 1], fc2.data),
        this.g.floats(`${prefix}.fc2.b`, [channels], b2),
      ],
      {
        kernel_shape: [1, 1],
      },
    );
    s = this.g.node('Sigmoid', [s]);
    return this.g.node('Mul', [x, s]);
  }

  block(x: string, cin: number, i: number): Built {
    const B = `features.${i}.block`;
    const stride = STRIDED.has(i) ? 2 : 1;
    const act = RELU_STAGES.has(i) ? 'relu' : 'hswish';
    let sub = 0;
    let y: Built = { out: x, channels: cin };
    // Expand (absent when the first conv is already the depthwise one, as in block 1).
    const first = tensor(this.w, `${B}.0.0.weight`, 4);
    if (first.shape[2] === 1) {
      y = this.cba(y.out, y.channels, `${B}.0`, 1, act, false);
      sub = 1;
    }
    y = this.cba(y.out, y.channels, `${B}.${sub}`, stride, act, true);
    sub += 1;
    const seKey = `${B}.${sub}.conc_se_layers.0`;
    if (this.w.has(`${seKey}.fc1.weight`)) {
      y = { out: this.se(y.out, y.channels, seKey), channels: y.channels };
      sub += 1;
    }
    y = this.cba(y.out, y.channels, `${B}.${sub}`, 1, 'none', false);
    if (stride === 1 && y.channels === cin) y = { out: this.g.node('Add', [y.out, x]), channels: cin };
    return y;
  }

  build(): Uint8Array {
    const g = this.g;
    const mel = g.input('mel', ['N', 1, 128, 'T']);
    let y = this.cba(mel, 1, 'features.0', 2, 'hswish', false);
    for (let i = 1; i < LAST_STAGE; i++) {
      if (!this.w.has(`features.${i}.block.0.0.weight`))
        throw new EffatConversionError(`the checkpoint has no stage features.${i}`);
      y = this.block(y.out, y.channels, i);
    }
    y = this.cba(y.out, y.channels, `features.${LAST_STAGE}`, 1, 'hswish', false);
    if (this.w.has(`features.${LAST_STAGE + 1}.0.weight`))
      throw new EffatConversionError('the checkpoint has more stages than mn04 (not this architecture)');

    const pooled = g.node('GlobalAveragePool', [y.out]);
    g.node('Flatten', [pooled], { axis: 1 }, 'features');
    const fc1 = tensor(this.w, 'classifier.2.weight', 2);
    const fc2 = tensor(this.w, 'classifier.5.weight', 2);
    if (fc1.shape[1] !== y.channels || fc2.shape[1] !== fc1.shape[0])
      throw new EffatConversionError('classifier shapes do not fit the feature width');
    const h = g.node(
      'Gemm',
      [
        'features',
        g.floats('cls2.w', fc1.shape, fc1.data),
        g.floats('cls2.b', [fc1.shape[0]], tensor(this.w, 'classifier.2.bias', 1).data),
      ],
      {
        transB: 1,
      },
    );
    g.node('HardSwish', [h], {}, 'hidden');
    g.node(
      'Gemm',
      [
        'hidden',
        g.floats('cls5.w', fc2.shape, fc2.data),
        g.floats('cls5.b', [fc2.shape[0]], tensor(this.w, 'classifier.5.bias', 1).data),
      ],
      {
        transB: 1,
      },
      'logits',
    );
    g.output('features', ['N', y.channels]);
    g.output('hidden', ['N', fc1.shape[0]]);
    g.output('logits', ['N', fc2.shape[0]]);
    return g.encode(
      'EfficientAT mn04_as (MIT, Florian Schmid), converted by Timbre from its PyTorch checkpoint',
    );
  }
}

/** Converts the bytes of `mn04_as_mAP_432.pt` to ONNX model bytes. */
export function convertEfficientAtCheckpoint(checkpoint: Uint8Array): Uint8Array {
  return new Mn04Builder(readTorchCheckpoint(checkpoint)).build();
}
