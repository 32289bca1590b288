/**
 * Writes a run's results and failures to the results store, one batch at a time, as soon as the
 * writer is free: a killed process loses only the batch in flight. What finishes during a write is
 * grouped into the next batch, which starts early once `batchSize` records wait, or after
 * `flushIntervalMs` at the latest.
 */
import type { AnalysisErrorRecord } from '../../shared/types';
import type { ResultsStore } from './results-store';
import type { TrackAnalysisResult } from './types';

export interface ResultWriterOptions {
  store: Pick<ResultsStore, 'write'>;
  /** Records that start another write even while one is in flight (default 16). */
  batchSize?: number;
  /** Longest a finished record waits while a write is in flight (default 2,000 ms). */
  flushIntervalMs?: number;
  /** These tracks' results are now in the database. */
  onWritten(trackIds: string[]): void;
  /** A batch is in the database: how many results and failures it held (what a run reports). */
  onStored?(results: number, failures: number): void;
  /** A write failed (its records are lost; the next run redoes those tracks). */
  onError(err: unknown): void;
  /** Time a write took (ms), whether it succeeded or not. */
  onWriteTime(ms: number): void;
}

export class ResultWriter {
  private results: TrackAnalysisResult[] = [];
  private errors: AnalysisErrorRecord[] = [];
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  /** A batch is being written. */
  private busy = false;

  constructor(private readonly options: ResultWriterOptions) {}

  addResult(result: TrackAnalysisResult): void {
    this.results.push(result);
    this.nudge();
  }

  addError(record: AnalysisErrorRecord): void {
    this.errors.push(record);
    this.nudge();
  }

  /** Writes everything added so far (after the batch in flight); resolves when it is written. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const results = this.results;
    const errors = this.errors;
    this.results = [];
    this.errors = [];
    if (results.length + errors.length === 0) return this.chain;
    this.busy = true;
    this.chain = this.chain.then(async () => {
      const t0 = performance.now();
      try {
        await this.options.store.write(results, errors);
        this.options.onStored?.(results.length, errors.length);
        // What similarity answers changes only once results are in the database.
        const written = results.map((r) => r.trackId);
        if (written.length > 0) this.options.onWritten(written);
      } catch (err) {
        this.options.onError(err);
      } finally {
        this.options.onWriteTime(performance.now() - t0);
        this.busy = false;
        if (this.waiting > 0) void this.flush();
      }
    });
    return this.chain;
  }

  /** Resolves when every write started so far has ended. */
  settled(): Promise<void> {
    return this.chain;
  }

  private get waiting(): number {
    return this.results.length + this.errors.length;
  }

  private nudge(): void {
    if (!this.busy || this.waiting >= (this.options.batchSize ?? 16)) void this.flush();
    else this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.waiting === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.options.flushIntervalMs ?? 2_000);
  }
}
