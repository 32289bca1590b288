/**
 * Folder walk: recursive, follows symbolic links once (directories are identified by their real
 * path, so loops end), skips hidden and system folders, keeps audio and tracker-module files.
 * A file reached twice (a symbolic link to a file that is also reached another way) is kept once,
 * by the same rules as folders. Hard links are distinct files: only symbolic links are resolved.
 */
import { opendir, realpath, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';

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
  path: string;
  root: string;
  size: number;
  mtimeMs: number;
}

export interface WalkResult {
  files: WalkEntry[];
  /** Folders that could not be listed: their catalogued files must not be marked missing. */
  unreadableDirs: string[];
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
  real: string;
  viaLink: boolean;
  depth: number;
}

/** Which of two paths to the same file is kept: a real file over a link, then the shallower, then by name. */
function better(a: Found, b: Found): boolean {
  if (a.viaLink !== b.viaLink) return !a.viaLink;
  if (a.depth !== b.depth) return a.depth < b.depth;
  return a.entry.path < b.entry.path;
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

export async function walk(root: string, opts: WalkOptions = {}): Promise<WalkResult> {
  const concurrency = opts.concurrency ?? 32;
  const visited = opts.visited ?? new Set<string>();
  const found: Found[] = [];
  const unreadableDirs: string[] = [];

  // Breadth-first, one level at a time, each level listed concurrently. A folder reached twice (a
  // link to it, or a loop) is walked once: real folders win over links, then the first by name.
  let level: { path: string; viaLink: boolean }[] = [{ path: root, viaLink: false }];
  for (let depth = 0; level.length > 0; depth++) {
    if (opts.signal?.aborted) break;
    const nextLevel: { path: string; viaLink: boolean }[] = [];
    // Files to stat, each with its real path: the real folder's path and the name for a plain file
    // (no system call), the link resolved for a symbolic link (rare).
    const toStat: { path: string; real: string; viaLink: boolean }[] = [];
    const reals = new Map<string, string>();
    await pool(level, concurrency, async ({ path }) => {
      try {
        reals.set(path, await realpath(path));
      } catch {
        unreadableDirs.push(path);
      }
    });
    const claimed = level
      .filter((d) => reals.has(d.path))
      .sort(
        (a, b) => Number(a.viaLink) - Number(b.viaLink) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
      )
      .filter((d) => {
        const real = reals.get(d.path) as string;
        if (visited.has(real)) return false;
        visited.add(real);
        return true;
      })
      .map((d) => d.path);
    await pool(claimed, concurrency, async (dir) => {
      const realDir = reals.get(dir) as string;
      const links: string[] = [];
      try {
        const handle = await opendir(dir, { bufferSize: 256 });
        for await (const ent of handle) {
          const full = join(dir, ent.name);
          if (ent.isDirectory()) {
            if (!isSkippedDir(ent.name)) nextLevel.push({ path: full, viaLink: false });
          } else if (ent.isFile()) {
            if (isCandidateFile(ent.name))
              toStat.push({ path: full, real: join(realDir, ent.name), viaLink: false });
          } else if (ent.isSymbolicLink()) {
            links.push(full);
          }
        }
      } catch {
        unreadableDirs.push(dir);
        return;
      }
      for (const link of links) {
        const name = link.slice(dir.length + 1);
        try {
          const st = await stat(link);
          if (st.isDirectory()) {
            if (!isSkippedDir(name)) nextLevel.push({ path: link, viaLink: true });
          } else if (st.isFile() && isCandidateFile(name)) {
            toStat.push({ path: link, real: await realpath(link), viaLink: true });
          }
        } catch {
          // dangling link: ignore
        }
      }
    });
    await pool(toStat, concurrency * 2, async ({ path, real, viaLink }) => {
      try {
        const st = await stat(path);
        if (!st.isFile()) return;
        found.push({ entry: { path, root, size: st.size, mtimeMs: st.mtimeMs }, real, viaLink, depth });
        if (opts.onFound && (found.length & 255) === 0) opts.onFound(found.length);
      } catch {
        // vanished between listing and stat
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
  }
  for (const real of best.keys()) visited.add(real);
  opts.onFound?.(files.length);
  return { files, unreadableDirs };
}
