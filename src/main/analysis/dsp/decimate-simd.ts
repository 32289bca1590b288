/**
 * The 2:1 decimating FIR as a WebAssembly SIMD kernel (f32x4), emitted for the filter's own taps.
 *
 * Polyphase: with E[i] = x[2i] and O[i] = x[2i+1], output k of a symmetric filter h (centre h[0],
 * reach R) is
 *   h[0]·E[k] + Σ_j h[2j]·(E[k−j] + E[k+j]) + Σ_j h[2j+1]·(O[k−j−1] + O[k+j]),
 * so four consecutive outputs read four consecutive E or O samples per tap: one unaligned vector
 * load each, no gather. The signal goes through in blocks: JavaScript copies a block of input
 * (with the filter's reach either side, zeros beyond the signal's ends) into the module's memory,
 * the kernel splits it into E and O and filters it, JavaScript copies the block's outputs out. The
 * memory is fixed (2 pages, ~80 KiB used, never grown), so it is touched once per worker and stays
 * in cache; the copies are memcpy-speed (measured 0.05 s CPU per hour of audio, of ~0.47 s in all).
 *
 * Float32 arithmetic where the scalar code sums in float64: each tap pair is added, scaled and
 * accumulated in float32. The sums run from the outermost taps (smallest) in to the centre (the
 * largest), so the rounding of the early, small partial sums stays small, and the two phases are
 * summed apart and added last. Measured against the float64 scalar code on the dev corpus: see
 * decimate.ts.
 *
 * The taps are baked into the code as constants, so a kernel serves one filter.
 */
import { Code, wasmModule } from './wasm-encode';

/**
 * Outputs per block: 4096 keep the block's input, phases and outputs in ~80 KiB (measured: 1,024
 * cost 11 % more, 16,384 the same).
 */
export const SIMD_BLOCK_OUTPUTS = 4096;

export interface SimdKernelOptions {
  /** Outputs per block (rounded up to a multiple of the pass). */
  blockOutputs?: number;
  /**
   * Outputs per loop pass: 4 (one vector) or 8 (two, interleaving two dependency chains; the
   * default, though measured no faster on this VM's EPYC: out-of-order execution overlaps passes).
   */
  passOutputs?: 4 | 8;
}

/**
 * The part of the WebAssembly JS API used here. Node's type definitions leave WebAssembly to the
 * DOM library, which the main process's code does not include; reading it off globalThis also
 * covers a runtime without it.
 */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}

const roundUp4 = (n: number): number => (n + 3) & ~3;

/** The kernel's memory layout, in bytes. */
interface Layout {
  /** Half the reach, rounded up: E and O samples needed either side of a block. */
  halo: number;
  /** Outputs per block. */
  block: number;
  seg: number;
  even: number;
  odd: number;
  out: number;
  pages: number;
}

function layout(reach: number, block: number): Layout {
  const halo = Math.ceil(reach / 2);
  const phaseMax = roundUp4(block + 2 * halo) + 4;
  const seg = 0;
  const even = seg + 2 * phaseMax * 4;
  const odd = even + phaseMax * 4;
  const out = odd + phaseMax * 4;
  const end = out + block * 4 + 16;
  return { halo, block, seg, even, odd, out, pages: Math.ceil(end / 65536) };
}

