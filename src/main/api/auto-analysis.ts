/**
 * Analysis started by itself after a scan (the app and browser mode). The engine ignores a start
 * while a run is under way, and that run planned its tracks before the scan found new ones: so a
 * scan that ends during a run queues one more run, started when the current one ends. Several
 * scans during one run queue one run (it takes every pending track). A run the user cancels drops
 * what was queued: they asked for no analysis now (a later scan queues again).
 */
import type { AnalysisProgress } from '../../shared/types';

export interface AutoAnalysisEngine {
  readonly busy: boolean;
  on(event: 'progress', listener: (p: AnalysisProgress) => void): unknown;
}

export class AutoAnalysis {
  private queued = false;

  constructor(
    private readonly engine: AutoAnalysisEngine,
    private readonly start: () => Promise<unknown>,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {
    engine.on('progress', (p) => {
      if (p.state !== 'idle' || !this.queued) return;
      this.queued = false;
      // Not awaited: this runs inside the engine's own event.
      this.start().catch(this.onError);
    });
  }

  /** A scan finished: analyse what it found, now or after the run under way. */
  async afterScan(): Promise<void> {
    if (this.engine.busy) {
      this.queued = true;
      return;
    }
    await this.start();
  }

  userCancelled(): void {
    this.queued = false;
  }
}
