/**
 * One clustering run at a time: started on the tracks it is given, reporting where it stands,
 * cancellable, and stored when it finishes. Runs above the worker threshold execute in a child
 * process, so the service keeps answering (and hears the cancel) meanwhile.
 */
import { ApiError } from '../../shared/contract';
import type { ParsedRequest } from '../../shared/contract';
import type { ClusterProgress, ClusterRun } from '../../shared/types';
import type { ClusteringInput } from './input';
import type { Matrix, Progress } from './matrix';
import { type ClusterOutcome, type ClusterRequest, runClustering } from './pipeline';
import { IDLE, ProgressReporter, stepWords } from './run-progress';
import { newRun } from './run-record';
import type { ClusterRunStore } from './run-store';
import { runClusteringInWorker } from './runner';

/**
 * Above this many tracks a run goes to a child process, off the main thread: an in-process run
 * blocks the service (no progress reaches clients, a cancel is heard only at the end), which is
 * only acceptable for the second or so a small library takes.
 */
export const WORKER_THRESHOLD = 1000;

type RunRequest = ParsedRequest<'clusters.run'>;

const isAbort = (err: unknown): boolean =>
  (err instanceof Error || err instanceof DOMException) && err.name === 'AbortError';

export interface RunControlOptions {
  /** Where progress goes (the service emits it as `clusters.progress`). */
  onProgress?: (progress: ClusterProgress) => void;
  workerThreshold?: number;
}

export interface RunInputs {
  /** The tracks the request clusters. */
  input: (req: RunRequest) => Promise<ClusteringInput>;
  /** Whether any imported tracks exist (a too-small run then says how to cluster them). */
  hasImported: () => Promise<boolean>;
  /** Called when a finished run is stored. */
  onSaved: (run: ClusterRun) => void;
}

export class RunControl {
  private running: Promise<ClusterRun> | null = null;
  private abort: AbortController | null = null;
  private readonly progress: ProgressReporter;

  constructor(
    private readonly store: ClusterRunStore,
    private readonly inputs: RunInputs,
    private readonly options: RunControlOptions = {},
  ) {
    this.progress = new ProgressReporter(options.onProgress);
  }

  /** Whether a run is under way. */
  get busy(): boolean {
    return this.running !== null;
  }

  /** Where the latest run stands. */
  status(): ClusterProgress {
    return this.progress.current;
  }

  async run(req: RunRequest): Promise<ClusterRun> {
    if (this.running) throw new ApiError('unavailable', 'a clustering run is already under way');
    this.abort = new AbortController();
    this.running = this.runNow(req, this.abort.signal);
    try {
      return await this.running;
    } finally {
      this.running = null;
      this.abort = null;
    }
  }

  /** Starts a run and answers at once with its first progress; the run's end comes as progress. */
  start(req: RunRequest): ClusterProgress {
    if (this.running) throw new ApiError('unavailable', 'a clustering run is already under way');
    // The run reports its own end (done, cancelled, failed): nothing is left to catch here.
    this.run(req).catch(() => undefined);
    return this.progress.current;
  }

  /** Asks the run under way to stop; its caller gets a `cancelled` error. */
  cancel(): { cancelled: boolean } {
    if (!this.abort || this.abort.signal.aborted) return { cancelled: false };
    this.abort.abort(new DOMException('clustering cancelled', 'AbortError'));
    this.progress.report({ phase: 'cancelling', message: 'Cancelling…' }, true);
    return { cancelled: true };
  }

  /** Stops the run under way, if any, and waits for it to end. */
  async stop(): Promise<void> {
    this.abort?.abort();
    await this.running?.catch(() => undefined);
  }

  /** The option, else TIMBRE_CLUSTERS_WORKER_THRESHOLD (tests force the worker with 0), else the default. */
  private workerThreshold(): number {
    const env = Number(process.env.TIMBRE_CLUSTERS_WORKER_THRESHOLD);
    return (
      this.options.workerThreshold ??
      (process.env.TIMBRE_CLUSTERS_WORKER_THRESHOLD && Number.isFinite(env) ? env : WORKER_THRESHOLD)
    );
  }

  private async runNow(req: RunRequest, signal: AbortSignal): Promise<ClusterRun> {
    this.progress.report(
      {
        ...IDLE,
        state: 'running',
        phase: 'preparing',
        message: 'Reading the analysed tracks…',
        algorithm: req.algorithm,
        space: req.space,
        startedAt: Date.now(),
      },
      true,
    );
    try {
      const run = await this.runSteps(req, signal);
      this.progress.report(
        {
          state: 'done',
          phase: 'done',
          done: 1,
          total: 1,
          runId: run.id,
          message: `${run.metrics.scores?.clusters ?? 0} clusters of ${run.trackCount} tracks in ${run.seconds.toFixed(1)} s.`,
        },
        true,
      );
      return run;
    } catch (err) {
      const cancelled = signal.aborted || (err instanceof ApiError && err.code === 'cancelled');
      const message = cancelled
        ? 'Clustering cancelled; the previous run is still the active one.'
        : err instanceof Error
          ? err.message
          : String(err);
      this.progress.report({ state: cancelled ? 'cancelled' : 'failed', message }, true);
      throw err;
    }
  }

  private async runSteps(req: RunRequest, signal: AbortSignal): Promise<ClusterRun> {
    const subset = req.where ?? '';
    const input = await this.inputs.input(req);
    const n = input.tracks.length;
    if (n < 4) {
      const what = subset ? `tracks matching ${JSON.stringify(subset)}` : 'analysed tracks';
      const hint =
        req.space !== 'features' && (await this.inputs.hasImported())
          ? ' Imported tracks (no audio) are clustered with --space features.'
          : '';
      throw new ApiError('unavailable', `Clustering needs at least 4 ${what} (${n} now).${hint}`);
    }
    const m: Matrix = { data: input.data, n, dim: input.dim };
    const request: ClusterRequest = {
      algorithm: req.algorithm,
      ...(req.k !== undefined ? { params: { k: req.k } } : {}),
      map: 'umap',
    };
    const inWorker = n > this.workerThreshold();
    this.progress.report(
      {
        phase: 'clustering',
        tracks: n,
        inWorker,
        message: `Clustering ${n} tracks${inWorker ? ' in a worker process' : ''}…`,
      },
      true,
    );
    const onProgress = (p: Progress): void =>
      this.progress.report({ phase: stepWords(p.step), done: p.done, total: p.total });
    // A macrotask first: the caller's answer and this progress leave before an in-process run
    // holds the thread.
    await new Promise((resolve) => setImmediate(resolve));
    const start = performance.now();
    let outcome: ClusterOutcome;
    try {
      const control = { signal, onProgress };
      outcome = inWorker
        ? await runClusteringInWorker(m, request, control)
        : await runClustering(m, request, control);
    } catch (err) {
      if (isAbort(err) || signal.aborted) throw new ApiError('cancelled', 'Clustering cancelled.');
      throw new ApiError(
        'bad_request',
        `Clustering failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    if (signal.aborted) throw new ApiError('cancelled', 'Clustering cancelled.');
    this.progress.report({ phase: 'saving', message: 'Saving the run…' }, true);
    const seconds = (performance.now() - start) / 1000;
    const record = await this.store.save(newRun(input, outcome, { space: req.space, subset, seconds }));
    const run: ClusterRun = { ...record, stale: false };
    this.inputs.onSaved(run);
    return run;
  }
}
