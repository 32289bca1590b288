/**
 * One analysis run, from start to idle: it plans (ffmpeg, model, version, queue), runs a worker
 * pool over the queue, hands what comes back to its result writer, and keeps the figures its
 * progress reports. Everything a run owns dies with it, so a cancelled or failed run cannot touch
 * the next one: once `closed`, its pending steps stop at their next check.
 *
 * A model that resolved in the main process but does not load in a worker starts a second pool on
 * the features-only version (see `continueWithoutModel`).
 */
import { InFlight } from '../in-flight';
import type { AnalysisErrorRecord, AnalysisProgress, AnalysisState } from '../../shared/types';
import { resolveFfmpeg } from '../ffmpeg/resolve';
import type { ResolvedModel } from './models/manager';
import type { ResultsStore } from './results-store';
import { ResultWriter } from './result-writer';
import {
  featuresOnlyVersion,
  jobQueue,
  putFirst,
  pendingTracks,
  type ModelPlanner,
  type TrackSource,
} from './run-plan';
import type { AnalysisJob, TrackAnalysisResult } from './types';
import type { WorkerHostFactory } from './worker-host';
import { WorkerPool, type PoolEvents } from './worker-pool';
import { writeProblem } from '../store/write-error';

const RATE_WINDOW_MS = 60_000;

/** Figures of the current (or last) run, for benches and logs. */
export interface RunStats {
  startedAt: number;
  finishedAt: number | null;
  analysed: number;
  failed: number;
  /** Seconds of audio (catalog durations) of the tracks analysed. */
  audioSeconds: number;
  decodeMs: number;
  /** Halving the decoded rate for the features (dsp/decimate.ts), worker time. */
  resampleMs: number;
  featuresMs: number;
  embeddingMs: number;
  /** CPU time summed over tracks (ms): workers' own per step, and their ffmpeg children's. */
  cpu: { decodeMs: number; ffmpegMs: number; resampleMs: number; featuresMs: number; embeddingMs: number };
  /** Time spent in database writes (main process). */
  writeMs: number;
  /** Peak resident set size reported by each worker process (KiB), by pid. */
  workerPeakRssKb: Record<number, number>;
  /** Model load time per worker start (ms). */
  workerLoadMs: number[];
  analysisVersion: string | null;
}

/** The settings of one run, already resolved against the engine's defaults. */
export interface RunSettings {
  workers: number;
  model: string;
  patches: number;
  /** EfficientAT windows per track (0 = all). */
  windows: number;
  ffmpegPath: string | undefined;
}

/** What a run uses of its engine. */
export interface RunContext {
  catalog: TrackSource;
  store: ResultsStore;
  planner: ModelPlanner;
  hostFactory?: WorkerHostFactory;
  workerEnv?: Record<string, string>;
  trackTimeoutMs?: (durationSeconds: number) => number;
  batchSize?: number;
  flushIntervalMs?: number;
  /** Tracks asked for first (a track someone wants "play similar" from); the engine owns it. */
  first: ReadonlySet<string>;
  /** Progress changed. */
  progress(run: AnalysisRun): void;
  /** These tracks' results are now in the database. */
  written(trackIds: string[]): void;
  /** Something went wrong: a run that could not go on, or a failed write. */
  error(err: unknown): void;
  /** The run is over (state is 'idle'). */
  idle(run: AnalysisRun): void;
}

