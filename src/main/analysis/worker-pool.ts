/**
 * The worker processes of one attempt at a run: spawning them (each loads the model once), handing
 * out one job at a time from the run's queue, a time limit per job, and what a dead worker means.
 * A worker that dies or overruns its limit costs the job in hand (reported as failed with the
 * reason) and is respawned while jobs remain; one that keeps dying before it can take a job stops
 * the run. Once `stop` is called the pool reports nothing more: its workers' late messages and
 * exits belong to nobody (this replaces run-id checks).
 */
import type { AnalysisJob, TrackAnalysisResult } from './types';
import {
  forkWorkerHost,
  type WorkerExit,
  type WorkerHost,
  type WorkerHostFactory,
  type WorkerInit,
  type WorkerMessage,
} from './worker-host';
import { parseWorkerMessage } from './worker-messages';

const MAX_START_FAILURES = 3;
/** A worker that has not loaded its model by then is killed (and counts as a failed start). */
const INIT_TIMEOUT_MS = 120_000;

export const defaultTrackTimeoutMs = (durationSeconds: number): number =>
  Math.max(120_000, Math.ceil(durationSeconds * 1000));

/** What the pool tells its run. Each worker event ends with `onChange`/`onSettled` as it says. */
export interface PoolEvents {
  /** A worker has loaded its model (in `loadMs`). */
  onReady(loadMs: number): void;
  /** Peak resident set size a worker reported (KiB); pid is negative when unknown. */
  onRss(pid: number, kb: number): void;
  /** A job is done. The run records it; progress follows with `onChange`. */
  onResult(job: AnalysisJob, result: TrackAnalysisResult): void;
  /** A job failed: the worker's reason, or why its worker died or was killed. */
  onFailure(job: AnalysisJob, reason: string): void;
  /** A worker could not load its model (or start at all). */
  onInitError(reason: string): void;
  /** Workers keep dying before they can take a job: the run cannot go on. */
  onStartFailure(error: Error): void;
  /** Workers or the jobs in hand changed: report progress. */
  onChange(): void;
  /** A worker event has been handled and work handed out: the run may be over. */
  onSettled(): void;
}

export interface WorkerPoolOptions {
  /** How workers are started (child_process.fork by default). */
  hostFactory?: WorkerHostFactory;
  /** Extra environment for the workers (fault injection in tests). */
  workerEnv?: Record<string, string>;
  /** What every worker is started with. */
  init: WorkerInit;
  /** Per-job time limit in ms from the track's duration in seconds. */
  trackTimeoutMs?: (durationSeconds: number) => number;
}

interface Slot {
  index: number;
  host: WorkerHost;
  ready: boolean;
  job: AnalysisJob | null;
  timer: NodeJS.Timeout | null;
  /** Set when the pool killed it on purpose (timeout): the reason charged to its job. */
  killReason: string | null;
}

export function describeExit(exit: WorkerExit): string {
  const how =
    exit.signal !== null
      ? `signal ${exit.signal}`
      : exit.code !== null
        ? `exit code ${exit.code}`
        : 'unknown cause';
  const lines = (exit.stderrTail ?? '')
    .split('\n')
    .map((l) => l.trim())
    // Node ends a crash report with its version, after the stack: the error line says what happened.
    .filter((l) => l && !/^Node\.js v\d/.test(l));
  const tail = lines.findLast((l) => /^[A-Za-z]*(Error|Exception)\b/.test(l)) ?? lines.at(-1);
  return `worker crashed: ${how}${tail ? ` (${tail.slice(0, 300)})` : ''}`;
}

export class WorkerPool {
  private slots: (Slot | null)[] = [];
  private startFailures = 0;
  private stopped = false;
  /** Jobs are handed out only while this is true (the run is not paused). */
  handingOut = true;

  constructor(
    private readonly options: WorkerPoolOptions,
    /** The run's queue, in order; the pool takes jobs from its front. */
    private readonly queue: AnalysisJob[],
    private readonly events: PoolEvents,
  ) {}

  /** Starts up to `workers` processes (no more than there are jobs). */
  start(workers: number): void {
    const n = Math.min(workers, this.queue.length);
    this.slots = new Array<Slot | null>(n).fill(null);
    for (let i = 0; i < n; i++) this.spawn(i);
  }

  /** Jobs not yet handed out. */
  get queued(): number {
    return this.queue.length;
  }

  /** Nothing left to hand out and nothing in hand. */
  get drained(): boolean {
    return this.queue.length === 0 && !this.slots.some((s) => s?.job);
  }

  /** Paths of the jobs in hand. */
  current(): string[] {
    return this.slots.flatMap((s) => (s?.job ? [s.job.path] : []));
  }

  /** Live worker processes. */
  get size(): number {
    return this.slots.filter((s) => s !== null).length;
  }

