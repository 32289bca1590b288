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
 * Events: 'progress' (AnalysisProgress) on every change; 'error' (Error) for a run that could not
 * go on (only emitted when someone listens; see also `lastError`).
 */
import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import { stat } from 'node:fs/promises';
import type { AnalysisErrorRecord, AnalysisProgress, AnalysisState, Track } from '../../shared/types';
import { resolveFfmpeg } from '../ffmpeg/resolve';
import { FEATURES_VERSION } from './features/extract';
import { DEFAULT_PATCHES_PER_TRACK } from './models/embedder';
import {
  ModelUnavailableError,
  resolveModel as defaultResolveModel,
  sha256File,
  type DownloadProgress,
  type ResolvedModel,
  type ResolveOptions,
} from './models/manager';
import type { ResultsStore, Stamp } from './results-store';
import type { AnalysisJob, TrackAnalysisResult } from './types';
import { analysisVersion } from './version';
import {
  forkWorkerHost,
  reviveResult,
  type WorkerExit,
  type WorkerHost,
  type WorkerHostFactory,
  type WorkerMessage,
} from './worker-host';

/** What the engine needs of the catalog (Catalog satisfies it). */
export interface TrackSource {
  /** Present tracks; with includeMissing, also those whose file is gone (kept, not analysed). */
  allTracks(options?: { includeMissing?: boolean }): Promise<Track[]> | Track[];
}

export interface AnalysisEngineOptions {
  /** Timbre home (models are cached there). */
  home: string;
  catalog: TrackSource;
  store: ResultsStore;
  /** How workers are started: child_process.fork by default; Electron passes its utilityProcess one. */
  hostFactory?: WorkerHostFactory;
  /** Worker processes (default: one per core). */
  workers?: number;
  /** Model id ('msd', 'mtt', a user model) or 'none' (default 'msd'). */
  model?: string;
  /** Folder holding model sources (H5), see the model manager. */
  modelsDir?: string;
  /** Let the model manager download a missing model (default false: never touch the network unasked). */
  allowDownload?: boolean;
  /** Patches per track for the embedding, 0 = every patch (default: the embedder's default). */
  patches?: number;
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

interface RunPlan {
  model: ResolvedModel | null;
  note: string | undefined;
  version: string;
  /** The model asked for does not exist at all (a typo): a run stops rather than go on without. */
  unknownModel?: Error;
}

/** Figures of the current (or last) run, for benches and logs. */
export interface RunStats {
  startedAt: number;
  finishedAt: number | null;
  analysed: number;
  failed: number;
  /** Seconds of audio (catalog durations) of the tracks analysed. */
  audioSeconds: number;
  decodeMs: number;
  featuresMs: number;
  embeddingMs: number;
  /** Time spent in database writes (main process). */
  writeMs: number;
  /** Peak resident set size reported by each worker process (KiB), by pid. */
  workerPeakRssKb: Record<number, number>;
  /** Model load time per worker start (ms). */
  workerLoadMs: number[];
  analysisVersion: string | null;
}

interface Slot {
  index: number;
  host: WorkerHost;
  ready: boolean;
  job: AnalysisJob | null;
  timer: NodeJS.Timeout | null;
  /** Set when the engine killed it on purpose (timeout): the reason charged to its track. */
  killReason: string | null;
  startedAt: number;
}

const RATE_WINDOW_MS = 60_000;
const MAX_START_FAILURES = 3;
/** A worker that has not loaded its model by then is killed (and counts as a failed start). */
const INIT_TIMEOUT_MS = 120_000;

export const defaultTrackTimeoutMs = (durationSeconds: number): number =>
  Math.max(120_000, Math.ceil(durationSeconds * 1000));

function describeExit(exit: WorkerExit): string {
  const how =
    exit.signal !== null
      ? `signal ${exit.signal}`
      : exit.code !== null
        ? `exit code ${exit.code}`
        : 'unknown cause';
  const tail = exit.stderrTail
    ?.split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-1)[0];
  return `worker crashed: ${how}${tail ? ` (${tail.slice(0, 300)})` : ''}`;
}