export class AnalysisRun {
  state: AnalysisState = 'running';
  /** The analysis version of this run (null until planned, and while the queue is rebuilt). */
  version: string | null = null;
  readonly stats: RunStats = emptyStats();
  private readonly writer: ResultWriter;
  private readonly startedAt = Date.now();
  private readonly completions: number[] = [];
  private total = 0;
  private done = 0;
  private failed = 0;
  /** Results and failures of this run that are in the database (what it reports as done). */
  private stored = 0;
  private storedFailed = 0;
  /** The first write that failed, in words: it stops the run, and later failures add nothing. */
  private writeError: Error | null = null;
  private model: ResolvedModel | null = null;
  /** Excerpts per track for the model in use: patches (MusiCNN, waveform) or windows (EfficientAT). */
  private perTrack = 0;
  private modelId: string | null = null;
  private modelNote: string | undefined;
  private pool: WorkerPool | null = null;
  /** The queue the pool hands out from (shared with it), for reordering. */
  private queue: AnalysisJob[] = [];
  /** The last jobs are being written; the run is still 'running'. */
  private finishing = false;
  /**
   * Work under way outside any call: planning and re-planning (they read the database), and the
   * end of a run that finished (last writes, then the compaction). engine.close waits for it: a
   * native call still running when the database closes, or when the process exits, can crash it.
   */
  private readonly background = new InFlight();
  /** Cancelled or failed: whatever is still pending of this run does nothing. */
  private closed = false;

  constructor(
    private readonly ctx: RunContext,
    private readonly settings: RunSettings,
  ) {
    this.writer = new ResultWriter({
      store: ctx.store,
      batchSize: ctx.batchSize,
      flushIntervalMs: ctx.flushIntervalMs,
      onWritten: (ids) => ctx.written(ids),
      onStored: (results, failures) => {
        this.stored += results;
        this.storedFailed += failures;
      },
      onError: (err) => this.writeFailed(err),
      onWriteTime: (ms) => (this.stats.writeMs += ms),
    });
  }

  /** Plans the run and starts its workers in the background. */
  begin(): void {
    this.background.track(
      this.prepare().catch((err: unknown) => {
        if (!this.closed) this.fail(err instanceof Error ? err : new Error(String(err)));
      }),
    );
  }

  pause(): void {
    if (this.state !== 'running') return;
    this.state = 'paused';
    if (this.pool) this.pool.handingOut = false;
    this.ctx.progress(this);
  }

  resume(): void {
    if (this.state !== 'paused') return;
    this.state = 'running';
    if (this.pool) this.pool.handingOut = true;
    this.ctx.progress(this);
    this.pool?.dispatch();
    this.maybeFinish();
  }

  /** Kills the workers (their tracks stay pending), writes what is finished, goes idle. */
  async cancel(): Promise<void> {
    this.state = 'cancelling';
    this.closed = true;
    this.ctx.progress(this);
    await this.pool?.stop(false);
    await this.writer.flush();
    this.toIdle();
  }

  /**
   * Resolves when every write of this run has ended, the compaction after the last one and any
   * planning under way too (a cancelled run may still be doing either: close waits for them).
   */
  async writesSettled(): Promise<void> {
    await this.writer.settled();
    await this.background.drain();
  }

  /** Progress of this run (`lastError` is the engine's). */
  status(lastError: Error | null): AnalysisProgress {
    const now = Date.now();
    while (this.completions.length > 0 && this.completions[0] < now - RATE_WINDOW_MS)
      this.completions.shift();
    const windowMs = Math.min(RATE_WINDOW_MS, Math.max(1, now - this.startedAt));
    const tracksPerMinute =
      this.state === 'idle' && this.done === 0 ? 0 : (this.completions.length / windowMs) * 60_000;
    const remaining = Math.max(0, this.total - this.done);
    const etaSeconds =
      this.state === 'idle'
        ? null
        : tracksPerMinute > 0
          ? Math.round((remaining / tracksPerMinute) * 60)
          : null;
    const progress: AnalysisProgress = {
      state: this.state,
      total: this.total,
      done: this.done,
      failed: this.failed,
      stored: this.stored,
      storedFailed: this.storedFailed,
      tracksPerMinute: Math.round(tracksPerMinute * 10) / 10,
      etaSeconds,
      current: this.pool?.current() ?? [],
      workers: this.pool?.size ?? 0,
      model: this.modelId,
    };
    if (this.modelNote) progress.modelNote = this.modelNote;
    if (lastError) progress.error = lastError.message;
    return progress;
  }

  // ---------------------------------------------------------------------------------------------

