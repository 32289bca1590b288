/**
 * A very small WebAssembly binary writer: enough to emit a numeric kernel (one memory, functions
 * over i32 parameters and locals, loops, loads and stores, SIMD) as bytes at run time.
 *
 * Why our own: the kernels are tiny and their constants (filter taps, offsets) are known only when
 * the filter is built, and there is no WebAssembly toolchain here (no wat2wasm, clang or
 * emscripten, and a dependency for ~150 lines of encoding is not worth its weight). The format is
 * the WebAssembly 2.0 binary format (https://webassembly.github.io/spec/core/binary/); SIMD
 * opcodes are the fixed-width SIMD proposal's, supported by Node ≥ 16.4 and Electron.
 */

/** Unsigned LEB128. */
export function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
export function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** The value types a kernel uses. */
export const I32 = 0x7f;

/** Instructions, appended in order (a function body is one expression). */
export class Code {
  readonly bytes: number[] = [];

  private simd(opcode: number, ...immediates: number[]): this {
    this.bytes.push(0xfd, ...uleb(opcode), ...immediates);
    return this;
  }

  /** `loop` with no result; `br_if 0` inside it jumps back to its start. */
  loop(): this {
    this.bytes.push(0x03, 0x40);
    return this;
  }
  end(): this {
    this.bytes.push(0x0b);
    return this;
  }
  brIf(depth: number): this {
    this.bytes.push(0x0d, ...uleb(depth));
    return this;
  }
  localGet(index: number): this {
    this.bytes.push(0x20, ...uleb(index));
    return this;
  }
  localSet(index: number): this {
    this.bytes.push(0x21, ...uleb(index));
    return this;
  }
  localTee(index: number): this {
    this.bytes.push(0x22, ...uleb(index));
    return this;
  }
  i32Const(value: number): this {
    this.bytes.push(0x41, ...sleb(value));
    return this;
  }
  i32Add(): this {
    this.bytes.push(0x6a);
    return this;
  }
  i32Shl(): this {
    this.bytes.push(0x74);
    return this;
  }
  i32LtU(): this {
    this.bytes.push(0x49);
    return this;
  }
  /** v128.load at (address on the stack) + `offset` bytes; `alignLog2` is only a hint. */
  v128Load(offset: number, alignLog2 = 2): this {
    return this.simd(0x00, ...uleb(alignLog2), ...uleb(offset));
  }
  /** v128.store of the value on top at (address below it) + `offset` bytes. */
  v128Store(offset: number, alignLog2 = 2): this {
    return this.simd(0x0b, ...uleb(alignLog2), ...uleb(offset));
  }
  /** A v128 constant of four float32 lanes. */
  f32x4Const(lanes: [number, number, number, number]): this {
    const bytes = new Uint8Array(Float32Array.from(lanes).buffer);
    return this.simd(0x0c, ...bytes);
  }
  /** i8x16.shuffle: byte i of the result is byte `lanes[i]` of (a ‖ b), a below b on the stack. */
  i8x16Shuffle(lanes: number[]): this {
    if (lanes.length !== 16 || lanes.some((l) => l < 0 || l > 31)) throw new Error('bad shuffle lanes');
    return this.simd(0x0d, ...lanes);
  }
  f32x4Add(): this {
    return this.simd(0xe4);
  }
  f32x4Mul(): this {
    return this.simd(0xe6);
  }
}

export interface WasmFunction {
  name: string;
  /** i32 parameters. */
  params: number;
  /** i32 locals after the parameters. */
  locals: number;
  body: Code;
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(text: string): number[] {
  const bytes = Array.from(new TextEncoder().encode(text));
  return [...uleb(bytes.length), ...bytes];
}

/**
 * A module with one memory of `pages` × 64 KiB (fixed size, exported as "memory") and the given
 * functions (no results, exported by name).
 */
export function wasmModule(pages: number, functions: WasmFunction[]): Uint8Array {
  const types = functions.map((f) => [0x60, ...vec(Array.from({ length: f.params }, () => [I32])), 0x00]);
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d, // "\0asm"
    0x01,
    0x00,
    0x00,
    0x00, // version 1
    ...section(1, vec(types)),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(5, vec([[0x01, ...uleb(pages), ...uleb(pages)]])),
    ...section(
      7,
      vec([[...name('memory'), 0x02, 0x00], ...functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)])]),
    ),
    ...section(
      10,
      vec(
        functions.map((f) => {
          const locals = f.locals > 0 ? vec([[...uleb(f.locals), I32]]) : vec([]);
          const body = [...locals, ...f.body.bytes, 0x0b];
          return [...uleb(body.length), ...body];
        }),
      ),
    ),
  ];
  return Uint8Array.from(bytes);
}
