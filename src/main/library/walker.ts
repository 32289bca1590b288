/**
 * Folder walk: recursive, follows symbolic links once (directories are identified by their real
 * path, so loops end), skips hidden and system folders, keeps audio and tracker-module files.
 * A file reached twice (a symbolic link to a file that is also reached another way) is kept once,
 * by the same rules as folders. Hard links are distinct files: only symbolic links are resolved.
 *
 * Paths are walked as raw bytes (Buffers): a name that is not UTF-8 is kept exactly (see
 * raw-path.ts). Everything else found is a skip counted with its reason (see skips.ts).
 */
import { opendir, realpath, stat } from 'node:fs/promises';
import { extname, sep } from 'node:path';
import type { ScanSkip } from '../../shared/types';
import { displayOf, refOf } from '../store/raw-path';
import { SKIP, SkipTally } from './skips';

export const AUDIO_EXTENSIONS: ReadonlySet<string> = new Set([
  'mp3',
  'flac',
  'ogg',
  'oga',
  'opus',
  'm4a',
  'm4b',
  'mp4',
  'aac',
  'alac',
  'wav',
  'aif',
  'aiff',
  'wv',
  'ape',
  'mpc',
  'wma',
  'webm',
  'mka',
  // A few more that music-metadata reads and ffmpeg decodes.
  'mp2',
  'aifc',
  'spx',
  'dsf',
  'dff',
]);

export const MODULE_EXTENSIONS: ReadonlySet<string> = new Set(['mod', 'xm', 'it', 's3m']);

const SYSTEM_DIRS = new Set(
  [
    '$recycle.bin',
    'system volume information',
    'lost+found',
    '@eadir',
    'recycler',
    '#recycle',
    '#snapshot',
  ].map((s) => s.toLowerCase()),
);

/** Lower-case extension without the dot. */
export function extensionOf(path: string): string {
  return extname(path).slice(1).toLowerCase();
}

export function isModulePath(path: string): boolean {
  return MODULE_EXTENSIONS.has(extensionOf(path));
}

export function isCandidateFile(name: string): boolean {
  if (name.startsWith('.')) return false; // hidden files, including macOS "._" resource forks
  const ext = extensionOf(name);
  return AUDIO_EXTENSIONS.has(ext) || MODULE_EXTENSIONS.has(ext);
}

/** Hidden (dot) folders and the system folders of Windows, Linux, macOS and Synology. */
export function isSkippedDir(name: string): boolean {
  if (name.startsWith('.')) return true; // also .Trash-1000, .Trashes, .Spotlight-V100, ...
  return SYSTEM_DIRS.has(name.toLowerCase());
}

export interface WalkEntry {
  /** Readable path (see raw-path.ts). */
  path: string;
  /** Base64 of the exact bytes when the path is not UTF-8. */
  pathBytes?: string;
  root: string;
  size: number;
  mtimeMs: number;
}

export interface WalkResult {
  files: WalkEntry[];
  /** Folders that could not be listed: their catalogued files must not be marked missing. */
  unreadableDirs: string[];
  /** What was found and is not a candidate file, by reason. */
  skipped: ScanSkip[];
}

export interface WalkOptions {
  signal?: AbortSignal;
  onFound?: (found: number) => void;
  /** Directory listings and stats in flight. */
  concurrency?: number;
  /**
   * Real paths of the directories walked and of the files kept so far (shared across the roots of
   * one scan, so that a folder or a file reached from two roots is kept by the first).
   */
  visited?: Set<string>;
}

/** A file found, with the real path that identifies it (symbolic links resolved). */
interface Found {
  entry: WalkEntry;
  bytes: Buffer;
  real: string;
  viaLink: boolean;
  depth: number;
}

/** Which of two paths to the same file is kept: a real file over a link, then the shallower, then by name. */
function better(a: Found, b: Found): boolean {
  if (a.viaLink !== b.viaLink) return !a.viaLink;
  if (a.depth !== b.depth) return a.depth < b.depth;
  return Buffer.compare(a.bytes, b.bytes) < 0;
}

/** Runs `task` over `items` with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++];
      await task(item);
    }
  });
  await Promise.all(runners);
}

const SEP = Buffer.from(sep);
const joinBytes = (dir: Buffer, name: Buffer): Buffer =>
  dir.length > 0 && dir[dir.length - 1] === SEP[0]
    ? Buffer.concat([dir, name])
    : Buffer.concat([dir, SEP, name]);
/** A real path as a set key: latin1 maps every byte to one character, so nothing is lost. */
const keyOf = (bytes: Buffer): string => bytes.toString('latin1');

