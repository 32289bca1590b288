/**
 * Runs a clustering in a child process (`child_process.fork`), so that a large library does not
 * block the process that asked: progress arrives as events, an AbortSignal cancels (the worker
 * stops at its next check; if it has not gone within a grace period it is killed).
 */
import { fork } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveChildEntry, type ChildEntry } from '../child-entry';
import type { Matrix, RunControl } from './matrix';
import type { ClusterOutcome, ClusterRequest } from './pipeline';
import type { HostToWorker, WorkerToHost } from './protocol';

export function resolveClusterWorker(moduleUrl: string = import.meta.url): ChildEntry {
  return resolveChildEntry(
    dirname(fileURLToPath(moduleUrl)),
    'worker',
    ['clusters-worker.js', 'clusters-worker.mjs'],
    process.env.TIMBRE_CLUSTERS_WORKER_ENTRY,
  );
}

const KILL_GRACE_MS = 2000;

export function runClusteringInWorker(
  m: Matrix,
  request: ClusterRequest,
  control: RunControl = {},
): Promise<ClusterOutcome> {
  return inWorker(
    { type: 'run', data: m.data, n: m.n, dim: m.dim, request },
    (message) => (message.type === 'done' ? message.outcome : undefined),
    control,
  );
}

/** A t-SNE map of `m` (n × 2 coordinates) computed in a worker process. */
export function runTsneInWorker(m: Matrix, seed: number, control: RunControl = {}): Promise<Float32Array> {
  return inWorker(
    { type: 'tsne', data: m.data, n: m.n, dim: m.dim, seed },
    (message) => (message.type === 'map' ? message.coordinates : undefined),
    control,
  );
}

function inWorker<T>(
  job: HostToWorker,
  answer: (message: WorkerToHost) => T | undefined,
  control: RunControl,
): Promise<T> {
  const entry = resolveClusterWorker();
  return new Promise<T>((resolve, reject) => {
    if (control.signal?.aborted) {
      reject(new DOMException('clustering cancelled', 'AbortError'));
      return;
    }
    const child = fork(entry.path, [], {
      execArgv: entry.execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4096)));
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      control.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = (): void => {
      child.send({ type: 'cancel' } satisfies HostToWorker);
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    };
    control.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('message', (message: WorkerToHost) => {
      const result = answer(message);
      if (message.type === 'progress') control.onProgress?.(message.progress);
      else if (result !== undefined) settle(() => resolve(result));
      else if (message.type === 'error') {
        const err = message.aborted
          ? new DOMException(message.message, 'AbortError')
          : new Error(message.message);
        settle(() => reject(err));
      }
    });
    child.on('exit', (code, signal) => {
      if (killTimer) clearTimeout(killTimer);
      settle(() =>
        reject(
          control.signal?.aborted
            ? new DOMException('clustering cancelled', 'AbortError')
            : new Error(`clustering worker exited (${signal ?? code}) ${stderr.trim()}`),
        ),
      );
    });
    child.send(job);
  });
}