  /** Hands a job to every ready worker without one. */
  dispatch(): void {
    if (this.stopped || !this.handingOut) return;
    let handedOut = false;
    for (const slot of this.slots) {
      if (!slot || !slot.ready || slot.job || this.queue.length === 0) continue;
      const job = this.queue.shift()!;
      slot.job = job;
      slot.killReason = null;
      handedOut = true;
      if (!slot.host.send({ type: 'job', job })) {
        // Its exit handler charges the job to the crash.
        continue;
      }
      const limit = (this.options.trackTimeoutMs ?? defaultTrackTimeoutMs)(job.durationHint);
      slot.timer = setTimeout(() => {
        slot.killReason = `timed out after ${Math.round(limit / 1000)} s (worker killed)`;
        slot.host.kill();
      }, limit);
    }
    if (handedOut) this.events.onChange();
  }

  /**
   * Ends every worker (asking politely when `graceful`) and resolves when they have exited. The
   * jobs still queued stay with the run; nothing more is reported.
   */
  stop(graceful: boolean): Promise<void> {
    this.stopped = true;
    const slots = this.slots.filter((s): s is Slot => s !== null);
    this.slots = [];
    return Promise.all(
      slots.map(
        (slot) =>
          new Promise<void>((resolve) => {
            if (slot.timer) clearTimeout(slot.timer);
            const killTimer = graceful ? setTimeout(() => slot.host.kill(), 2_000) : null;
            const giveUp = setTimeout(resolve, 10_000);
            slot.host.onExit(() => {
              if (killTimer) clearTimeout(killTimer);
              clearTimeout(giveUp);
              resolve();
            });
            if (graceful) slot.host.send({ type: 'shutdown' });
            else slot.host.kill();
          }),
      ),
    ).then(() => undefined);
  }

  private spawn(index: number): void {
    const host = (this.options.hostFactory ?? forkWorkerHost)({
      env: this.options.workerEnv,
      name: `analysis-${index}`,
    });
    const slot: Slot = { index, host, ready: false, job: null, timer: null, killReason: null };
    this.slots[index] = slot;
    slot.timer = setTimeout(() => host.kill(), INIT_TIMEOUT_MS);
    const mine = (): boolean => !this.stopped && this.slots[index] === slot;
    host.onMessage((raw) => {
      if (!mine()) return;
      const parsed = parseWorkerMessage(raw);
      if (parsed.ok) this.onMessage(slot, parsed.message);
      else if (!slot.killReason) {
        // Its track is charged with the reason when the exit comes; a new worker takes over.
        slot.killReason = `the worker sent a malformed message (${parsed.reason}); worker restarted`;
        host.kill();
      }
    });
    host.onExit((exit) => {
      if (mine()) this.onExit(slot, exit);
    });
    if (!host.send(this.options.init)) host.kill();
    this.events.onChange();
  }

  private onMessage(slot: Slot, message: WorkerMessage): void {
    switch (message.type) {
      case 'ready':
        if (slot.timer) clearTimeout(slot.timer);
        slot.timer = null;
        slot.ready = true;
        this.startFailures = 0;
        this.events.onReady(message.loadMs);
        this.noteRss(slot, message.maxRssKb);
        this.dispatch();
        this.events.onSettled();
        return;
      case 'init-error':
        this.events.onInitError(message.reason);
        return;
      case 'result':
      case 'error': {
        const job = this.takeJob(slot, message.trackId);
        if (!job) return;
        this.noteRss(slot, message.maxRssKb);
        if (message.type === 'result') this.events.onResult(job, message.result);
        else this.events.onFailure(job, message.reason);
        this.events.onChange();
        this.dispatch();
        this.events.onSettled();
        return;
      }
    }
  }

  private onExit(slot: Slot, exit: WorkerExit): void {
    if (slot.timer) clearTimeout(slot.timer);
    this.slots[slot.index] = null;
    const job = slot.job;
    slot.job = null;
    if (job) {
      this.events.onFailure(job, slot.killReason ?? describeExit(exit));
    } else if (!slot.ready && !slot.killReason) {
      // Died before it could take a job: do not respawn in a loop.
      if (++this.startFailures >= MAX_START_FAILURES) {
        this.events.onStartFailure(
          new Error(`analysis worker keeps failing to start: ${describeExit(exit)}`),
        );
        return;
      }
    }
    if (this.queue.length > 0) this.spawn(slot.index);
    this.events.onChange();
    this.dispatch();
    this.events.onSettled();
  }

  private takeJob(slot: Slot, trackId: string): AnalysisJob | null {
    const job = slot.job;
    if (!job || job.trackId !== trackId) return null;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job = null;
    return job;
  }

  private noteRss(slot: Slot, kb: number): void {
    this.events.onRss(slot.host.pid ?? -1 - slot.index, kb);
  }
}
