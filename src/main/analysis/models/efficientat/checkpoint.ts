/**
 * Reads a PyTorch `state_dict` checkpoint (the ZIP format of `torch.save`) into plain typed arrays,
 * without Python: the ZIP container (zip.ts), the pickled dict of tensors (pickle.ts), and each
 * tensor's storage entry (`<archive>/data/<key>`, little-endian). Only what a state_dict of float32
 * and int64 tensors needs is accepted; any other global is an error.
 */
import {
  isGlobal,
  PickleError,
  unpickle,
  type PickleGlobal,
  type PickleTuple,
  type PickleValue,
} from './pickle';
import { ZipReader } from './zip';

export type TensorDtype = 'float32' | 'int64';

export interface CheckpointTensor {
  dtype: TensorDtype;
  shape: number[];
  /** Row-major elements (float32 tensors as Float32Array, int64 as BigInt64Array). */
  data: Float32Array | BigInt64Array;
}

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

interface StorageRef {
  readonly storage: true;
  dtype: TensorDtype;
  key: string;
  numel: number;
}

interface TensorRef {
  readonly tensor: true;
  storage: StorageRef;
  offset: number;
  shape: number[];
  stride: number[];
}

const STORAGE_DTYPES: Record<string, TensorDtype> = {
  FloatStorage: 'float32',
  LongStorage: 'int64',
};

const wrap = (value: unknown): PickleValue => ({ kind: 'object', value });
function unwrap(v: PickleValue): unknown {
  if (typeof v !== 'object' || v === null || v instanceof Map || isTuple(v)) return undefined;
  return v.kind === 'object' ? v.value : undefined;
}

function isTuple(v: PickleValue): v is PickleTuple {
  return Array.isArray(v);
}

function intOf(v: PickleValue, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw new CheckpointError(`${what} is not a count`);
  return v;
}

function intTuple(v: PickleValue, what: string): number[] {
  if (!Array.isArray(v)) throw new CheckpointError(`${what} is not a tuple`);
  return (v as PickleTuple).map((x, i) => intOf(x, `${what}[${i}]`));
}

const globalName = (g: PickleGlobal) => `${g.module}.${g.name}`;

