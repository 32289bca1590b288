/**
 * Analysis workers as Electron utility processes (onnxruntime-node is known to crash inside
 * Electron's main process and worker threads). The same WorkerHost interface as the fork one, and
 * the same shared half (stderr tail, exit replay, guarded send: analysis/worker-host-base.ts); only
 * how the process starts, talks and dies is here. The engine receives `utilityWorkerHost` as its
 * `hostFactory`.
 */
import { utilityProcess, type UtilityProcess } from 'electron';
import {
  resolveWorkerEntry,
  type HostMessage,
  type WorkerHost,
  type WorkerHostFactory,
  type WorkerSpawnOptions,
} from '../analysis/worker-host';
import { WorkerHostBase } from '../analysis/worker-host-base';

class UtilityWorker extends WorkerHostBase<HostMessage> implements WorkerHost {
  private readonly child: UtilityProcess;

  constructor(options: WorkerSpawnOptions) {
    super();
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
    this.captureOutput(this.child.stdout, this.child.stderr);
    this.child.on('error', (type, location) => this.noteStderr(`\n${type} at ${location}`));
    this.child.on('exit', (code) => this.finish(code, null));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  protected post(message: HostMessage): void {
    this.child.postMessage(message);
  }

  protected listen(listener: (message: unknown) => void): void {
    this.child.on('message', listener);
  }

  protected terminate(): void {
    const pid = this.child.pid;
    this.child.kill();
    // kill() sends SIGTERM; a process stuck in native code gets SIGKILL shortly after.
    if (pid !== undefined && process.platform !== 'win32') {
      setTimeout(() => {
        if (this.hasExited) return;
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