export class AnalysisEngine extends EventEmitter {
  private readonly opts: AnalysisEngineOptions;
  private state: AnalysisState = 'idle';
  private queue: AnalysisJob[] = [];
  private slots: (Slot | null)[] = [];
  private total = 0;
  private done = 0;
  private failed = 0;
  private completions: number[] = [];
  private runStartedAt = 0;
  private workerCount = 0;
  private modelId: string | null = null;
  private modelNote: string | undefined;
  private model: ResolvedModel | null = null;
  private version: string | null = null;
  private patches = 0;
  private ffmpegPath: string | undefined;
  private startFailures = 0;
  private finishing = false;
  private runId = 0;
  private pendingResults: TrackAnalysisResult[] = [];
  private pendingErrors: AnalysisErrorRecord[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  /** A batch is being written. */
  private writeBusy = false;
  private idleWaiters: ((p: AnalysisProgress) => void)[] = [];
  private stats: RunStats = emptyStats();
  private readonly hashCache = new Map<string, { key: string; hash: string }>();
  /** The last error that stopped a run (or a failed write), if any. */
  lastError: Error | null = null;

  constructor(options: AnalysisEngineOptions) {
    super();
    this.opts = options;
  }

  /** The current analysis version (null before the first run resolved its model). */
  get currentVersion(): string | null {
    return this.version;
  }

  /**
   * Starts a run in the background and returns at once. While running it does nothing; while
   * paused it resumes. `workers`/`model`/`patches` override the constructor's settings for this run.
   */
  start(options: StartOptions = {}): AnalysisProgress {
    if (this.state === 'paused') return this.resume();
    if (this.state !== 'idle') return this.status();
    const runId = ++this.runId;
    this.state = 'running';
    this.queue = [];
    this.total = 0;
    this.done = 0;
    this.failed = 0;
    this.completions = [];
    this.runStartedAt = Date.now();
    this.startFailures = 0;
    this.finishing = false;
    this.lastError = null;
    this.workerCount = Math.max(
      1,
      Math.floor(options.workers ?? this.opts.workers ?? availableParallelism()),
    );
    this.patches = Math.max(0, Math.floor(options.patches ?? this.opts.patches ?? DEFAULT_PATCHES_PER_TRACK));
    this.ffmpegPath = options.ffmpegPath ?? this.opts.ffmpegPath;
    this.stats = emptyStats();
    this.emitProgress();
    void this.prepare(runId, options.model ?? this.opts.model ?? 'msd').catch((err: unknown) => {
      if (runId !== this.runId) return;
      this.fail(err instanceof Error ? err : new Error(String(err)));
    });
    return this.status();
  }

  /** Stops handing out tracks; tracks in hand finish. */
  pause(): AnalysisProgress {
    if (this.state === 'running') {
      this.state = 'paused';
      this.emitProgress();
    }
    return this.status();
  }

  resume(): AnalysisProgress {
    if (this.state === 'paused') {
      this.state = 'running';
      this.emitProgress();
      this.dispatch();
      this.maybeFinish();
    }
    return this.status();
  }

  /** Kills the workers (their tracks stay pending), writes what is finished, goes idle. */
  async cancel(): Promise<AnalysisProgress> {
    if (this.state === 'idle') return this.status();
    if (this.state !== 'cancelling') {
      this.state = 'cancelling';
      this.runId++;
      this.queue = [];
      this.emitProgress();
      await this.stopWorkers(false);
      await this.flush();
      this.toIdle();
    } else {
      await this.whenIdle();
    }
    return this.status();
  }

  status(): AnalysisProgress {
    const now = Date.now();
    while (this.completions.length > 0 && this.completions[0] < now - RATE_WINDOW_MS)
      this.completions.shift();
    const windowMs = Math.min(RATE_WINDOW_MS, Math.max(1, now - this.runStartedAt));
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
      tracksPerMinute: Math.round(tracksPerMinute * 10) / 10,
      etaSeconds,
      current: this.slots.flatMap((s) => (s?.job ? [s.job.path] : [])),
      workers: this.slots.filter((s) => s !== null).length,
      model: this.modelId,
    };
    if (this.modelNote) progress.modelNote = this.modelNote;
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
    return {
      ...this.stats,
      workerPeakRssKb: { ...this.stats.workerPeakRssKb },
      workerLoadMs: [...this.stats.workerLoadMs],
    };
  }