/** Parses a checkpoint's bytes into its tensors, in the pickle's key order. */
export function readTorchCheckpoint(bytes: Uint8Array): Map<string, CheckpointTensor> {
  let zip: ZipReader;
  try {
    zip = new ZipReader(bytes);
  } catch (err) {
    throw new CheckpointError(`not a PyTorch ZIP checkpoint: ${(err as Error).message}`, { cause: err });
  }
  const pklName = [...zip.entries.keys()].find((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (!pklName) throw new CheckpointError('not a PyTorch ZIP checkpoint: no <archive>/data.pkl entry');
  const prefix = pklName.slice(0, -'data.pkl'.length);
  if (zip.entries.has(`${prefix}byteorder`)) {
    const order = new TextDecoder().decode(zip.read(`${prefix}byteorder`)).trim();
    if (order !== 'little') throw new CheckpointError(`byte order "${order}" is not supported`);
  }

  let root: PickleValue;
  try {
    root = unpickle(zip.read(pklName), {
      persistentLoad(pid) {
        if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== 'storage')
          throw new CheckpointError('unexpected persistent id (not a storage)');
        const cls = pid[1] as PickleValue;
        if (!isGlobal(cls) || cls.module !== 'torch')
          throw new CheckpointError('storage without a torch storage class');
        const dtype = STORAGE_DTYPES[cls.name];
        if (!dtype) throw new CheckpointError(`storage class torch.${cls.name} is not supported`);
        const key = pid[2];
        if (typeof key !== 'string') throw new CheckpointError('storage key is not a string');
        const ref: StorageRef = {
          storage: true,
          dtype,
          key,
          numel: intOf(pid[4] as PickleValue, 'storage numel'),
        };
        return wrap(ref);
      },
      reduce(callable, args) {
        const name = globalName(callable);
        if (name === 'collections.OrderedDict') {
          if (args.length !== 0) throw new CheckpointError('OrderedDict with arguments is not supported');
          return new Map();
        }
        if (name === 'torch._utils._rebuild_tensor_v2') {
          if (args.length < 4) throw new CheckpointError('_rebuild_tensor_v2 with too few arguments');
          const storage = unwrap(args[0]) as StorageRef | undefined;
          if (!storage?.storage) throw new CheckpointError('_rebuild_tensor_v2 without a storage');
          const ref: TensorRef = {
            tensor: true,
            storage,
            offset: intOf(args[1], 'storage offset'),
            shape: intTuple(args[2], 'size'),
            stride: intTuple(args[3], 'stride'),
          };
          return wrap(ref);
        }
        throw new CheckpointError(`the checkpoint calls ${name}, which a state_dict reader does not accept`);
      },
    });
  } catch (err) {
    if (err instanceof CheckpointError) throw err;
    if (err instanceof PickleError) throw new CheckpointError(`data.pkl: ${err.message}`, { cause: err });
    throw err;
  }
  if (!(root instanceof Map)) throw new CheckpointError('data.pkl does not hold a dict');

  const out = new Map<string, CheckpointTensor>();
  for (const [k, v] of root) {
    if (typeof k !== 'string') throw new CheckpointError('a state_dict key is not a string');
    const ref = unwrap(v) as TensorRef | undefined;
    if (!ref?.tensor) throw new CheckpointError(`${k} is not a tensor`);
    out.set(k, materialise(zip, prefix, k, ref));
  }
  return out;
}

function materialise(zip: ZipReader, prefix: string, key: string, ref: TensorRef): CheckpointTensor {
  const { storage, shape, stride, offset } = ref;
  if (stride.length !== shape.length) throw new CheckpointError(`${key}: size and stride differ in rank`);
  const itemSize = storage.dtype === 'float32' ? 4 : 8;
  const raw = zip.read(`${prefix}data/${storage.key}`);
  if (raw.byteLength < storage.numel * itemSize)
    throw new CheckpointError(
      `${key}: storage ${storage.key} holds ${raw.byteLength} bytes, expected ${storage.numel * itemSize}`,
    );
  // Copy into an aligned buffer (entry data starts on 64-byte boundaries in PyTorch files, but a
  // subarray's offset into the file buffer need not be a multiple of the element size).
  const aligned = new Uint8Array(storage.numel * itemSize);
  aligned.set(raw.subarray(0, aligned.byteLength));
  const src =
    storage.dtype === 'float32' ? new Float32Array(aligned.buffer) : new BigInt64Array(aligned.buffer);
  const numel = shape.reduce((a, b) => a * b, 1);
  let maxIndex = offset;
  for (let d = 0; d < shape.length; d++) if (shape[d] > 0) maxIndex += (shape[d] - 1) * stride[d];
  if (numel > 0 && maxIndex >= storage.numel)
    throw new CheckpointError(`${key}: its size and stride reach past its storage`);
  let contiguous = true;
  for (let d = shape.length - 1, expect = 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expect) contiguous = false;
    expect *= shape[d];
  }
  let data: Float32Array | BigInt64Array;
  if (contiguous) {
    data = src.slice(offset, offset + numel);
  } else {
    data = storage.dtype === 'float32' ? new Float32Array(numel) : new BigInt64Array(numel);
    const idx = new Array<number>(shape.length).fill(0);
    for (let i = 0; i < numel; i++) {
      let s = offset;
      for (let d = 0; d < shape.length; d++) s += idx[d] * stride[d];
      data[i] = src[s];
      for (let d = shape.length - 1; d >= 0; d--) {
        if (++idx[d] < shape[d]) break;
        idx[d] = 0;
      }
    }
  }
  return { dtype: storage.dtype, shape: [...shape], data };
}
