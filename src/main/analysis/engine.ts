/**
 * The analysis job engine. The queue is derived from the catalog each run: every present track whose
 * stored analysis (or failure) is not at the current version, or is older than the file's last
 * modification. N worker processes (one per core by default) take one track at a time; the main
 * process is the only database writer and writes each result as soon as the writer is free (what
 * finishes during a write goes into the next batch; `batchSize` and `flushIntervalMs` only bound a
 * batch while a write is slow), so a SIGKILL loses at most the batch in flight and the next run
 * resumes the rest. A worker that dies (exit, WASM abort, OOM) or overruns the per-track timeout
 * costs the track in hand, which is recorded as failed with the reason at this version (retried only
 * at another version or once the file changes), and the worker is respawned.
 *
 * Where each part lives: the plan (version, which tracks, in what order) in run-plan.ts, the
 * workers in worker-pool.ts, the batched writes in result-writer.ts, and one AnalysisRun (run.ts)
 * per run tying them together; this class keeps the settings and the current or last run.
 *
 * Events: 'progress' (AnalysisProgress) on every change; 'error' (Error) for a run that could not
 * go on (only emitted when someone listens; see also `lastError`).
 */
import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import type { AnalysisProgress, AnalysisState } from '../../shared/types';
import type { ResolvedModel, ResolveOptions } from './models/manager';
import type { ResultsStore } from './results-store';
import { AnalysisRun, emptyStats, type RunContext, type RunStats } from './run';
import { DEFAULT_MODEL_ID } from './models/manager';
import { ModelPlanner, patchesSetting, pendingTracks, windowsSetting, type TrackSource } from './run-plan';
import type { WorkerHostFactory } from './worker-host';

export type { RunStats } from './run';
export type { TrackSource } from './run-plan';
export { defaultTrackTimeoutMs } from './worker-pool';

export interface AnalysisEngineOptions {
  /** Timbre home (models are cached there). */
  home: string;
  catalog: TrackSource;
  store: ResultsStore;
  /** How workers are started: child_process.fork by default; Electron passes its utilityProcess one. */
  hostFactory?: WorkerHostFactory;
  /** Worker processes (default: one per core). */
  workers?: number;
  /** Model id ('mn04', 'msd', 'mtt', a user model) or 'none' (default DEFAULT_MODEL_ID, 'mn04'). */
  model?: string;
  /** Folder holding model sources (H5), see the model manager. */
  modelsDir?: string;
  /** Let the model manager download a missing model (default false: never touch the network unasked). */
  allowDownload?: boolean;
  /** Patches per track for the embedding, 0 = every patch (default: the embedder's default). */
  patches?: number;
  /** EfficientAT: 10-s windows per track, 0 = every window (default DEFAULT_WINDOWS_PER_TRACK). */
  windows?: number;
  ffmpegPath?: string;
  /** Results that start another write even while one is in flight (default 16). */
  batchSize?: number;
  /** Longest a finished result waits while a write is in flight (default 2,000 ms). */
  flushIntervalMs?: number;
  /** Per-track time limit in ms from the track's duration in seconds (default max(120 s, duration × 1)). */
  trackTimeoutMs?: (durationSeconds: number) => number;
  /** Extra environment for the workers (fault injection in tests). */
  workerEnv?: Record<string, string>;
  /** Model resolution (default: the model manager's resolveModel). */
  resolveModel?: (id: string, options: ResolveOptions) => Promise<ResolvedModel>;
}

export interface StartOptions {
  workers?: number;
  model?: string;
  patches?: number;
  windows?: number;
  /** ffmpeg binary for this run (a settings change applies from the next run). */
  ffmpegPath?: string;
}

export interface AnalysisSummary {
  version: string;
  model: string | null;
  modelNote?: string;
  analysed: number;
  failed: number;
  pending: number;
}

/**
 * The engine: settings, the current (or last) run, and the events. Each `start` makes a new
 * AnalysisRun; the engine only forwards to it and reports.
 */
export class AnalysisEngine extends EventEmitter {
  private readonly opts: AnalysisEngineOptions;
  private readonly planner: ModelPlanner;
  private readonly context: RunContext;
  /** The run under way, or the last one (state 'idle') for its figures. */
  private run: AnalysisRun | null = null;
  /** The analysis version when the current run started (it reports that one until it plans). */
  private previousVersion: string | null = null;
  private idleWaiters: ((p: AnalysisProgress) => void)[] = [];
  /** Set by close(): no run starts after it. */
  private closed = false;
  /** Tracks asked for first (prioritize), until their results are written. */
  private readonly first = new Set<string>();
  /** The last error that stopped a run (or a failed write), if any. */
  lastError: Error | null = null;

  constructor(options: AnalysisEngineOptions) {
    super();
    this.opts = options;
    this.planner = new ModelPlanner(options);
    this.context = {
      catalog: options.catalog,
      store: options.store,
      planner: this.planner,
      hostFactory: options.hostFactory,
      workerEnv: options.workerEnv,
      trackTimeoutMs: options.trackTimeoutMs,
      batchSize: options.batchSize,
      flushIntervalMs: options.flushIntervalMs,
      first: this.first,
      progress: (run) => {
        if (run === this.run) this.emitProgress();
      },
      written: (ids) => {
        for (const id of ids) this.first.delete(id);
        this.emit('written', ids);
      },
      error: (err) => this.noteError(err),
      idle: (run) => this.onIdle(run),
    };
  }

  private get state(): AnalysisState {
    return this.run?.state ?? 'idle';
  }

