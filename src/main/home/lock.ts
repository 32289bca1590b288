/**
 * Kept whole (over ~450 lines on purpose): one lock protocol (atomic create, staleness check,
 * takeover, in-process reference count, release on exit and signals) whose steps share the file
 * format and its invariants; split apart they could no longer be checked against each other.
 *
 * One writer per home: an exclusive lock file (`<home>/timbre.lock`) that every process which
 * writes the library (scan, analysis, the app) holds while it runs.
 *
 * - The file is created atomically (written beside, then hard-linked into place; `open(…, 'wx')`
 *   where links are unsupported), so it always holds complete JSON: {pid, hostname, command,
 *   startedAt, …}.
 * - A lock whose process is gone (same host, `kill(pid, 0)` says ESRCH, or on Linux the pid now
 *   belongs to a process started later, or the machine rebooted) is stale and taken over. A lock
 *   from another host is never assumed stale: the error says which file to delete.
 * - Released by `release()`, and on process exit (a synchronous unlink in an 'exit' handler; on
 *   SIGINT/SIGTERM/SIGHUP that nobody else handles, before the signal's default action).
 * - Within one process the lock is shared by reference count: opening the same home twice (tests,
 *   the app) neither deadlocks nor refuses; the file goes when the last handle is released.
 * - `access: 'read'` is for read-only commands. They only need the lock while the database is
 *   opened (opening a fresh home creates its tables, a newer Timbre may migrate them): a reader
 *   takes the lock for the open if it is free, shares the home with a running writer that has
 *   finished opening, and waits for another opener (a writer waits for a reader's open too).
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join, resolve } from 'node:path';

export const LOCK_FILE_NAME = 'timbre.lock';

export type HomeAccess = 'write' | 'read';

/** What the lock file holds. */
export interface HomeLockInfo {
  pid: number;
  hostname: string;
  /** What runs, for people: "timbre serve", "timbre scan", "Timbre app". */
  command: string;
  /** ISO time the lock was taken. */
  startedAt: string;
  /** 'read': held only while a read-only command opens the database. */
  access: HomeAccess;
  /** False while the holder is still opening (creating or migrating tables). */
  ready: boolean;
  /** Linux: the kernel boot id and the holder's start time in clock ticks (tells a reused pid). */
  bootId?: string;
  procStart?: string;
  /** Unique per acquisition: tells this lock file from a later one. */
  token: string;
}

export type HomeLockedReason = 'running' | 'other-host' | 'unreadable';

export class HomeLockedError extends Error {
  override readonly name = 'HomeLockedError';
  readonly code = 'home_locked';

  constructor(
    readonly home: string,
    readonly lockFile: string,
    readonly reason: HomeLockedReason,
    readonly holder: HomeLockInfo | null,
  ) {
    super(lockedMessage(home, lockFile, reason, holder));
  }
}

export interface HomeLock {
  readonly home: string;
  readonly file: string;
  /** False when a reader shares the home with a running writer (nothing to release). */
  readonly held: boolean;
  /** Opening is done: readers no longer need to wait for this holder. */
  markReady(): void;
  /** Idempotent. The file goes with the last handle of this process. */
  release(): void;
}

export interface AcquireOptions {
  access?: HomeAccess;
  /** Shown to whoever is refused; default: the process's command line. */
  command?: string;
  /** How long to wait for another process that is only opening the home (default 20 s). */
  waitMs?: number;
  /** Wait between attempts (default 50 ms). */
  pollMs?: number;
}

export const homeLockFile = (home: string): string => join(resolve(home), LOCK_FILE_NAME);

/** "18:20" today, else "2026-11-24 18:20" (local time). */
function formatSince(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return 'an unknown time';
  const p = (n: number) => String(n).padStart(2, '0');
  const time = `${p(d.getHours())}:${p(d.getMinutes())}`;
  const now = new Date();
  return d.toDateString() === now.toDateString()
    ? time
    : `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${time}`;
}