  private async prepare(): Promise<void> {
    // 0. No ffmpeg, no run: every track would fail for a reason that is not the track's.
    await resolveFfmpeg(this.settings.ffmpegPath);
    if (this.closed) return;
    // 1. The model (resolved, and converted on first use, in the main process; loaded in workers).
    let lastReport = 0;
    const plan = await this.ctx.planner.plan(this.settings.model, this.settings, undefined, (p) => {
      // A first run downloads and converts the model: say so while it happens.
      const now = Date.now();
      if (this.closed || (p.phase === 'download' && now - lastReport < 250)) return;
      lastReport = now;
      const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
      this.modelNote =
        p.phase === 'download'
          ? `Downloading the ${p.modelId} model: ${mb(p.receivedBytes)}${p.totalBytes ? ` of ${mb(p.totalBytes)}` : ''} MB`
          : p.phase === 'convert'
            ? `Converting the ${p.modelId} model to ONNX`
            : undefined;
      this.ctx.progress(this);
    });
    if (this.closed) return;
    if (plan.unknownModel) throw plan.unknownModel;
    this.model = plan.model;
    this.perTrack = plan.perTrack;
    this.modelId = plan.model?.id ?? null;
    this.modelNote = plan.note;
    this.setVersion(plan.version);
    if (this.model && this.model.tags.length > 0)
      await this.ctx.store.setTagNames(this.model.id, this.model.tags);

    await this.queueAndSpawn(true);
  }

  private setVersion(version: string): void {
    this.version = version;
    this.stats.analysisVersion = version;
  }

  /** Queues present tracks not analysed or failed at the run's version and starts the workers. */
  private async queueAndSpawn(prune: boolean): Promise<void> {
    const version = this.version;
    if (version === null) return;
    const pending = await pendingTracks(this.ctx.catalog, this.ctx.store, version, prune);
    if (this.closed) return;
    const queue = jobQueue(pending, this.ctx.first);
    this.queue = queue;
    this.total = this.done + queue.length;
    const pool = new WorkerPool(
      {
        hostFactory: this.ctx.hostFactory,
        workerEnv: this.ctx.workerEnv,
        trackTimeoutMs: this.ctx.trackTimeoutMs,
        init: {
          type: 'init',
          model: this.model,
          patches: this.perTrack,
          ffmpegPath: this.settings.ffmpegPath,
          analysisVersion: version,
        },
      },
      queue,
      this.poolEvents(),
    );
    pool.handingOut = this.state === 'running';
    this.pool = pool;
    this.ctx.progress(this);
    pool.start(this.settings.workers);
    this.maybeFinish();
  }

  /** Puts the engine's tracks-asked-first at the head of what is still queued. */
  prioritize(): boolean {
    return putFirst(this.queue, this.ctx.first);
  }

  private poolEvents(): PoolEvents {
    return {
      onReady: (loadMs) => this.stats.workerLoadMs.push(loadMs),
      onRss: (pid, kb) => {
        this.stats.workerPeakRssKb[pid] = Math.max(this.stats.workerPeakRssKb[pid] ?? 0, kb);
      },
      onResult: (job, result) => this.recordResult(job, result),
      onFailure: (job, reason) => this.recordFailure(job, reason),
      onInitError: (reason) => {
        if (this.model) this.continueWithoutModel(reason);
        else this.fail(new Error(`analysis worker could not start: ${reason}`));
      },
      onStartFailure: (err) => this.fail(err),
      onChange: () => this.ctx.progress(this),
      onSettled: () => this.maybeFinish(),
    };
  }

  /**
   * A model that resolved in the main process but does not load in a worker (a corrupt cache, an
   * ONNX runtime that cannot run it) must not stop the library from being analysed: the run goes
   * on with features only, at the features-only version, and says why. Tracks in hand are
   * re-queued; a later run with a working model redoes these tracks with embeddings.
   */
  private continueWithoutModel(reason: string): void {
    const modelId = this.modelId;
    // No version while the queue is rebuilt, so nothing can finish the run in between.
    this.version = null;
    this.model = null;
    this.modelId = null;
    this.modelNote = `The ${modelId} model could not be loaded (${reason}): analysing features only`;
    this.ctx.progress(this);
    const pool = this.pool;
    this.pool = null;
    this.background.track(
      (pool?.stop(false) ?? Promise.resolve())
        .then(async () => {
          if (this.closed) return;
          this.setVersion(featuresOnlyVersion(this.settings.patches));
          await this.queueAndSpawn(false);
        })
        .catch((err: unknown) => {
          if (!this.closed) this.fail(err instanceof Error ? err : new Error(String(err)));
        }),
    );
  }