/** The module: `run(phaseCount, outputCount)`, both multiples of 4. */
function emit(taps: Float64Array, lay: Layout, passOutputs: 4 | 8): Uint8Array {
  const reach = taps.length - 1;
  const J = lay.halo;
  const f = (v: number): [number, number, number, number] => [v, v, v, v];
  // Locals: 0 phaseCount, 1 outputCount (parameters), 2 p, 3 s, 4 end.
  const P = 2;
  const S = 3;
  const END = 4;
  const c = new Code();
  // Taps as constants in the code: measured faster than loading them from memory (0.44 against
  // 0.57 s CPU per hour of audio).
  const tap = (d: number): void => void c.f32x4Const(f(taps[d]));

  // Split the block's input into its even and odd samples.
  const evens = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27];
  const odds = evens.map((b) => b + 4);
  c.i32Const(lay.even).localSet(P);
  c.i32Const(lay.seg).localSet(S);
  c.localGet(0).i32Const(2).i32Shl().i32Const(lay.even).i32Add().localSet(END);
  c.loop();
  for (const [lanes, dest] of [
    [evens, 0],
    [odds, lay.odd - lay.even],
  ] as const) {
    c.localGet(P);
    c.localGet(S).v128Load(0).localGet(S).v128Load(16).i8x16Shuffle(lanes);
    c.v128Store(dest);
  }
  c.localGet(S).i32Const(32).i32Add().localSet(S);
  c.localGet(P).i32Const(16).i32Add().localTee(P).localGet(END).i32LtU().brIf(0);
  c.end();

  // Filter: p walks the even phase; the odd phase and the outputs sit at fixed distances from it.
  const toOdd = lay.odd - lay.even;
  const toOut = lay.out - lay.even;
  c.i32Const(lay.even).localSet(P);
  c.localGet(1).i32Const(2).i32Shl().i32Const(lay.even).i32Add().localSet(END);
  c.loop();
  for (let v = 0; v < passOutputs / 4; v++) {
    const at = 16 * v;
    c.localGet(P);
    // Even phase, outermost pair first, centre last.
    let first = true;
    for (let j = Math.floor(reach / 2); j >= 1; j--) {
      c.localGet(P).v128Load(at + (J - j) * 4);
      c.localGet(P).v128Load(at + (J + j) * 4);
      c.f32x4Add();
      tap(2 * j);
      c.f32x4Mul();
      if (!first) c.f32x4Add();
      first = false;
    }
    c.localGet(P).v128Load(at + J * 4);
    tap(0);
    c.f32x4Mul();
    if (!first) c.f32x4Add();
    // Odd phase, outermost pair first.
    first = true;
    for (let j = Math.ceil(reach / 2) - 1; j >= 0; j--) {
      c.localGet(P).v128Load(toOdd + at + (J - j - 1) * 4);
      c.localGet(P).v128Load(toOdd + at + (J + j) * 4);
      c.f32x4Add();
      tap(2 * j + 1);
      c.f32x4Mul();
      if (!first) c.f32x4Add();
      first = false;
    }
    if (!first) c.f32x4Add();
    c.v128Store(toOut + at);
  }
  c.localGet(P)
    .i32Const(4 * passOutputs)
    .i32Add()
    .localTee(P)
    .localGet(END)
    .i32LtU()
    .brIf(0);
  c.end();

  return wasmModule(lay.pages, [{ name: 'run', params: 2, locals: 3, body: c }]);
}

/** A compiled kernel for one filter; `decimate` has the contract of Decimator2.decimate. */
export class SimdDecimator {
  private readonly lay: Layout;
  private readonly run: (phaseCount: number, outputCount: number) => void;
  private readonly seg: Float32Array;
  private readonly out: Float32Array;
  private readonly passOutputs: number;

  private constructor(taps: Float64Array, options: SimdKernelOptions) {
    this.passOutputs = options.passOutputs ?? 8;
    // At least twice the halo, so that in place (y = x) a block's outputs land only on input that
    // the blocks after it no longer read: block k0 ≥ B reads from 2(k0 − halo) ≥ k0.
    const wanted = Math.max(options.blockOutputs ?? SIMD_BLOCK_OUTPUTS, 2 * Math.ceil((taps.length - 1) / 2));
    const block = Math.ceil(wanted / this.passOutputs) * this.passOutputs;
    this.lay = layout(taps.length - 1, block);
    const bytes = emit(taps, this.lay, this.passOutputs as 4 | 8);
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (!wasm) throw new Error('no WebAssembly');
    // Synchronous compile: the module is a few KiB (Node allows it on any thread). It throws where
    // the engine lacks SIMD (the module does not validate).
    const instance = new wasm.Instance(new wasm.Module(bytes));
    const memory = instance.exports.memory as { buffer: ArrayBuffer };
    this.run = instance.exports.run as (phaseCount: number, outputCount: number) => void;
    this.seg = new Float32Array(memory.buffer, this.lay.seg, (this.lay.even - this.lay.seg) / 4);
    this.out = new Float32Array(memory.buffer, this.lay.out, this.lay.block);
  }

  /** The kernel, or null where WebAssembly or its SIMD is missing (or fails to compile). */
  static create(taps: Float64Array, options: SimdKernelOptions = {}): SimdDecimator | null {
    try {
      return new SimdDecimator(taps, options);
    } catch {
      return null;
    }
  }

  /**
   * Writes the `ceil(x.length / 2)` outputs into `y` (at least that long) and returns the filled
   * part. `y` may start where `x` does (in place): each block's input is copied into the kernel's
   * memory before its outputs are written back.
   */
  decimate(x: Float32Array, y: Float32Array): Float32Array {
    const n = x.length;
    const m = Math.ceil(n / 2);
    const { block, halo } = this.lay;
    const seg = this.seg;
    const round = this.passOutputs;
    for (let k0 = 0; k0 < m; k0 += block) {
      const count = Math.min(block, m - k0);
      const outputs = Math.ceil(count / round) * round;
      const phases = roundUp4(outputs + 2 * halo);
      // Input 2(k0 − halo) … for 2·phases samples, zeros outside the signal.
      const s0 = 2 * (k0 - halo);
      const len = 2 * phases;
      const a = Math.max(0, s0);
      const b = Math.min(n, s0 + len);
      if (a > s0) seg.fill(0, 0, a - s0);
      if (b > a) seg.set(x.subarray(a, b), a - s0);
      if (b - s0 < len) seg.fill(0, Math.max(0, b - s0), len);
      this.run(phases, outputs);
      y.set(count === block ? this.out : this.out.subarray(0, count), k0);
    }
    return y.subarray(0, m);
  }
}