  /** The current analysis version (null before the first run resolved its model). */
  get currentVersion(): string | null {
    const run = this.run;
    if (!run) return null;
    if (run.version !== null) return run.version;
    // Rebuilding its queue without the model (none), or not planned yet (the previous run's).
    return run.stats.analysisVersion !== null ? null : this.previousVersion;
  }

  /**
   * Starts a run in the background and returns at once. While running it does nothing; while
   * paused it resumes. `workers`/`model`/`patches` override the constructor's settings for this run.
   */
  start(options: StartOptions = {}): AnalysisProgress {
    // Closed: the database is going or gone, a run would write to it.
    if (this.closed) return this.status();
    if (this.state === 'paused') return this.resume();
    if (this.state !== 'idle') return this.status();
    this.lastError = null;
    this.previousVersion = this.currentVersion;
    this.run = new AnalysisRun(this.context, {
      workers: Math.max(1, Math.floor(options.workers ?? this.opts.workers ?? availableParallelism())),
      model: options.model ?? this.opts.model ?? DEFAULT_MODEL_ID,
      patches: patchesSetting(options.patches, this.opts.patches),
      windows: windowsSetting(options.windows, this.opts.windows),
      ffmpegPath: options.ffmpegPath ?? this.opts.ffmpegPath,
    });
    this.emitProgress();
    this.run.begin();
    return this.status();
  }

  /**
   * Puts these tracks at the head of the queue (a track someone wants "play similar" from): in
   * the run under way at once, and in the next run when it is built. Returns false when the queue
   * holds none of them (analysed already, or no run queued yet: the next run puts them first).
   */
  prioritize(ids: string[]): boolean {
    for (const id of ids) this.first.add(id);
    return this.run?.prioritize() ?? false;
  }

  /** Stops handing out tracks; tracks in hand finish. */
  pause(): AnalysisProgress {
    this.run?.pause();
    return this.status();
  }

  resume(): AnalysisProgress {
    this.run?.resume();
    return this.status();
  }

  /** Kills the workers (their tracks stay pending), writes what is finished, goes idle. */
  async cancel(): Promise<AnalysisProgress> {
    const run = this.run;
    if (!run || run.state === 'idle') return this.status();
    if (run.state !== 'cancelling') await run.cancel();
    else await this.whenIdle();
    return this.status();
  }

  status(): AnalysisProgress {
    if (this.run) return this.run.status(this.lastError);
    const progress: AnalysisProgress = {
      state: 'idle',
      total: 0,
      done: 0,
      failed: 0,
      stored: 0,
      storedFailed: 0,
      tracksPerMinute: 0,
      etaSeconds: null,
      current: [],
      workers: 0,
      model: null,
    };
    if (this.lastError) progress.error = this.lastError.message;
    return progress;
  }

  /** Resolves when the engine is idle (at once if it is). */
  whenIdle(): Promise<AnalysisProgress> {
    if (this.state === 'idle') return Promise.resolve(this.status());
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Figures of the current or last run. */
  runStats(): RunStats {
    const stats = this.run?.stats ?? emptyStats();
    return {
      ...stats,
      workerPeakRssKb: { ...stats.workerPeakRssKb },
      workerLoadMs: [...stats.workerLoadMs],
      cpu: { ...stats.cpu },
    };
  }

  /** Cancels any run and waits for pending writes. */
  async close(): Promise<void> {
    this.closed = true;
    await this.cancel();
    await this.run?.writesSettled();
  }

  override on(event: 'progress', listener: (progress: AnalysisProgress) => void): this;
  override on(event: 'error', listener: (error: Error) => void): this;
  /** Results of these tracks are now in the database. */
  override on(event: 'written', listener: (trackIds: string[]) => void): this;
  override on(event: string, listener: (...args: never[]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  /**
   * Where the library stands for the engine's settings (or `options`): the version, tracks analysed
   * and failed at it, and tracks pending. Works while idle or running.
   */
  async summary(options: StartOptions = {}): Promise<AnalysisSummary> {
    const { version, model, modelNote } = await this.nextRun(options);
    const [counts, pending] = await Promise.all([
      this.opts.store.counts(version),
      pendingTracks(this.opts.catalog, this.opts.store, version, false),
    ]);
    return { version, model, modelNote, ...counts, pending: pending.length };
  }

  /**
   * The model and analysis version a run with these settings would use, resolved from what is
   * installed (never downloading: this answers status screens, not runs).
   */
  async nextRun(
    options: StartOptions = {},
  ): Promise<Pick<AnalysisSummary, 'version' | 'model' | 'modelNote'>> {
    const excerpts = {
      patches: patchesSetting(options.patches, this.opts.patches),
      windows: windowsSetting(options.windows, this.opts.windows),
    };
    const plan = await this.planner.plan(
      options.model ?? this.opts.model ?? DEFAULT_MODEL_ID,
      excerpts,
      false,
    );
    return { version: plan.version, model: plan.model?.id ?? null, modelNote: plan.note };
  }

  /** Whether a run is under way (running, paused or stopping). */
  get busy(): boolean {
    return this.state !== 'idle';
  }

  // ---------------------------------------------------------------------------------------------

  private onIdle(run: AnalysisRun): void {
    if (run !== this.run) return;
    const progress = this.status();
    this.emit('progress', progress);
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w(progress);
  }

  private noteError(err: unknown): void {
    this.lastError = err instanceof Error ? err : new Error(String(err));
    if (this.listenerCount('error') > 0) this.emit('error', this.lastError);
  }

  private emitProgress(): void {
    this.emit('progress', this.status());
  }
}
