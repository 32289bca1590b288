import { describe, expect, it } from 'vitest';
import { ZipFormatError, ZipReader } from '../../../../src/main/analysis/models/efficientat/zip';
import { PickleError, unpickle } from '../../../../src/main/analysis/models/efficientat/pickle';
import {
  CheckpointError,
  readTorchCheckpoint,
} from '../../../../src/main/analysis/models/efficientat/checkpoint';

// --- a tiny ZIP writer: stored entries, bit 3 set and zero sizes in the local headers, a padding
// extra field in the local header only (as PyTorch writes them) ---
function zip(entries: { name: string; data: Uint8Array; method?: number }[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = new TextEncoder().encode(e.name);
    const headerLen = 30 + name.length;
    const pad = (64 - ((offset + headerLen + 4) % 64)) % 64;
    const extra = new Uint8Array(4 + pad);
    new DataView(extra.buffer).setUint16(0, 0x4246, true); // "FB"
    new DataView(extra.buffer).setUint16(2, pad, true);
    const lh = new Uint8Array(30);
    const lv = new DataView(lh.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(6, 0x0808, true);
    lv.setUint16(8, e.method ?? 0, true);
    lv.setUint16(26, name.length, true);
    lv.setUint16(28, extra.length, true);
    const cd = new Uint8Array(46 + name.length);
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(8, 0x0808, true);
    cv.setUint16(10, e.method ?? 0, true);
    cv.setUint32(20, e.data.length, true);
    cv.setUint32(24, e.data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    cd.set(name, 46);
    central.push(cd);
    for (const p of [lh, name, extra, e.data]) {
      parts.push(p);
      offset += p.length;
    }
  }
  const cdOffset = offset;
  const cdSize = central.reduce((a, c) => a + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, cdOffset, true);
  const all = [...parts, ...central, eocd];
  const out = new Uint8Array(all.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of all) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

// --- a tiny pickle writer for the opcodes a state_dict uses ---
class Pickler {
  private readonly bytes: number[] = [0x80, 2];
  op(...b: number[]): this {
    this.bytes.push(...b);
    return this;
  }
  str(s: string): this {
    const u = new TextEncoder().encode(s);
    this.bytes.push(0x58, u.length & 255, (u.length >> 8) & 255, 0, 0, ...u);
    return this;
  }
  int(n: number): this {
    if (n < 256) this.bytes.push(0x4b, n);
    else if (n < 65536) this.bytes.push(0x4d, n & 255, n >> 8);
    else this.bytes.push(0x4a, n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255);
    return this;
  }
  global(module: string, name: string): this {
    this.bytes.push(0x63, ...new TextEncoder().encode(`${module}\n${name}\n`));
    return this;
  }
  intTuple(v: number[]): this {
    if (v.length === 0) return this.op(0x29);
    this.op(0x28);
    v.forEach((x) => this.int(x));
    return this.op(0x74);
  }
  /** _rebuild_tensor_v2(storage(key, numel), offset, size, stride, False, OrderedDict()) */
  tensor(
    storageClass: string,
    key: string,
    numel: number,
    offset: number,
    size: number[],
    stride: number[],
  ): this {
    this.global('torch._utils', '_rebuild_tensor_v2').op(0x28);
    this.op(0x28).str('storage').global('torch', storageClass).str(key).str('cpu').int(numel).op(0x74, 0x51);
    this.int(offset).intTuple(size).intTuple(stride).op(0x89);
    this.global('collections', 'OrderedDict').op(0x29, 0x52);
    return this.op(0x74, 0x52);
  }
  done(): Uint8Array {
    return Uint8Array.from([...this.bytes, 0x2e]);
  }
}

const f32bytes = (v: number[]) => new Uint8Array(Float32Array.from(v).buffer);
const i64bytes = (v: number[]) => new Uint8Array(BigInt64Array.from(v.map(BigInt)).buffer);

describe('ZipReader', () => {
  it('reads stored entries using central-directory sizes and local-header data offsets', () => {
    const a = new Uint8Array([1, 2, 3, 4, 5]);
    const b = new TextEncoder().encode('3\n');
    const r = new ZipReader(
      zip([
        { name: 'archive/data/0', data: a },
        { name: 'archive/version', data: b },
      ]),
    );
    expect([...r.entries.keys()]).toEqual(['archive/data/0', 'archive/version']);
    expect([...r.read('archive/data/0')]).toEqual([1, 2, 3, 4, 5]);
    expect(new TextDecoder().decode(r.read('archive/version'))).toBe('3\n');
  });

  it('rejects compressed entries, missing entries and non-ZIP bytes', () => {
    const r = new ZipReader(zip([{ name: 'x', data: new Uint8Array(3), method: 8 }]));
    expect(() => r.read('x')).toThrow(/compression method 8/);
    expect(() => r.read('y')).toThrow(ZipFormatError);
    expect(() => new ZipReader(new Uint8Array(100))).toThrow(/not a ZIP/);
  });
});

describe('unpickle (state_dict subset)', () => {
  it('builds tuples, dicts and memo references', () => {
    // {'a': (1, 300), 'b': <memo 0>} where memo 0 = (1, 300)
    const bytes = new Pickler()
      .op(0x7d, 0x71, 0, 0x28)
      .str('a')
      .int(1)
      .int(300)
      .op(0x86, 0x71, 1)
      .str('b')
      .op(0x68, 1, 0x75)
      .done();
    const v = unpickle(bytes, {
      reduce: () => {
        throw new Error('no reduce expected');
      },
      persistentLoad: () => {
        throw new Error('no pid expected');
      },
    });
    expect(v).toBeInstanceOf(Map);
    const m = v as Map<string, unknown>;
    expect(m.get('a')).toEqual([1, 300]);
    expect(m.get('b')).toBe(m.get('a'));
  });

  it('rejects opcodes outside the subset (e.g. STACK_GLOBAL, INST)', () => {
    const hooks = { reduce: () => 0, persistentLoad: () => 0 };
    expect(() => unpickle(Uint8Array.from([0x80, 2, 0x93, 0x2e]), hooks)).toThrow(PickleError);
    expect(() => unpickle(Uint8Array.from([0x80, 2, 0x69, 0x2e]), hooks)).toThrow(/opcode 0x69/);
    expect(() => unpickle(Uint8Array.from([0x80, 2, 0x4b]), hooks)).toThrow(/truncated/);
  });
});

describe('readTorchCheckpoint', () => {
  function checkpoint(pkl: Uint8Array, storages: Record<string, Uint8Array>): Uint8Array {
    return zip([
      { name: 'model/data.pkl', data: pkl },
      ...Object.entries(storages).map(([k, d]) => ({ name: `model/data/${k}`, data: d })),
      { name: 'model/version', data: new TextEncoder().encode('3\n') },
    ]);
  }

  it('reads float32 and int64 tensors, 0-d scalars and strided views in pickle order', () => {
    const pkl = new Pickler()
      .op(0x7d, 0x28)
      .str('w')
      .tensor('FloatStorage', '0', 6, 0, [2, 3], [3, 1])
      .str('wT') // a transposed view of the same storage: [3, 2] with stride (1, 3)
      .tensor('FloatStorage', '0', 6, 0, [3, 2], [1, 3])
      .str('tail') // offset into a storage
      .tensor('FloatStorage', '0', 6, 4, [2], [1])
      .str('n')
      .tensor('LongStorage', '1', 1, 0, [], [])
      .op(0x75)
      .done();
    const t = readTorchCheckpoint(
      checkpoint(pkl, { '0': f32bytes([1, 2, 3, 4, 5, 6]), '1': i64bytes([291900]) }),
    );
    expect([...t.keys()]).toEqual(['w', 'wT', 'tail', 'n']);
    expect(t.get('w')).toEqual({
      dtype: 'float32',
      shape: [2, 3],
      data: Float32Array.from([1, 2, 3, 4, 5, 6]),
    });
    expect([...t.get('wT')!.data]).toEqual([1, 4, 2, 5, 3, 6]);
    expect([...t.get('tail')!.data]).toEqual([5, 6]);
    expect(t.get('n')!.dtype).toBe('int64');
    expect(t.get('n')!.shape).toEqual([]);
    expect(t.get('n')!.data[0]).toBe(291900n);
  });

  it('refuses globals a state_dict never calls, unknown storage types and short storages', () => {
    const evil = new Pickler().global('os', 'system').str('echo hi').op(0x85, 0x52).done();
    expect(() => readTorchCheckpoint(checkpoint(evil, {}))).toThrow(/os\.system/);
    const half = new Pickler()
      .op(0x7d, 0x28)
      .str('h')
      .tensor('HalfStorage', '0', 2, 0, [2], [1])
      .op(0x75)
      .done();
    expect(() => readTorchCheckpoint(checkpoint(half, { '0': new Uint8Array(4) }))).toThrow(/HalfStorage/);
    const short = new Pickler()
      .op(0x7d, 0x28)
      .str('s')
      .tensor('FloatStorage', '0', 4, 0, [4], [1])
      .op(0x75)
      .done();
    expect(() => readTorchCheckpoint(checkpoint(short, { '0': f32bytes([1, 2]) }))).toThrow(CheckpointError);
    const past = new Pickler()
      .op(0x7d, 0x28)
      .str('p')
      .tensor('FloatStorage', '0', 2, 1, [2], [1])
      .op(0x75)
      .done();
    expect(() => readTorchCheckpoint(checkpoint(past, { '0': f32bytes([1, 2]) }))).toThrow(
      /past its storage/,
    );
  });
});
