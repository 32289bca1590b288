/**
 * A tiny helper to assemble ONNX models with onnx-proto (protobufjs encoding of onnx.proto).
 * Used by the MusiCNN converter and by tests that build small models of their own.
 */
import { createRequire } from 'node:module';
import type { onnx as OnnxNamespace } from 'onnx-proto';

const require = createRequire(import.meta.url);
const { onnx } = require('onnx-proto') as { onnx: typeof OnnxNamespace };

/** Integers become INT attributes; pass `{ f }` for a float that happens to be whole. */
export type AttrValue = number | number[] | string | { f: number } | { floats: number[] };

/** Default opset (MusiCNN's graph); a builder may ask for a newer one (HardSwish needs 14). */
export const OPSET = 13;
const IR_VERSION = 7;

/** A dimension: a fixed size or a symbolic name (dynamic). */
export type Dim = number | string;

export class OnnxGraphBuilder {
  private readonly nodes: OnnxNamespace.INodeProto[] = [];
  private readonly initializers: OnnxNamespace.ITensorProto[] = [];
  private readonly inputs: OnnxNamespace.IValueInfoProto[] = [];
  private readonly outputs: OnnxNamespace.IValueInfoProto[] = [];
  private counter = 0;

  constructor(
    private readonly name: string,
    private readonly opset: number = OPSET,
  ) {}

  /** A fresh tensor name with the given prefix. */
  fresh(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }

  input(name: string, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, dims));
    return name;
  }

  output(name: string, dims: Dim[]): void {
    this.outputs.push(valueInfo(name, dims));
  }

  /** A float32 constant (initializer). */
  floats(prefix: string, dims: number[], data: ArrayLike<number>): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (data.length !== count)
      throw new Error(`${prefix}: ${data.length} values for dims [${dims.join(', ')}]`);
    const f32 = data instanceof Float32Array ? data : Float32Array.from(data);
    const name = this.fresh(prefix);
    this.initializers.push({
      name,
      dims,
      dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength),
    });
    return name;
  }

  /** An int64 constant (initializer), e.g. the axes of Unsqueeze or a Reshape shape. */
  int64s(prefix: string, data: number[]): string {
    const name = this.fresh(prefix);
    const raw = new BigInt64Array(data.map((v) => BigInt(v)));
    this.initializers.push({
      name,
      dims: [data.length],
      dataType: onnx.TensorProto.DataType.INT64,
      rawData: new Uint8Array(raw.buffer),
    });
    return name;
  }

  /** Adds a node; returns its (first) output name, `out` if given. */
  node(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, out?: string): string {
    const output = out ?? this.fresh(opType.toLowerCase());
    const attribute: OnnxNamespace.IAttributeProto[] = Object.entries(attrs).map(([name, v]) =>
      attr(name, v),
    );
    this.nodes.push({ opType, input: inputs, output: [output], name: this.fresh(`n_${opType}`), attribute });
    return output;
  }

  /** Encodes the model (ONNX ModelProto bytes). */
  encode(docString = ''): Uint8Array {
    const model: OnnxNamespace.IModelProto = {
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: this.opset }],
      producerName: 'timbre',
      producerVersion: '1',
      docString,
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    };
    return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  }
}

function valueInfo(name: string, dims: Dim[]): OnnxNamespace.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attr(name: string, v: AttrValue): OnnxNamespace.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') {
    return Number.isInteger(v) ? { name, type: T.INT, i: v } : { name, type: T.FLOAT, f: v };
  }
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if ('f' in v) return { name, type: T.FLOAT, f: v.f };
  return { name, type: T.FLOATS, floats: v.floats };
}