export async function walk(root: string, opts: WalkOptions = {}): Promise<WalkResult> {
  const concurrency = opts.concurrency ?? 32;
  const visited = opts.visited ?? new Set<string>();
  const found: Found[] = [];
  const unreadableDirs: string[] = [];
  const skips = new SkipTally();
  const skip = (reason: string, bytes: Buffer) => skips.add(reason, displayOf(bytes));

  // Breadth-first, one level at a time, each level listed concurrently. A folder reached twice (a
  // link to it, or a loop) is walked once: real folders win over links, then the first by name.
  let level: { path: Buffer; viaLink: boolean }[] = [{ path: Buffer.from(root), viaLink: false }];
  for (let depth = 0; level.length > 0; depth++) {
    if (opts.signal?.aborted) break;
    const nextLevel: { path: Buffer; viaLink: boolean }[] = [];
    // Files to stat, each with its real path: the real folder's path and the name for a plain file
    // (no system call), the link resolved for a symbolic link (rare).
    const toStat: { path: Buffer; real: Buffer; viaLink: boolean }[] = [];
    const reals = new Map<Buffer, Buffer>();
    await pool(level, concurrency, async ({ path }) => {
      try {
        reals.set(path, await realpath(path, { encoding: 'buffer' }));
      } catch {
        unreadableDirs.push(displayOf(path));
        skip(SKIP.unreadableDir, path);
      }
    });
    const claimed = level
      .filter((d) => reals.has(d.path))
      .sort((a, b) => Number(a.viaLink) - Number(b.viaLink) || Buffer.compare(a.path, b.path))
      .filter((d) => {
        const real = keyOf(reals.get(d.path) as Buffer);
        if (visited.has(real)) {
          skip(SKIP.twice, d.path);
          return false;
        }
        visited.add(real);
        return true;
      })
      .map((d) => d.path);
    await pool(claimed, concurrency, async (dir) => {
      const realDir = reals.get(dir) as Buffer;
      const links: { path: Buffer; name: string }[] = [];
      try {
        // Node's types allow only string encodings here; 'buffer' works and yields Buffer names.
        const handle = await opendir(dir, { bufferSize: 256, encoding: 'buffer' as BufferEncoding });
        for await (const ent of handle) {
          const rawName = ent.name as unknown as Buffer;
          const full = joinBytes(dir, rawName);
          // Only the name's form matters to the filters below: a lossy string is enough here.
          const name = rawName.toString('latin1');
          if (ent.isDirectory()) {
            if (!isSkippedDir(name)) nextLevel.push({ path: full, viaLink: false });
            else skip(SKIP.hiddenDir, full);
          } else if (ent.isFile()) {
            if (isCandidateFile(name))
              toStat.push({ path: full, real: joinBytes(realDir, rawName), viaLink: false });
            else skip(name.startsWith('.') ? SKIP.hiddenFile : SKIP.notAudio, full);
          } else if (ent.isSymbolicLink()) {
            links.push({ path: full, name });
          } else {
            skip(SKIP.special, full);
          }
        }
      } catch {
        unreadableDirs.push(displayOf(dir));
        skip(SKIP.unreadableDir, dir);
        return;
      }
      for (const { path: link, name } of links) {
        try {
          const st = await stat(link);
          if (st.isDirectory()) {
            if (!isSkippedDir(name)) nextLevel.push({ path: link, viaLink: true });
            else skip(SKIP.hiddenDir, link);
          } else if (!st.isFile()) {
            skip(SKIP.special, link);
          } else if (isCandidateFile(name)) {
            toStat.push({ path: link, real: await realpath(link, { encoding: 'buffer' }), viaLink: true });
          } else {
            skip(name.startsWith('.') ? SKIP.hiddenFile : SKIP.notAudio, link);
          }
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          skip(code === 'ENOENT' ? SKIP.dangling : code === 'ELOOP' ? SKIP.loop : SKIP.badLink, link);
        }
      }
    });
    await pool(toStat, concurrency * 2, async ({ path, real, viaLink }) => {
      try {
        const st = await stat(path);
        if (!st.isFile()) {
          skip(SKIP.special, path);
          return;
        }
        const ref = refOf(path);
        found.push({
          entry: { ...ref, root, size: st.size, mtimeMs: st.mtimeMs },
          bytes: path,
          real: keyOf(real),
          viaLink,
          depth,
        });
        if (opts.onFound && (found.length & 255) === 0) opts.onFound(found.length);
      } catch {
        skip(SKIP.vanished, path);
      }
    });
    level = nextLevel;
  }
  // One path per real file: within this walk by `better`, across the roots of a scan the first walk.
  const best = new Map<string, Found>();
  for (const f of found) {
    const held = best.get(f.real);
    if (!held || better(f, held)) best.set(f.real, f);
  }
  const files: WalkEntry[] = [];
  for (const f of found) {
    if (best.get(f.real) === f && !visited.has(f.real)) files.push(f.entry);
    else skip(SKIP.twice, f.bytes);
  }
  for (const real of best.keys()) visited.add(real);
  opts.onFound?.(files.length);
  return { files, unreadableDirs, skipped: skips.list() };
}
