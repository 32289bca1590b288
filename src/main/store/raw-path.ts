/**
 * File names that are not valid UTF-8 (a Latin-1 `Bj\xf6rk/` copied from an old disk) cannot be
 * held in a JavaScript string without loss: Node would decode the bytes to U+FFFD and the file
 * could never be opened again. Such a path is kept twice: `pathBytes`, the exact bytes (base64),
 * which every file system call and every decoder uses, and `path`, a readable form (each name that
 * is not UTF-8 read as Latin-1) that lists and searches show. Paths that are valid UTF-8 (nearly
 * all) have no `pathBytes` and are used as they are.
 */
import { sep } from 'node:path';

export interface PathRef {
  /** What the user reads; for a raw name not unique, so never a key on its own. */
  path: string;
  /** Base64 of the exact bytes when the path is not valid UTF-8; absent or empty otherwise. */
  pathBytes?: string;
}

const strict = new TextDecoder('utf-8', { fatal: true });
const SEP = sep.charCodeAt(0);

/** Whether these bytes are valid UTF-8 (and so lose nothing as a string). */
export function isUtf8(bytes: Uint8Array): boolean {
  try {
    strict.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** A readable form of a path's bytes: each component that is not UTF-8 read as Latin-1. */
export function displayOf(bytes: Buffer): string {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === SEP) {
      const part = bytes.subarray(start, i);
      parts.push(isUtf8(part) ? part.toString('utf8') : part.toString('latin1'));
      start = i + 1;
    }
  }
  return parts.join(sep);
}

/** The path of raw bytes as a reference: the string itself when it is UTF-8. */
export function refOf(bytes: Buffer): PathRef {
  if (isUtf8(bytes)) return { path: bytes.toString('utf8') };
  return { path: displayOf(bytes), pathBytes: bytes.toString('base64') };
}

/** What to hand to `fs`: the exact bytes for a raw name, else the string. */
export function fsPath(ref: PathRef): string | Buffer {
  return ref.pathBytes ? Buffer.from(ref.pathBytes, 'base64') : ref.path;
}

/**
 * The identity of a path in maps and tables: the string for a UTF-8 path, and for a raw one its
 * bytes (two raw names can read the same: `Bj\xf6rk` and a real UTF-8 `Björk`).
 */
export function pathKey(ref: PathRef): string {
  return ref.pathBytes ? `raw:${ref.pathBytes}` : ref.path;
}

/** The raw bytes of a path held as a Buffer-or-string (for joining in the folder walk). */
export function bytesOf(p: string | Buffer): Buffer {
  return typeof p === 'string' ? Buffer.from(p, 'utf8') : p;
}