  /** Cancels any run and waits for pending writes. */
  async close(): Promise<void> {
    await this.cancel();
    await this.flushing;
  }

  override on(event: 'progress', listener: (progress: AnalysisProgress) => void): this;
  override on(event: 'error', listener: (error: Error) => void): this;
  /** Results of these tracks are now in the database. */
  override on(event: 'written', listener: (trackIds: string[]) => void): this;
  override on(event: string, listener: (...args: never[]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * The model a run with these settings would use (resolved, converted on first use, never
   * downloaded unless allowed), why there is none, and the analysis version.
   */
  private async plan(
    modelRequest: string,
    patches: number,
    allowDownload = this.opts.allowDownload ?? false,
    onProgress?: (progress: DownloadProgress) => void,
  ): Promise<RunPlan> {
    let model: ResolvedModel | null = null;
    let note: string | undefined;
    let unknownModel: Error | undefined;
    if (modelRequest === 'none') {
      note = 'Model set to "none": analysing features only';
    } else {
      try {
        const resolve = this.opts.resolveModel ?? defaultResolveModel;
        model = await resolve(modelRequest, {
          home: this.opts.home,
          modelsDir: this.opts.modelsDir,
          allowDownload,
          onProgress,
        });
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        if (err instanceof ModelUnavailableError && err.reason === 'unknown-model') unknownModel = err;
        note =
          !allowDownload &&
          this.opts.allowDownload &&
          err instanceof ModelUnavailableError &&
          err.reason === 'no-source'
            ? `The ${modelRequest} model is not installed yet: the next analysis run downloads it`
            : `No MusiCNN model available (${reason}): analysing features only`;
      }
    }
    const hashed = model ? { id: model.id, hash: await this.modelHash(model.onnxPath) } : null;
    return {
      model,
      note,
      version: analysisVersion({ featuresVersion: FEATURES_VERSION, model: hashed, patches }),
      ...(unknownModel ? { unknownModel } : {}),
    };
  }

  /** Present tracks still to analyse at `version` (not analysed at it, not failed at it). */
  private async pendingTracks(version: string, prune: boolean): Promise<Track[]> {
    const tracks = await this.opts.catalog.allTracks({ includeMissing: true });
    if (prune) await this.opts.store.prune(tracks.map((t) => t.id));
    // Per version: a model's own results count, so another model's results are neither lost nor
    // taken for this one's (switching back to a model whose results are stored costs nothing).
    const { analysed, failed } = await this.opts.store.stamps(version);
    const now = Date.now();
    // Done at this version, unless the file was rewritten since (new audio under the same id, or
    // a broken file replaced): its modification time is then later than the analysis. A moved file
    // keeps its time and its analysis; a time in the future (clock skew) counts only once reached.
    const current = (t: Track, stamp: Stamp | undefined): boolean =>
      stamp !== undefined && stamp.version === version && !(t.mtimeMs > stamp.at && t.mtimeMs <= now);
    return tracks.filter(
      (t) => t.status === 'ok' && !current(t, analysed.get(t.id)) && !current(t, failed.get(t.id)),
    );
  }

  /**
   * Where the library stands for the engine's settings (or `options`): the version, tracks analysed
   * and failed at it, and tracks pending. Works while idle or running.
   */
  async summary(options: StartOptions = {}): Promise<AnalysisSummary> {
    const { version, model, modelNote } = await this.nextRun(options);
    const [counts, pending] = await Promise.all([
      this.opts.store.counts(version),
      this.pendingTracks(version, false),
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
    const patches = Math.max(
      0,
      Math.floor(options.patches ?? this.opts.patches ?? DEFAULT_PATCHES_PER_TRACK),
    );
    const plan = await this.plan(options.model ?? this.opts.model ?? 'msd', patches, false);
    return { version: plan.version, model: plan.model?.id ?? null, modelNote: plan.note };
  }

  /** Whether a run is under way (running, paused or stopping). */
  get busy(): boolean {
    return this.state !== 'idle';
  }

  private async prepare(runId: number, modelRequest: string): Promise<void> {
    // 0. No ffmpeg, no run: every track would fail for a reason that is not the track's.
    await resolveFfmpeg(this.ffmpegPath);
    if (runId !== this.runId) return;
    // 1. The model (resolved, and converted on first use, in the main process; loaded in workers).
    this.model = null;
    this.modelId = null;
    this.modelNote = undefined;
    let lastReport = 0;
    const plan = await this.plan(modelRequest, this.patches, undefined, (p) => {
      // A first run downloads and converts the model: say so while it happens.
      const now = Date.now();
      if (runId !== this.runId || (p.phase === 'download' && now - lastReport < 250)) return;
      lastReport = now;
      const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
      this.modelNote =
        p.phase === 'download'
          ? `Downloading the ${p.modelId} model: ${mb(p.receivedBytes)}${p.totalBytes ? ` of ${mb(p.totalBytes)}` : ''} MB`
          : p.phase === 'convert'
            ? `Converting the ${p.modelId} model to ONNX`
            : undefined;
      this.emitProgress();
    });
    if (runId !== this.runId) return;
    if (plan.unknownModel) throw plan.unknownModel;
    this.model = plan.model;
    this.modelId = plan.model?.id ?? null;
    this.modelNote = plan.note;
    this.version = plan.version;
    this.stats.analysisVersion = this.version;
    if (this.model && this.model.tags.length > 0)
      await this.opts.store.setTagNames(this.model.id, this.model.tags);

    await this.queueAndSpawn(runId, true);
  }

  /** Queues present tracks not analysed or failed at the current version and starts the workers. */
  private async queueAndSpawn(runId: number, prune: boolean): Promise<void> {
    if (this.version === null) return;
    const pending = await this.pendingTracks(this.version, prune);
    if (runId !== this.runId) return;
    this.queue = pending
      // Longest first: the slowest tracks do not end up alone at the tail of the run.
      .sort((a, b) => b.duration - a.duration || a.path.localeCompare(b.path))
      .map((t) => ({ trackId: t.id, path: t.path, durationHint: t.duration, channelsHint: t.channels }));
    this.total = this.done + this.queue.length;
    this.emitProgress();

    const n = Math.min(this.workerCount, this.queue.length);
    this.slots = new Array<Slot | null>(n).fill(null);
    for (let i = 0; i < n; i++) this.spawn(i);
    this.maybeFinish();
  }

  /**
   * A model that resolved in the main process but does not load in a worker (a corrupt cache, an
   * ONNX runtime that cannot run it) must not stop the library from being analysed: the run goes
   * on with features only, at the features-only version, and says why. Tracks in hand are
   * re-queued; a later run with a working model redoes these tracks with embeddings.
   */
  private continueWithoutModel(reason: string): void {
    const runId = ++this.runId;
    const modelId = this.modelId;
    // No version while the queue is rebuilt, so nothing can finish the run in between.
    this.version = null;
    this.queue = [];
    this.model = null;
    this.modelId = null;
    this.modelNote = `The ${modelId} model could not be loaded (${reason}): analysing features only`;
    this.emitProgress();
    void this.stopWorkers(false)
      .then(async () => {
        if (runId !== this.runId) return;
        this.version = analysisVersion({
          featuresVersion: FEATURES_VERSION,
          model: null,
          patches: this.patches,
        });
        this.stats.analysisVersion = this.version;
        await this.queueAndSpawn(runId, false);
      })
      .catch((err: unknown) => {
        if (runId === this.runId) this.fail(err instanceof Error ? err : new Error(String(err)));
      });
  }

  private async modelHash(path: string): Promise<string> {
    const s = await stat(path);
    const key = `${s.size}:${s.mtimeMs}`;
    const cached = this.hashCache.get(path);
    if (cached && cached.key === key) return cached.hash;
    const hash = await sha256File(path);
    this.hashCache.set(path, { key, hash });
    return hash;
  }

  private spawn(index: number): void {
    const host = (this.opts.hostFactory ?? forkWorkerHost)({
      env: this.opts.workerEnv,
      name: `analysis-${index}`,
    });
    const slot: Slot = {
      index,
      host,
      ready: false,
      job: null,
      timer: null,
      killReason: null,
      startedAt: Date.now(),
    };
    this.slots[index] = slot;
    slot.timer = setTimeout(() => host.kill(), INIT_TIMEOUT_MS);
    const runId = this.runId;
    host.onMessage((message) => {
      if (runId === this.runId && this.slots[index] === slot) this.onMessage(slot, message);
    });
    host.onExit((exit) => {
      if (runId === this.runId && this.slots[index] === slot) this.onExit(slot, exit);
    });
    const sent = host.send({
      type: 'init',
      model: this.model,
      patches: this.patches,
      ffmpegPath: this.ffmpegPath,
      analysisVersion: this.version ?? '',
    });
    if (!sent) host.kill();
    this.emitProgress();
  }

  private onMessage(slot: Slot, message: WorkerMessage): void {
    switch (message.type) {
      case 'ready':
        if (slot.timer) clearTimeout(slot.timer);
        slot.timer = null;
        slot.ready = true;
        this.startFailures = 0;
        this.stats.workerLoadMs.push(message.loadMs);
        this.noteRss(message.maxRssKb, slot);
        this.dispatch();
        this.maybeFinish();
        return;
      case 'init-error':
        if (this.model) this.continueWithoutModel(message.reason);
        else this.fail(new Error(`analysis worker could not start: ${message.reason}`));
        return;
      case 'result': {
        const job = this.takeJob(slot, message.trackId);
        if (!job) return;
        this.noteRss(message.maxRssKb, slot);
        const result = reviveResult(message.result);
        this.stats.analysed++;
        this.stats.audioSeconds += job.durationHint;
        this.stats.decodeMs += result.timings.decodeMs;
        this.stats.featuresMs += result.timings.featuresMs;
        this.stats.embeddingMs += result.timings.embeddingMs;
        this.pendingResults.push(result);
        this.completed(false);
        return;
      }
      case 'error': {
        const job = this.takeJob(slot, message.trackId);
        if (!job) return;
        this.noteRss(message.maxRssKb, slot);
        this.recordFailure(job, message.reason);
        return;
      }
    }
  }

  private onExit(slot: Slot, exit: WorkerExit): void {
    if (slot.timer) clearTimeout(slot.timer);
    this.slots[slot.index] = null;
    const job = slot.job;
    slot.job = null;
    if (this.state === 'cancelling' || this.state === 'idle') return;
    if (job) {
      this.recordFailure(job, slot.killReason ?? describeExit(exit), false);
    } else if (!slot.ready && !slot.killReason) {
      // Died before it could take a track: do not respawn in a loop.
      if (++this.startFailures >= MAX_START_FAILURES) {
        this.fail(new Error(`analysis worker keeps failing to start: ${describeExit(exit)}`));
        return;
      }
    }
    if (this.queue.length > 0 && (this.state === 'running' || this.state === 'paused'))
      this.spawn(slot.index);
    this.emitProgress();
    this.dispatch();
    this.maybeFinish();
  }

  private takeJob(slot: Slot, trackId: string): AnalysisJob | null {
    const job = slot.job;
    if (!job || job.trackId !== trackId) return null;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job = null;
    return job;
  }

  private recordFailure(job: AnalysisJob, reason: string, next = true): void {
    this.stats.failed++;
    this.failed++;
    this.pendingErrors.push({
      trackId: job.trackId,
      path: job.path,
      reason,
      analysisVersion: this.version ?? '',
      at: Date.now(),
    });
    this.completed(!next);
  }

  private completed(quiet: boolean): void {
    this.done++;
    this.completions.push(Date.now());
    // Written as soon as the writer is free (a killed process loses only the batch in flight);
    // results that finish during a write are grouped into the next one.
    if (
      !this.writeBusy ||
      this.pendingResults.length + this.pendingErrors.length >= (this.opts.batchSize ?? 16)
    )
      void this.flush();
    else this.scheduleFlush();
    if (quiet) return;
    this.emitProgress();
    this.dispatch();
    this.maybeFinish();
  }

  private dispatch(): void {
    if (this.state !== 'running') return;
    let handedOut = false;
    for (const slot of this.slots) {
      if (!slot || !slot.ready || slot.job || this.queue.length === 0) continue;
      const job = this.queue.shift()!;
      slot.job = job;
      slot.killReason = null;
      handedOut = true;
      if (!slot.host.send({ type: 'job', job })) {
        // Its exit handler charges the track to the crash.
        continue;
      }
      const limit = (this.opts.trackTimeoutMs ?? defaultTrackTimeoutMs)(job.durationHint);
      slot.timer = setTimeout(() => {
        slot.killReason = `timed out after ${Math.round(limit / 1000)} s (worker killed)`;
        slot.host.kill();
      }, limit);
    }
    if (handedOut) this.emitProgress();
  }

  /** Finishes the run when nothing is left to hand out or in hand. */
  private maybeFinish(): void {
    if (this.state !== 'running' || this.version === null || this.finishing) return;
    if (this.queue.length > 0 || this.slots.some((s) => s?.job)) return;
    const runId = this.runId;
    // Still 'running' (not 'cancelling') while the last results are written.
    this.finishing = true;
    void this.stopWorkers(true)
      .then(() => this.flush())
      .then(() => this.opts.store.optimize())
      .catch((err: unknown) => this.noteError(err))
      .finally(() => {
        if (runId === this.runId) this.toIdle();
      });
  }

  private fail(err: Error): void {
    this.noteError(err);
    this.runId++;
    this.queue = [];
    this.state = 'cancelling';
    void this.stopWorkers(false)
      .then(() => this.flush())
      .finally(() => this.toIdle());
  }

  private noteError(err: unknown): void {
    this.lastError = err instanceof Error ? err : new Error(String(err));
    if (this.listenerCount('error') > 0) this.emit('error', this.lastError);
  }

  /** Ends every worker (asking politely when `graceful`) and resolves when they have exited. */
  private stopWorkers(graceful: boolean): Promise<void> {
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

  private toIdle(): void {
    this.state = 'idle';
    this.finishing = false;
    this.stats.finishedAt = Date.now();
    const progress = this.status();
    this.emit('progress', progress);
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w(progress);
  }

  private scheduleFlush(): void {
    if (this.flushTimer || this.pendingResults.length + this.pendingErrors.length === 0) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      void this.flush();
    }, this.opts.flushIntervalMs ?? 2_000);
  }

  /** Writes everything finished so far (one batch at a time). */
  private flush(): Promise<void> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    const results = this.pendingResults;
    const errors = this.pendingErrors;
    this.pendingResults = [];
    this.pendingErrors = [];
    if (results.length + errors.length === 0) return this.flushing;
    this.writeBusy = true;
    this.flushing = this.flushing.then(async () => {
      const t0 = performance.now();
      try {
        await this.opts.store.write(results, errors);
        // What similarity answers changes only once results are in the database.
        const written = results.map((r) => r.trackId);
        if (written.length > 0) this.emit('written', written);
      } catch (err) {
        this.noteError(err);
      } finally {
        this.stats.writeMs += performance.now() - t0;
        this.writeBusy = false;
        if (this.pendingResults.length + this.pendingErrors.length > 0) void this.flush();
      }
    });
    return this.flushing;
  }

  private noteRss(kb: number, slot: Slot): void {
    const pid = slot.host.pid ?? -1 - slot.index;
    this.stats.workerPeakRssKb[pid] = Math.max(this.stats.workerPeakRssKb[pid] ?? 0, kb);
  }

  private emitProgress(): void {
    this.emit('progress', this.status());
  }
}

function emptyStats(): RunStats {
  return {
    startedAt: Date.now(),
    finishedAt: null,
    analysed: 0,
    failed: 0,
    audioSeconds: 0,
    decodeMs: 0,
    featuresMs: 0,
    embeddingMs: 0,
    writeMs: 0,
    workerPeakRssKb: {},
    workerLoadMs: [],
    analysisVersion: null,
  };
}
