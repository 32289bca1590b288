/**
 * Reads files for a scan in separate processes (read-worker.ts), so that no file can stall or crash
 * the scan. A promise-based time limit cannot stop a parser stuck in a synchronous loop (its timer
 * never gets to run), and a native crash would take the whole app down; a process can be killed.
 *
 * Each process reads several files at once (the reads mostly wait on the disk). When one must be
 * killed with several reads in hand, the culprit is not known: those files are read again one at a
 * time, and the one that stalls or crashes alone is recorded as unreadable. The others lose nothing.
 * If the reader processes cannot start at all, files are read in this process instead.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveChildEntry, type ChildEntry } from '../child-entry';
import { readTrack, type ReadResult } from './reader';
import type { WalkEntry } from './walker';

export type ReadRequest = { type: 'read'; id: number; entry: WalkEntry; timeoutMs: number };
export type ReadReply = { type: 'ready'; pid: number } | { type: 'result'; id: number; result: ReadResult };

export interface ReadPoolOptions {
  /** Reader processes (default 2). */
  processes?: number;
  /** Files read at once by one process (default 6). */
  perProcess?: number;
  /** Per-file limit (default 10 s); the process is killed a little after it. */
  timeoutMs?: number;
  /** Extra environment for the reader processes (fault injection in tests). */
  env?: Record<string, string>;
  /** The reader script (default: read-worker beside this module, built or through tsx). */
  entry?: ChildEntry;
}

interface Job {
  id: number;
  entry: WalkEntry;
  resolve(result: ReadResult): void;
  /** Was in hand when its process had to be killed: read again alone. */
  suspect: boolean;
}

interface Reader {
  child: ChildProcess;
  /** The timer starts once the process is ready: its start-up (module loading) is not the file's. */
  inHand: Map<number, { job: Job; timer?: NodeJS.Timeout }>;
  /** Reading a suspect: takes nothing else until it is done. */
  alone: boolean;
  /** Said it is ready (a process that dies before that did not start). */
  answered: boolean;
  /** Kills a process that never gets ready. */
  startTimer?: NodeJS.Timeout;
  gone: boolean;
}

/** The child's own (promise) limit answers first for reads that are merely slow. */
const KILL_GRACE_MS = 2_000;
/** Readers that die before answering anything, in a row, before reading in-process instead. */
const MAX_START_FAILURES = 3;
/** A reader process that is not ready by then (loading its modules) counts as failing to start. */
const START_TIMEOUT_MS = 30_000;

export function resolveReaderEntry(): ChildEntry {
  const here = dirname(fileURLToPath(import.meta.url));
  return resolveChildEntry(here, 'read-worker', ['read-worker.js'], process.env.TIMBRE_READER_ENTRY);
}

export class ReadPool {
  private readonly processes: number;
  private readonly perProcess: number;
  private readonly timeoutMs: number;
  private readonly readers: Reader[] = [];
  private readonly queue: Job[] = [];
  private readonly suspects: Job[] = [];
  private nextId = 1;
  private startFailures = 0;
  private inProcess = false;
  private closed = false;