function lockedMessage(home: string, file: string, reason: HomeLockedReason, h: HomeLockInfo | null): string {
  if (reason === 'unreadable' || !h) {
    return (
      `${home} is locked by ${file}, which cannot be read. If no other Timbre process is running, ` +
      `delete that file. Or use --home for a separate library.`
    );
  }
  const who = `pid ${h.pid}, "${h.command}", since ${formatSince(h.startedAt)}`;
  if (reason === 'other-host') {
    return (
      `Another Timbre process on ${h.hostname} is using ${home} (${who}). Stop it; if it is no longer ` +
      `running, delete ${file}. Or use --home for a separate library.`
    );
  }
  return `Another Timbre process is using ${home} (${who}). Stop it, or use --home for a separate library.`;
}

// ---------------------------------------------------------------------------------------------
// Process identity

const hostName = osHostname();

function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Linux: field 22 of /proc/<pid>/stat, the start time in clock ticks after boot. */
function procStartOf(pid: number): string | undefined {
  if (process.platform !== 'linux') return undefined;
  const stat = readTrimmed(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // The command name (field 2) is in parentheses and may itself hold spaces or parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19];
}

const bootId = process.platform === 'linux' ? readTrimmed('/proc/sys/kernel/random/boot_id') : undefined;

type Liveness = 'alive' | 'dead' | 'unknown';

function liveness(info: HomeLockInfo): Liveness {
  if (info.hostname !== hostName) return 'unknown';
  // Our own pid, yet not held by us (checked before): left by an earlier process with this pid.
  if (info.pid === process.pid) return 'dead';
  if (info.bootId && bootId && info.bootId !== bootId) return 'dead';
  try {
    process.kill(info.pid, 0);
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return 'dead';
  }
  if (info.procStart && info.bootId && info.bootId === bootId) {
    const now = procStartOf(info.pid);
    if (now !== undefined && now !== info.procStart) return 'dead'; // the pid was reused
  }
  return 'alive';
}

// ---------------------------------------------------------------------------------------------
// The file

function parseInfo(raw: string): HomeLockInfo | null {
  try {
    const v = JSON.parse(raw) as Partial<HomeLockInfo>;
    if (typeof v.pid !== 'number' || !Number.isInteger(v.pid) || v.pid <= 0) return null;
    if (typeof v.hostname !== 'string' || typeof v.token !== 'string') return null;
    return {
      pid: v.pid,
      hostname: v.hostname,
      command: typeof v.command === 'string' ? v.command : 'unknown',
      startedAt: typeof v.startedAt === 'string' ? v.startedAt : '',
      access: v.access === 'read' ? 'read' : 'write',
      ready: v.ready !== false,
      bootId: typeof v.bootId === 'string' ? v.bootId : undefined,
      procStart: typeof v.procStart === 'string' ? v.procStart : undefined,
      token: v.token,
    };
  } catch {
    return null;
  }
}

/** The lock file's text and what it says; null when there is no lock file. */
function readLockFile(file: string): { raw: string; info: HomeLockInfo | null; mtimeMs: number } | null {
  try {
    const raw = readFileSync(file, 'utf8');
    let mtimeMs = Date.now();
    try {
      mtimeMs = statSync(file).mtimeMs;
    } catch {
      // Gone between the two calls: treated as just written.
    }
    return { raw, info: parseInfo(raw), mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** The current holder of a home's lock, if any (for messages and tests). */
export function readHomeLock(home: string): HomeLockInfo | null {
  return readLockFile(homeLockFile(home))?.info ?? null;
}

const tmpName = (file: string, suffix: string) =>
  `${file}.${process.pid}.${randomBytes(6).toString('hex')}.${suffix}`;

const unlinkQuietly = (path: string): void => {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
};

/**
 * Errors that mean this folder cannot be written now (a full disk, a read-only mount, no rights):
 * a reader goes on without the lock, a writer stops with the reason.
 */
const NO_WRITE = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM']);
const cannotWrite = (err: unknown): boolean => NO_WRITE.has((err as NodeJS.ErrnoException)?.code ?? '');

/** Creates the lock file holding `text`, atomically; false when it exists. Leaves nothing on failure. */
function createExclusive(file: string, text: string): boolean {
  const tmp = tmpName(file, 'tmp');
  try {
    // Inside the try: a write that fails (full disk) after creating the file must not leave it.
    writeFileSync(tmp, text);
    linkSync(tmp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw err;
  } finally {
    unlinkQuietly(tmp);
  }
  // No hard links on this file system: exclusive create (a reader may briefly see it empty).
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, text);
  } catch (err) {
    // A lock we could not fill would read as damaged: it is not ours to leave.
    closeSync(fd);
    unlinkQuietly(file);
    throw err;
  }
  closeSync(fd);
  return true;
}

/**
 * Removes a stale lock file whose text was `staleRaw` (exported for tests). Renaming it to a unique name is atomic, so
 * of two processes taking it over only one moves it; if what was moved is not the stale lock (a
 * third process created a fresh one meanwhile), it is linked back.
 */
export function removeStaleLock(file: string, staleRaw: string): void {
  const grave = tmpName(file, 'stale');
  try {
    renameSync(file, grave);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  let moved: string;
  try {
    moved = readFileSync(grave, 'utf8');
  } catch {
    moved = staleRaw; // unreadable: taken for the stale one
  }
  if (moved !== staleRaw) {
    try {
      linkSync(grave, file);
    } catch {
      // Someone created a lock meanwhile: theirs stands.
    }
  }
  try {
    unlinkSync(grave);
  } catch {
    // already gone
  }
}

// ---------------------------------------------------------------------------------------------
// Held locks of this process

interface Handle {
  access: HomeAccess;
  ready: boolean;
}

interface Held {
  home: string;
  file: string;
  info: HomeLockInfo;
  handles: Set<Handle>;
}

const held = new Map<string, Held>();

function ownsFile(entry: Held): boolean {
  const current = readLockFile(entry.file);
  return current?.info?.token === entry.info.token;
}

/** Rewrites the file when the handles change what it should say (write access, readiness). */
function syncInfo(entry: Held): void {
  const access: HomeAccess = [...entry.handles].some((h) => h.access === 'write') ? 'write' : 'read';
  const ready = [...entry.handles].every((h) => h.ready);
  if (access === entry.info.access && ready === entry.info.ready) return;
  if (!ownsFile(entry)) return;
  entry.info = { ...entry.info, access, ready };
  const tmp = tmpName(entry.file, 'tmp');
  try {
    writeFileSync(tmp, JSON.stringify(entry.info) + '\n');
    renameSync(tmp, entry.file);
  } catch (err) {
    unlinkQuietly(tmp);
    // The file still names this process; only its readiness note is stale. Nothing to stop for.
    if (!cannotWrite(err)) throw err;
  }
}

function dropEntry(entry: Held): void {
  held.delete(entry.file);
  try {
    if (ownsFile(entry)) unlinkSync(entry.file);
  } catch {
    // Best effort: a stale file is taken over by the next process anyway.
  }
  if (held.size === 0) uninstallExitHooks();
}

function releaseAllSync(): void {
  for (const entry of [...held.values()]) dropEntry(entry);
}

const SIGNALS: NodeJS.Signals[] = process.platform === 'win32' ? ['SIGINT'] : ['SIGINT', 'SIGTERM', 'SIGHUP'];
const signalHandlers = new Map<NodeJS.Signals, () => void>();
let exitHooked = false;

function installExitHooks(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', releaseAllSync);
  for (const signal of SIGNALS) {
    const handler = (): void => {
      // Someone else handles this signal (a graceful stop that ends in exit): leave it to them.
      if (process.listenerCount(signal) > 1) return;
      releaseAllSync();
      uninstallExitHooks();
      // Nobody else listens now: the signal's default action ends the process as it would have.
      process.kill(process.pid, signal);
    };
    signalHandlers.set(signal, handler);
    process.on(signal, handler);
  }
}

function uninstallExitHooks(): void {
  if (!exitHooked) return;
  exitHooked = false;
  process.off('exit', releaseAllSync);
  for (const [signal, handler] of signalHandlers) process.off(signal, handler);
  signalHandlers.clear();
}

function makeHandle(home: string, file: string, handle: Handle | null): HomeLock {
  let released = false;
  return {
    home,
    file,
    held: handle !== null,
    markReady() {
      if (!handle || released || handle.ready) return;
      handle.ready = true;
      const entry = held.get(file);
      if (entry) syncInfo(entry);
    },
    release() {
      if (!handle || released) return;
      released = true;
      const entry = held.get(file);
      if (!entry) return;
      entry.handles.delete(handle);
      if (entry.handles.size === 0) dropEntry(entry);
      else syncInfo(entry);
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Takes the lock of a home (creating the folder). Writers get an exclusive lock or a
 * HomeLockedError; readers get a held lock (release it once opened) or, when a writer is
 * running, an unheld one.
 */
export async function acquireHomeLock(homeIn: string, options: AcquireOptions = {}): Promise<HomeLock> {
  mkdirSync(resolve(homeIn), { recursive: true });
  // One entry per folder however it is spelled (a symlinked path must not take over our own lock).
  const home = realpathSync(resolve(homeIn));
  const file = homeLockFile(home);
  const access = options.access ?? 'write';
  const command = options.command ?? defaultCommand();
  const deadline = Date.now() + (options.waitMs ?? 20_000);
  const pollMs = options.pollMs ?? 50;

  for (;;) {
    const entry = held.get(file);
    if (entry) {
      const handle: Handle = { access, ready: false };
      entry.handles.add(handle);
      syncInfo(entry);
      return makeHandle(home, file, handle);
    }

    mkdirSync(home, { recursive: true });
    const info: HomeLockInfo = {
      pid: process.pid,
      hostname: hostName,
      command,
      startedAt: new Date().toISOString(),
      access,
      ready: false,
      bootId,
      procStart: procStartOf(process.pid),
      token: randomBytes(12).toString('hex'),
    };
    let created: boolean;
    try {
      created = createExclusive(file, JSON.stringify(info) + '\n');
    } catch (err) {
      // A reader writes nothing else: on a full or read-only disk it reads without the lock.
      if (access === 'read' && cannotWrite(err)) return makeHandle(home, file, null);
      throw err;
    }
    if (created) {
      const handle: Handle = { access, ready: false };
      held.set(file, { home, file, info, handles: new Set([handle]) });
      installExitHooks();
      return makeHandle(home, file, handle);
    }

    const current = readLockFile(file);
    if (!current) continue; // released meanwhile
    const waiting = Date.now() < deadline;
    const holder = current.info;
    if (!holder) {
      // Not ours to judge for long: an empty file being written (no hard links), else damaged.
      if (Date.now() - current.mtimeMs > 10_000) {
        removeStaleLock(file, current.raw);
        continue;
      }
      if (waiting) {
        await sleep(pollMs);
        continue;
      }
      if (access === 'read') return makeHandle(home, file, null);
      throw new HomeLockedError(home, file, 'unreadable', null);
    }
    const state = liveness(holder);
    if (state === 'dead') {
      removeStaleLock(file, current.raw);
      continue;
    }
    if (access === 'read') {
      // A writer that has opened the home: share it. Another opener: let it finish first.
      if (holder.access === 'write' && holder.ready) return makeHandle(home, file, null);
      if (state === 'unknown' || !waiting) return makeHandle(home, file, null);
      await sleep(pollMs);
      continue;
    }
    if (state === 'unknown') throw new HomeLockedError(home, file, 'other-host', holder);
    // A read-only command opening the home holds the lock for a moment only.
    if (holder.access === 'read' && waiting) {
      await sleep(pollMs);
      continue;
    }
    throw new HomeLockedError(home, file, 'running', holder);
  }
}

function defaultCommand(): string {
  const script = process.argv[1] ? process.argv[1].split(/[\\/]/).pop() : 'node';
  return [script, ...process.argv.slice(2)].join(' ').slice(0, 120);
}
