/**
 * Analysis workers as Electron utility processes (onnxruntime-node is known to crash inside
 * Electron's main process and worker threads). The same WorkerHost interface as the fork one; the
 * engine receives `utilityWorkerHost` as its `hostFactory`.
 */
import { utilityProcess, type UtilityProcess } from 'electron';
import {
  resolveWorkerEntry,
  type HostMessage,
  type WorkerExit,
  type WorkerHost,
  type WorkerHostFactory,
  type WorkerMessage,
  type WorkerSpawnOptions,
} from '../analysis/worker-host';

const STDERR_TAIL = 4096;

class UtilityWorker implements WorkerHost {
  private readonly child: UtilityProcess;
  private stderrTail = '';
  private exited: WorkerExit | null = null;
  private readonly exitListeners: ((exit: WorkerExit) => void)[] = [];

  constructor(options: WorkerSpawnOptions) {
    const entry = resolveWorkerEntry();
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    Object.assign(env, options.env);
    this.child = utilityProcess.fork(entry.path, [], {
      env,
      execArgv: entry.execArgv,
      stdio: 'pipe',
      serviceName: options.name ?? 'Timbre analysis',
    });
    this.child.stdout?.on('data', (chunk: Buffer) => {
      if (process.env.TIMBRE_WORKER_DEBUG) process.stderr.write(chunk);
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      if (process.env.TIMBRE_WORKER_DEBUG) process.stderr.write(chunk);
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    this.child.on('error', (type, location) => {
      this.stderrTail += `\n${type} at ${location}`;
    });
    this.child.on('exit', (code) => {
      if (this.exited) return;
      this.exited = { code, signal: null, stderrTail: this.stderrTail.trim() || undefined };
      for (const listener of this.exitListeners) listener(this.exited);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  send(message: HostMessage): boolean {
    if (this.exited) return false;
    try {
      this.child.postMessage(message);
      return true;
    } catch {
      return false;
    }
  }

  onMessage(listener: (message: WorkerMessage) => void): void {
    this.child.on('message', (message: unknown) => listener(message as WorkerMessage));
  }

  onExit(listener: (exit: WorkerExit) => void): void {
    if (this.exited) listener(this.exited);
    else this.exitListeners.push(listener);
  }

  kill(): void {
    if (this.exited) return;
    const pid = this.child.pid;
    this.child.kill();
    // kill() sends SIGTERM; a process stuck in native code gets SIGKILL shortly after.
    if (pid !== undefined && process.platform !== 'win32') {
      setTimeout(() => {
        if (this.exited) return;
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 2_000).unref();
    }
  }
}

/** Starts analysis workers as Electron utility processes (call after app 'ready'). */
export const utilityWorkerHost: WorkerHostFactory = (options) => new UtilityWorker(options);