  private recordResult(job: AnalysisJob, result: TrackAnalysisResult): void {
    this.stats.analysed++;
    this.stats.audioSeconds += job.durationHint;
    this.stats.decodeMs += result.timings.decodeMs;
    this.stats.resampleMs += result.timings.resampleMs ?? 0;
    const cpu = result.timings.cpu;
    if (cpu) {
      const sum = this.stats.cpu;
      sum.decodeMs += cpu.decodeMs;
      sum.ffmpegMs += cpu.ffmpegMs ?? 0;
      sum.resampleMs += cpu.resampleMs;
      sum.featuresMs += cpu.featuresMs;
      sum.embeddingMs += cpu.embeddingMs;
    }
    this.stats.featuresMs += result.timings.featuresMs;
    this.stats.embeddingMs += result.timings.embeddingMs;
    this.completed();
    this.writer.addResult(result);
  }

  private recordFailure(job: AnalysisJob, reason: string): void {
    this.stats.failed++;
    this.failed++;
    const record: AnalysisErrorRecord = {
      trackId: job.trackId,
      path: job.path,
      reason,
      analysisVersion: this.version ?? '',
      at: Date.now(),
    };
    this.completed();
    this.writer.addError(record);
  }

  private completed(): void {
    this.done++;
    this.completions.push(Date.now());
  }

  /** Finishes the run when nothing is left to hand out or in hand. */
  private maybeFinish(): void {
    if (this.state !== 'running' || this.version === null || this.finishing) return;
    // No pool yet: the queue is still being planned.
    const pool = this.pool;
    if (!pool || !pool.drained) return;
    // Still 'running' (not 'cancelling') while the last results are written.
    this.finishing = true;
    this.background.track(
      pool
        .stop(true)
        .then(() => this.writer.flush())
        .then(() => (this.writeError ? undefined : this.ctx.store.optimize()))
        .catch((err: unknown) => this.ctx.error(this.worded(err, 'compacting results in')))
        .finally(() => {
          if (!this.closed) this.toIdle();
        }),
    );
  }

  /** A failed write in words: why (a full disk, …) and where. */
  private worded(err: unknown, doing: string): Error {
    return new Error(`${writeProblem(err)} while ${doing} ${this.ctx.store.location}`, { cause: err });
  }

  /**
   * A write that failed stops the run: its batch is lost (those tracks stay pending) and the next
   * would most likely fail the same way (a full disk), so going on would only report work that is
   * not stored. What was stored before stays, and the counts say how much that is.
   */
  private writeFailed(err: unknown): void {
    if (this.writeError) return;
    this.writeError = this.worded(err, 'writing results to');
    if (this.closed) this.ctx.error(this.writeError);
    else this.fail(this.writeError);
  }

  private fail(err: Error): void {
    this.ctx.error(err);
    this.closed = true;
    this.state = 'cancelling';
    void (this.pool?.stop(false) ?? Promise.resolve())
      .then(() => this.writer.flush())
      .finally(() => this.toIdle());
  }

  private toIdle(): void {
    this.state = 'idle';
    this.finishing = false;
    this.stats.finishedAt = Date.now();
    this.ctx.idle(this);
  }
}

export function emptyStats(): RunStats {
  return {
    startedAt: Date.now(),
    finishedAt: null,
    analysed: 0,
    failed: 0,
    audioSeconds: 0,
    decodeMs: 0,
    resampleMs: 0,
    cpu: { decodeMs: 0, ffmpegMs: 0, resampleMs: 0, featuresMs: 0, embeddingMs: 0 },
    featuresMs: 0,
    embeddingMs: 0,
    writeMs: 0,
    workerPeakRssKb: {},
    workerLoadMs: [],
    analysisVersion: null,
  };
}
