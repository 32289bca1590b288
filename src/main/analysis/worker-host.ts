/**
 * The process that runs analysis jobs, seen from the main process. One interface, two
 * implementations: `child_process.fork` here (CLI, tests, benches) and Electron's `utilityProcess`
 * in src/main/electron/utility-worker.ts (the only place that imports electron). The engine takes a
 * factory by injection, so the core never depends on electron.
 *
 * Also the wire protocol between host and worker. Messages travel by structured clone (fork with
 * `serialization: 'advanced'`, utilityProcess' postMessage), so Float32Arrays cross as they are;
 * `reviveFloat32` accepts the other shapes a transport could turn them into.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveChildEntry, type ChildEntry } from '../child-entry';
import type { ResolvedModel } from './models/manager';
import type { AnalysisJob, TrackAnalysisResult } from './types';
import { WorkerHostBase, type WorkerExit } from './worker-host-base';

export interface WorkerInit {
  type: 'init';
  /** The resolved model (as returned by resolveModel) or null for features only. */
  model: ResolvedModel | null;
  /** Patches per track for the embedding (0 = all). */
  patches: number;
  ffmpegPath?: string;
  analysisVersion: string;
}

export type HostMessage = WorkerInit | { type: 'job'; job: AnalysisJob } | { type: 'shutdown' };

export type WorkerMessage =
  | { type: 'ready'; pid: number; model: string | null; loadMs: number; maxRssKb: number }
  | { type: 'init-error'; reason: string }
  | { type: 'result'; trackId: string; result: TrackAnalysisResult; maxRssKb: number }
  | { type: 'error'; trackId: string; reason: string; maxRssKb: number };

export type { WorkerExit };

export interface WorkerHost {
  readonly pid: number | undefined;
  /** Sends a message; returns false when the process is gone. */
  send(message: HostMessage): boolean;
  /** The process' messages as they come: unchecked (worker-messages.ts checks them). */
  onMessage(listener: (message: unknown) => void): void;
  /** Called once when the process has ended, however it ended. */
  onExit(listener: (exit: WorkerExit) => void): void;
  /** Ends the process at once (SIGKILL where that exists). */
  kill(): void;
}

export interface WorkerSpawnOptions {
  /** Extra environment variables for the worker (added to the parent's). */
  env?: Record<string, string>;
  /** A label for logs. */
  name?: string;
}

export type WorkerHostFactory = (options: WorkerSpawnOptions) => WorkerHost;

export type WorkerEntry = ChildEntry;

/**
 * Where the worker entry is: `TIMBRE_WORKER_ENTRY` if set; else a built `worker.js` beside this
 * module (the bundled app/CLI: electron-vite emits it as its own entry); else `worker.ts` beside
 * this module, started through tsx (running from source: CLI under tsx, tests, benches).
 */
export function resolveWorkerEntry(moduleUrl: string = import.meta.url): WorkerEntry {
  const here = dirname(fileURLToPath(moduleUrl));
  return resolveChildEntry(
    here,
    'worker',
    ['worker.js', 'worker.mjs', 'analysis-worker.js'],
    process.env.TIMBRE_WORKER_ENTRY,
  );
}

class ForkedWorker extends WorkerHostBase<HostMessage> implements WorkerHost {
  private readonly child: ChildProcess;

  constructor(entry: WorkerEntry, options: WorkerSpawnOptions) {
    super();
    this.child = fork(entry.path, [], {
      execArgv: entry.execArgv,
      env: { ...process.env, ...options.env },
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.captureOutput(this.child.stdout, this.child.stderr);
    // 'close' waits for stdio to end, so the stderr tail is complete.
    this.child.on('close', (code, signal) => this.finish(code, signal));
    this.child.on('error', (err) => {
      this.noteStderr(`\n${err.message}`);
      if (this.child.exitCode === null && this.child.signalCode === null && this.child.pid === undefined) {
        this.finish(null, null);
      }
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  protected override connected(): boolean {
    return this.child.connected;
  }

  protected post(message: HostMessage): void {
    this.child.send(message);
  }

  protected listen(listener: (message: unknown) => void): void {
    this.child.on('message', listener);
  }

  protected terminate(): void {
    this.child.kill('SIGKILL');
  }
}

/** The `child_process.fork` implementation (CLI, tests, benches). */
export const forkWorkerHost: WorkerHostFactory = (options) => new ForkedWorker(resolveWorkerEntry(), options);

/** A Float32Array from whatever a transport made of one (typed array, Buffer, plain array). */
export function reviveFloat32(value: unknown): Float32Array {
  if (value instanceof Float32Array) return value;
  if (value instanceof Uint8Array || value instanceof DataView) {
    // Raw bytes (a Buffer): reinterpret as little-endian float32.
    const copy = new Uint8Array(value.byteLength - (value.byteLength % 4));
    copy.set(new Uint8Array(value.buffer, value.byteOffset, copy.byteLength));
    return new Float32Array(copy.buffer);
  }
  if (ArrayBuffer.isView(value)) return Float32Array.from(value as unknown as ArrayLike<number>);
  if (Array.isArray(value)) return Float32Array.from(value as number[]);
  if (value && typeof value === 'object') {
    const o = value as { type?: string; data?: unknown };
    if (o.type === 'Buffer' && Array.isArray(o.data))
      return reviveFloat32(Uint8Array.from(o.data as number[]));
    return Float32Array.from(Object.values(value as Record<string, number>));
  }
  return new Float32Array(0);
}

/** A readable reason from anything thrown (essentia.js throws raw numbers: C++ exception pointers). */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  if (typeof err === 'number') return `essentia.js internal exception (${err})`;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}
