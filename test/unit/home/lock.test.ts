/** The home's writer lock, with real processes: holders that run, exit, crash or get killed. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  acquireHomeLock,
  homeLockFile,
  HomeLockedError,
  readHomeLock,
  removeStaleLock,
  type HomeLock,
  type HomeLockInfo,
} from '../../../src/main/home/lock';

const holderScript = fileURLToPath(new URL('./lock-holder.ts', import.meta.url));
const baseSigterm = process.listenerCount('SIGTERM');

let dir: string;
let home: string;
const children: ChildProcessWithoutNullStreams[] = [];
const locks: HomeLock[] = [];

interface Holder {
  child: ChildProcessWithoutNullStreams;
  /** The next JSON line the holder prints. */
  next(): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  send(line: string): void;
}

function startHolder(
  homeDir: string,
  mode: 'hold' | 'exit' | 'throw',
  access: 'write' | 'read' = 'write',
  env: Record<string, string> = {},
): Holder {
  const child = spawn(process.execPath, ['--import', 'tsx', holderScript, homeDir, mode, access], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  let buffer = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    buffer += d.toString();
    let i: number;
    while ((i = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      const waiter = waiters.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    exited,
    send: (line) => child.stdin.write(line + '\n'),
    next: () =>
      new Promise((resolve, reject) => {
        const parse = (line: string) => resolve(JSON.parse(line) as Record<string, unknown>);
        const queued = lines.shift();
        if (queued !== undefined) return parse(queued);
        waiters.push(parse);
        void exited.then(({ code, signal }) =>
          reject(new Error(`holder ended (${code ?? signal}) before printing: ${stderr}`)),
        );
      }),
  };
}

/** A pid that surely belonged to a process that has ended. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

function writeLock(info: Partial<HomeLockInfo>): string {
  const full: HomeLockInfo = {
    pid: 1,
    hostname: hostname(),
    command: 'timbre scan',
    startedAt: new Date().toISOString(),
    access: 'write',
    ready: true,
    token: 'old',
    ...info,
  };
  const text = JSON.stringify(full);
  mkdirSync(home, { recursive: true });
  writeFileSync(homeLockFile(home), text);
  return text;
}

async function acquire(...args: Parameters<typeof acquireHomeLock>): Promise<HomeLock> {
  const lock = await acquireHomeLock(...args);
  locks.push(lock);
  return lock;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'timbre-lock-'));
  home = join(dir, 'home');
});

afterEach(async () => {
  for (const l of locks.splice(0)) l.release();
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

afterAll(() => {
  // Every lock was released: no exit or signal hooks are left behind.
  expect(process.listenerCount('SIGTERM')).toBe(baseSigterm);
});

describe('home lock in one process', () => {
  it('creates the lock file with who holds it and removes it on release', async () => {
    const lock = await acquire(home, { command: 'timbre scan' });
    expect(lock.held).toBe(true);
    const info = readHomeLock(home);
    expect(info).toMatchObject({ pid: process.pid, hostname: hostname(), command: 'timbre scan' });
    expect(Date.now() - Date.parse(info!.startedAt)).toBeLessThan(60_000);
    expect(info!.ready).toBe(false);
    lock.markReady();
    expect(readHomeLock(home)!.ready).toBe(true);
    // While held, the process removes it on exit or on a signal nobody else handles.
    expect(process.listeners('exit').length).toBeGreaterThan(0);
    expect(process.listenerCount('SIGTERM')).toBe(baseSigterm + 1);
    lock.release();
    expect(existsSync(homeLockFile(home))).toBe(false);
    expect(process.listenerCount('SIGTERM')).toBe(baseSigterm);
    lock.release(); // idempotent
  });

  it('is shared by count on the same home and independent across homes', async () => {
    const a = await acquire(home);
    const b = await acquire(join(home, '.', ''), { waitMs: 0 });
    const other = await acquire(join(dir, 'other'), { waitMs: 0 });
    expect(b.held).toBe(true);
    expect(existsSync(homeLockFile(join(dir, 'other')))).toBe(true);
    a.release();
    expect(readHomeLock(home)?.pid).toBe(process.pid);
    b.release();
    expect(existsSync(homeLockFile(home))).toBe(false);
    expect(existsSync(homeLockFile(join(dir, 'other')))).toBe(true);
    other.release();
  });

  it('treats a symlinked spelling of the home as the same home', async () => {
    const a = await acquire(home);
    const link = join(dir, 'link');
    await symlink(home, link);
    const b = await acquire(link, { waitMs: 0 });
    a.release();
    expect(readHomeLock(home)?.pid).toBe(process.pid);
    b.release();
    expect(existsSync(homeLockFile(home))).toBe(false);
  });

  it('takes over the lock of a dead process', async () => {
    const pid = await deadPid();
    writeLock({ pid });
    const lock = await acquire(home, { waitMs: 0 });
    expect(lock.held).toBe(true);
    expect(readHomeLock(home)).toMatchObject({ pid: process.pid });
    expect(readHomeLock(home)!.token).not.toBe('old');
  });

  it('takes over a lock left by an earlier process with our own pid', async () => {
    writeLock({ pid: process.pid });
    const lock = await acquire(home, { waitMs: 0 });
    expect(lock.held).toBe(true);
    expect(readHomeLock(home)!.token).not.toBe('old');
  });

  it.skipIf(process.platform !== 'linux')(
    'takes over when the pid now belongs to a newer process',
    async () => {
      const sleeper = startHolder(join(dir, 'elsewhere'), 'hold');
      const { pid } = (await sleeper.next()) as { pid: number };
      const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const procStart = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
      // The same pid with its real start time: alive, refused.
      writeLock({ pid, bootId, procStart });
      await expect(acquireHomeLock(home, { waitMs: 0 })).rejects.toThrow(HomeLockedError);
      // The same pid started at another time: the lock's process is gone, the pid was reused.
      writeLock({ pid, bootId, procStart: String(Number(procStart) - 1000) });
      const lock = await acquire(home, { waitMs: 0 });
      expect(lock.held).toBe(true);
    },
  );

  it('never assumes a lock from another host is stale', async () => {
    const pid = await deadPid();
    writeLock({ pid, hostname: 'some-other-machine' });
    const err = await acquireHomeLock(home, { waitMs: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HomeLockedError);
    const locked = err as HomeLockedError;
    expect(locked.reason).toBe('other-host');
    expect(locked.message).toContain('on some-other-machine');
    expect(locked.message).toContain(`delete ${homeLockFile(home)}`);
    expect(readHomeLock(home)!.token).toBe('old');
    // A reader does not need the lock once the tables exist: it goes on without it.
    const reader = await acquire(home, { access: 'read', waitMs: 0 });
    expect(reader.held).toBe(false);
  });

  it('does not remove a fresh lock that replaced the stale one it judged', () => {
    writeLock({ token: 'fresh' });
    const staleText = JSON.stringify({ pid: 1, hostname: hostname(), token: 'stale' });
    removeStaleLock(homeLockFile(home), staleText);
    expect(readHomeLock(home)!.token).toBe('fresh');
    removeStaleLock(homeLockFile(home), readFileSync(homeLockFile(home), 'utf8'));
    expect(existsSync(homeLockFile(home))).toBe(false);
  });
});

describe('home lock across processes', () => {
  it('refuses a second writer with who holds the home, lets readers share it', async () => {
    const holder = startHolder(home, 'hold');
    expect(await holder.next()).toMatchObject({ acquired: true, held: true, pid: holder.child.pid });
    const err = await acquireHomeLock(home, { waitMs: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HomeLockedError);
    expect((err as HomeLockedError).holder?.pid).toBe(holder.child.pid);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^Another Timbre process is using ${home.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} ` +
          `\\(pid ${holder.child.pid}, "test holder", since \\d\\d:\\d\\d\\)\\. ` +
          `Stop it, or use --home for a separate library\\.$`,
      ),
    );
    const reader = await acquire(home, { access: 'read', waitMs: 0 });
    expect(reader.held).toBe(false);
    // Another process is refused the same way.
    const second = startHolder(home, 'hold');
    expect(await second.next()).toMatchObject({ acquired: false, reason: 'running' });
    expect((await second.exited).code).toBe(3);
  });

  it('makes a writer wait for a reader that is opening, and a reader wait for an opening writer', async () => {
    const reader = startHolder(home, 'hold', 'read');
    expect(await reader.next()).toMatchObject({ acquired: true, held: true });
    await expect(acquireHomeLock(home, { waitMs: 150 })).rejects.toThrow(/Another Timbre process/);
    const waiting = acquire(home, { waitMs: 10_000 });
    setTimeout(() => reader.send('release'), 300);
    const lock = await waiting;
    expect(lock.held).toBe(true);
    expect(readHomeLock(home)?.pid).toBe(process.pid);
    lock.release();

    // A writer still opening (not ready) makes readers wait until it is.
    const writer = startHolder(home, 'hold', 'write', { MARK_READY: '0' });
    expect(await writer.next()).toMatchObject({ acquired: true });
    expect(readHomeLock(home)?.ready).toBe(false);
    const t0 = Date.now();
    setTimeout(() => writer.send('ready'), 300);
    const sharing = await acquire(home, { access: 'read', waitMs: 10_000 });
    expect(sharing.held).toBe(false);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  });

  it('is removed when the holder exits, crashes, or gets SIGTERM, SIGINT or SIGHUP', async () => {
    for (const mode of ['exit', 'throw'] as const) {
      const h = startHolder(home, mode);
      expect(await h.next()).toMatchObject({ acquired: true });
      expect((await h.exited).code).not.toBeNull();
      expect(existsSync(homeLockFile(home))).toBe(false);
    }
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
      const h = startHolder(home, 'hold');
      expect(await h.next()).toMatchObject({ acquired: true });
      expect(existsSync(homeLockFile(home))).toBe(true);
      h.child.kill(signal);
      // It still ends the way the signal ends a process, only without leaving the lock behind.
      expect(await h.exited).toEqual({ code: null, signal });
      expect(existsSync(homeLockFile(home))).toBe(false);
    }
  });

  it('after SIGKILL leaves the file, the next process takes it over', async () => {
    const h = startHolder(home, 'hold');
    expect(await h.next()).toMatchObject({ acquired: true });
    h.child.kill('SIGKILL');
    await h.exited;
    expect(readHomeLock(home)?.pid).toBe(h.child.pid);
    const lock = await acquire(home, { waitMs: 0 });
    expect(lock.held).toBe(true);
    expect(readHomeLock(home)?.pid).toBe(process.pid);
  });

  it('lets exactly one of two processes take over a stale lock at the same moment', async () => {
    for (let round = 0; round < 3; round++) {
      writeLock({ pid: await deadPid(), token: `stale-${round}` });
      const startAt = String(Date.now() + 1500);
      const a = startHolder(home, 'hold', 'write', { START_AT: startAt });
      const b = startHolder(home, 'hold', 'write', { START_AT: startAt });
      const results = await Promise.all([a.next(), b.next()]);
      expect(results.map((r) => r.acquired).sort()).toEqual([false, true]);
      const winner = results[0].acquired ? a : b;
      expect(readHomeLock(home)?.pid).toBe(winner.child.pid);
      winner.child.kill('SIGTERM');
      await Promise.all([a.exited, b.exited]);
      expect(existsSync(homeLockFile(home))).toBe(false);
    }
  });
});
