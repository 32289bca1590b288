/** The small WebAssembly writer the decimator's SIMD kernel is emitted with. */
import { describe, expect, it } from 'vitest';
import { Code, sleb, uleb, wasmModule } from '../../../src/main/analysis/dsp/wasm-encode';

interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

describe('wasm-encode', () => {
  it('writes LEB128 as the spec examples', () => {
    expect(uleb(0)).toEqual([0]);
    expect(uleb(127)).toEqual([0x7f]);
    expect(uleb(128)).toEqual([0x80, 0x01]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(sleb(0)).toEqual([0]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(-64)).toEqual([0x40]);
    expect(sleb(-65)).toEqual([0xbf, 0x7f]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
  });

  it('emits a module that validates and runs: a SIMD loop scaling and deinterleaving floats', () => {
    // run(count): for p = 0, 16, … < count·4: mem[4096 + p] = (mem[p] + mem[p]) · 0.5, then the
    // even lanes of the first two vectors into mem[8192].
    const c = new Code();
    c.i32Const(0).localSet(1);
    c.loop();
    c.localGet(1).localGet(1).v128Load(0).localGet(1).v128Load(0).f32x4Add();
    c.f32x4Const([0.5, 0.5, 0.5, 0.5]).f32x4Mul().v128Store(4096);
    c.localGet(1).i32Const(16).i32Add().localTee(1).localGet(0).i32Const(2).i32Shl().i32LtU().brIf(0);
    c.end();
    c.i32Const(8192).i32Const(0).v128Load(0).i32Const(0).v128Load(16);
    c.i8x16Shuffle([0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27]).v128Store(0);
    const bytes = wasmModule(1, [{ name: 'run', params: 1, locals: 1, body: c }]);
    expect(wasm.validate(bytes)).toBe(true);
    const { exports } = new wasm.Instance(new wasm.Module(bytes));
    const mem = new Float32Array((exports.memory as { buffer: ArrayBuffer }).buffer);
    expect(mem.length).toBe(16384);
    for (let i = 0; i < 16; i++) mem[i] = i + 0.25;
    (exports.run as (count: number) => void)(16);
    expect(Array.from(mem.subarray(1024, 1040))).toEqual(Array.from(mem.subarray(0, 16)));
    expect(Array.from(mem.subarray(2048, 2052))).toEqual([0.25, 2.25, 4.25, 6.25]);
    expect(() => new Code().i8x16Shuffle([32, ...new Array<number>(15).fill(0)])).toThrow();
  });
});
