/**
 * The half of a worker host that does not depend on how the process was started: the tail of its
 * stderr (the reason a crash is charged with), the exit told once to every listener (also to one
 * that subscribes after the end), and a send that answers false instead of throwing once the
 * process is gone. The fork host (worker-host.ts) and the Electron utility-process host
 * (electron/utility-worker.ts) extend it with how they start, message and kill their process.
 */

const STDERR_TAIL = 4096;

export interface WorkerExit {
  code: number | null;
  signal: string | null;
  /** Last lines the process wrote to stderr, if captured. */
  stderrTail?: string;
}

/** The part of a readable stream a host listens to (Node streams and Electron's both have it). */
export interface OutputStream {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
}

/**
 * `Out` is what the host sends (the wire protocol, and what the process answers, live with the
 * host: worker-host.ts); messages are handed on unchecked, the receiver validates them.
 */
export abstract class WorkerHostBase<Out> {
  private stderrTail = '';
  private exited: WorkerExit | null = null;
  private readonly exitListeners: ((exit: WorkerExit) => void)[] = [];

  abstract readonly pid: number | undefined;

  /** Hands a message to the process; may throw when it cannot. */
  protected abstract post(message: Out): void;
  /** Subscribes to the process' messages. */
  protected abstract listen(listener: (message: unknown) => void): void;
  /** Ends the process (called only while it has not exited). */
  protected abstract terminate(): void;

  /** Whether the channel to the process is open (beyond not having exited). */
  protected connected(): boolean {
    return true;
  }

  protected get hasExited(): boolean {
    return this.exited !== null;
  }

  /** Keeps the stderr tail; both streams are echoed when TIMBRE_WORKER_DEBUG is set. */
  protected captureOutput(
    stdout: OutputStream | null | undefined,
    stderr: OutputStream | null | undefined,
  ): void {
    stdout?.on('data', (chunk: Buffer) => {
      if (process.env.TIMBRE_WORKER_DEBUG) process.stderr.write(chunk);
    });
    stderr?.on('data', (chunk: Buffer) => {
      if (process.env.TIMBRE_WORKER_DEBUG) process.stderr.write(chunk);
      this.noteStderr(chunk.toString('utf8'));
    });
  }

  /** Adds text to the stderr tail (also what the host learns of a process error). */
  protected noteStderr(text: string): void {
    this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL);
  }

  /** Records the end of the process and tells every listener, once. */
  protected finish(code: number | null, signal: string | null): void {
    if (this.exited) return;
    this.exited = { code, signal, stderrTail: this.stderrTail.trim() || undefined };
    for (const listener of this.exitListeners) listener(this.exited);
  }

  send(message: Out): boolean {
    if (this.exited || !this.connected()) return false;
    try {
      this.post(message);
      return true;
    } catch {
      return false;
    }
  }

  /** Messages as they come: the receiver checks them (analysis/worker-messages.ts). */
  onMessage(listener: (message: unknown) => void): void {
    this.listen(listener);
  }

  onExit(listener: (exit: WorkerExit) => void): void {
    if (this.exited) listener(this.exited);
    else this.exitListeners.push(listener);
  }

  kill(): void {
    if (!this.exited) this.terminate();
  }
}