  constructor(private readonly options: ReadPoolOptions = {}) {
    this.processes = Math.max(1, options.processes ?? 2);
    this.perProcess = Math.max(1, options.perProcess ?? 6);
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Reads one file; resolves with a reason for anything unreadable, never rejects. */
  read(entry: WalkEntry): Promise<ReadResult> {
    if (this.closed) return Promise.resolve({ ok: false, reason: 'the scan was stopped' });
    if (this.inProcess) return readTrack(entry, { timeoutMs: this.timeoutMs });
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, entry, resolve, suspect: false });
      this.dispatch();
    });
  }

  /** Ends the reader processes; reads still waiting resolve as stopped. */
  close(): void {
    this.closed = true;
    for (const job of [...this.suspects.splice(0), ...this.queue.splice(0)])
      job.resolve({ ok: false, reason: 'the scan was stopped' });
    for (const reader of [...this.readers]) this.stop(reader, 'drop');
  }

  private dispatch(): void {
    if (this.closed) return;
    if (this.inProcess) {
      for (const job of [...this.suspects.splice(0), ...this.queue.splice(0)])
        void readTrack(job.entry, { timeoutMs: this.timeoutMs }).then(job.resolve);
      return;
    }
    // Suspects first, each alone in an idle process.
    while (this.suspects.length > 0) {
      const reader = this.readers.find((r) => r.inHand.size === 0) ?? this.spawn();
      if (!reader) break;
      reader.alone = true;
      this.send(reader, this.suspects.shift()!);
    }
    while (this.queue.length > 0) {
      const reader =
        this.readers.find((r) => !r.alone && r.inHand.size < this.perProcess && this.suspects.length === 0) ??
        (this.suspects.length === 0 ? this.spawn() : null);
      if (!reader) break;
      this.send(reader, this.queue.shift()!);
    }
  }

  private spawn(): Reader | null {
    if (this.readers.length >= this.processes) return null;
    let child: ChildProcess;
    try {
      const entry = this.options.entry ?? resolveReaderEntry();
      child = fork(entry.path, [], {
        execArgv: entry.execArgv,
        env: { ...process.env, ...this.options.env },
        serialization: 'advanced',
        stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      });
    } catch {
      this.readInProcess();
      return null;
    }
    const reader: Reader = { child, inHand: new Map(), alone: false, answered: false, gone: false };
    this.readers.push(reader);
    child.on('message', (message: ReadReply) => this.onReply(reader, message));
    child.on('exit', (code, signal) => this.onExit(reader, code, signal));
    child.on('error', () => this.onExit(reader, null, null));
    reader.startTimer = setTimeout(() => this.onExit(reader, null, null), START_TIMEOUT_MS);
    return reader;
  }

  private send(reader: Reader, job: Job): void {
    reader.inHand.set(job.id, { job, timer: reader.answered ? this.killTimer(reader, job) : undefined });
    const request: ReadRequest = { type: 'read', id: job.id, entry: job.entry, timeoutMs: this.timeoutMs };
    try {
      reader.child.send(request);
    } catch {
      this.stop(reader, 'suspect');
    }
  }

  private killTimer(reader: Reader, job: Job): NodeJS.Timeout {
    return setTimeout(() => this.onTimeout(reader, job), this.timeoutMs + KILL_GRACE_MS);
  }

  private onReply(reader: Reader, message: ReadReply): void {
    if (!reader.answered) {
      reader.answered = true;
      clearTimeout(reader.startTimer);
      this.startFailures = 0;
      for (const held of reader.inHand.values()) held.timer ??= this.killTimer(reader, held.job);
    }
    if (message.type !== 'result') return;
    const held = reader.inHand.get(message.id);
    if (!held) return;
    clearTimeout(held.timer);
    reader.inHand.delete(message.id);
    if (reader.inHand.size === 0) reader.alone = false;
    held.job.resolve(message.result);
    this.dispatch();
  }

  private onTimeout(reader: Reader, job: Job): void {
    // Its own time limit did not answer, so its process was stuck, not waiting on a slow disk:
    // worded so that the catalog does not retry the file until it changes.
    const seconds = Math.round((this.timeoutMs + KILL_GRACE_MS) / 1000);
    this.blame(reader, job, `the tag reader stalled on this file for ${seconds} s and was stopped`);
  }

  private onExit(reader: Reader, code: number | null, signal: NodeJS.Signals | null): void {
    if (reader.gone) return;
    if (!reader.answered) {
      // It never started (no files are to blame): try again, and read here if it keeps failing.
      if (++this.startFailures >= MAX_START_FAILURES) this.readInProcess();
      else this.stop(reader, 'retry');
      return;
    }
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    const only = reader.inHand.size === 1 ? [...reader.inHand.values()][0].job : null;
    if (only) this.blame(reader, only, `the tag reader crashed on this file (${how})`);
    else this.stop(reader, 'suspect');
  }

  /**
   * `job` stalled or crashed its process. Alone (or already a suspect) it is the culprit and is
   * recorded as unreadable; with others in hand, all of them are read again one at a time.
   */
  private blame(reader: Reader, job: Job, reason: string): void {
    const held = reader.inHand.get(job.id);
    if (!held) return;
    if (reader.inHand.size === 1 || job.suspect) {
      clearTimeout(held.timer);
      reader.inHand.delete(job.id);
      job.resolve({ ok: false, reason });
    }
    this.stop(reader, 'suspect');
  }

  /**
   * Kills a reader; what it still had in hand is read again alone (`suspect`: one of them may be
   * to blame), read again as usual (`retry`: the process never started), or dropped.
   */
  private stop(reader: Reader, then: 'suspect' | 'retry' | 'drop'): void {
    clearTimeout(reader.startTimer);
    if (!reader.gone) {
      reader.gone = true;
      if (reader.child.exitCode === null && reader.child.signalCode === null) reader.child.kill('SIGKILL');
    }
    for (const { job, timer } of reader.inHand.values()) {
      clearTimeout(timer);
      if (then === 'suspect') this.suspects.push({ ...job, suspect: true });
      else if (then === 'retry') this.queue.unshift(job);
      else job.resolve({ ok: false, reason: 'the scan was stopped' });
    }
    reader.inHand.clear();
    const i = this.readers.indexOf(reader);
    if (i >= 0) this.readers.splice(i, 1);
    if (then !== 'drop') this.dispatch();
  }

  private readInProcess(): void {
    this.inProcess = true;
    for (const reader of [...this.readers]) this.stop(reader, 'suspect');
    this.dispatch();
  }
}
