/**
 * An unpickler for the small subset of Python's pickle protocol 2 that PyTorch writes for a plain
 * `state_dict` (the 20 opcodes listed in ../shared/models/efficientat/README.md §1.2, plus
 * LONG_BINGET). Anything else is rejected: a checkpoint is data, never code, so no global is
 * resolved except through the caller's `findClass`, which knows exactly which names it accepts.
 */

export class PickleError extends Error {
  override name = 'PickleError';
}

/** A `module.name` reference pushed by GLOBAL, resolved by the caller. */
export interface PickleGlobal {
  readonly kind: 'global';
  readonly module: string;
  readonly name: string;
}

/** Values the subset can produce; REDUCE and BINPERSID return what the hooks return. */
export type PickleValue =
  | string
  | number
  | boolean
  | PickleTuple
  | Map<PickleValue, PickleValue>
  | PickleGlobal
  | { readonly kind: 'object'; readonly value: unknown };

/** Python tuples are arrays here (frozen, so they cannot be mistaken for lists). */
export type PickleTuple = readonly PickleValue[];

export interface UnpickleHooks {
  /** REDUCE: `callable(*args)`. Throw for a callable you do not accept. */
  reduce(callable: PickleGlobal, args: PickleTuple): PickleValue;
  /** BINPERSID: the object a persistent id stands for. */
  persistentLoad(pid: PickleValue): PickleValue;
}

const MARK = Symbol('mark');
type Slot = PickleValue | typeof MARK;

export function isGlobal(v: unknown): v is PickleGlobal {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'global';
}

export function unpickle(bytes: Uint8Array, hooks: UnpickleHooks): PickleValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: Slot[] = [];
  const memo = new Map<number, PickleValue>();
  const ascii = new TextDecoder('ascii');
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let p = 0;

  const need = (n: number) => {
    if (p + n > bytes.byteLength) throw new PickleError(`truncated pickle at byte ${p}`);
  };
  const pop = (): PickleValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) throw new PickleError(`stack underflow at byte ${p}`);
    return v;
  };
  const top = (): PickleValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw new PickleError(`empty stack at byte ${p}`);
    return v;
  };
  const popToMark = (): PickleValue[] => {
    let i = stack.length - 1;
    while (i >= 0 && stack[i] !== MARK) i--;
    if (i < 0) throw new PickleError(`no mark on the stack at byte ${p}`);
    const items = stack.splice(i) as Slot[];
    return items.slice(1) as PickleValue[];
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, p);
    if (end < 0) throw new PickleError(`unterminated line at byte ${p}`);
    const s = ascii.decode(bytes.subarray(p, end));
    p = end + 1;
    return s;
  };
  const tuple = (items: PickleValue[]): PickleTuple => Object.freeze(items);

  for (;;) {
    need(1);
    const op = bytes[p++];
    switch (op) {
      case 0x80: // PROTO
        need(1);
        if (bytes[p] > 2) throw new PickleError(`pickle protocol ${bytes[p]} is not supported`);
        p += 1;
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x58: {
        // BINUNICODE
        need(4);
        const n = view.getUint32(p, true);
        p += 4;
        need(n);
        stack.push(utf8.decode(bytes.subarray(p, p + n)));
        p += n;
        break;
      }
      case 0x63: {
        // GLOBAL
        const module = line();
        const name = line();
        stack.push({ kind: 'global', module, name });
        break;
      }
      case 0x4b: // BININT1
        need(1);
        stack.push(bytes[p]);
        p += 1;
        break;
      case 0x4d: // BININT2
        need(2);
        stack.push(view.getUint16(p, true));
        p += 2;
        break;
      case 0x4a: // BININT
        need(4);
        stack.push(view.getInt32(p, true));
        p += 4;
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(tuple([]));
        break;
      case 0x85: // TUPLE1
        stack.push(tuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        stack.push(tuple([a, b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push(tuple([a, b, c]));
        break;
      }
      case 0x74: // TUPLE
        stack.push(tuple(popToMark()));
        break;
      case 0x71: // BINPUT
        need(1);
        memo.set(bytes[p], top());
        p += 1;
        break;
      case 0x72: // LONG_BINPUT
        need(4);
        memo.set(view.getUint32(p, true), top());
        p += 4;
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const size = op === 0x68 ? 1 : 4;
        need(size);
        const index = size === 1 ? bytes[p] : view.getUint32(p, true);
        p += size;
        const v = memo.get(index);
        if (v === undefined) throw new PickleError(`memo ${index} is not set (byte ${p})`);
        stack.push(v);
        break;
      }
      case 0x51: // BINPERSID
        stack.push(hooks.persistentLoad(pop()));
        break;
      case 0x52: {
        // REDUCE
        const args = pop();
        const callable = pop();
        if (!isGlobal(callable))
          throw new PickleError(`REDUCE on something that is not a global (byte ${p})`);
        if (!Array.isArray(args)) throw new PickleError(`REDUCE arguments are not a tuple (byte ${p})`);
        stack.push(hooks.reduce(callable, args as PickleTuple));
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popToMark();
        const dict = top();
        if (!(dict instanceof Map))
          throw new PickleError(`SETITEMS on something that is not a dict (byte ${p})`);
        if (items.length % 2 !== 0) throw new PickleError(`SETITEMS with an odd number of items (byte ${p})`);
        for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1]);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        const dict = top();
        if (!(dict instanceof Map))
          throw new PickleError(`SETITEM on something that is not a dict (byte ${p})`);
        dict.set(k, v);
        break;
      }
      case 0x2e: // STOP
        if (stack.length !== 1) throw new PickleError(`STOP with ${stack.length} items on the stack`);
        return pop();
      default:
        throw new PickleError(
          `unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${p - 1}`,
        );
    }
  }
}
