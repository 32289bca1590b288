/** A scan that finishes while an analysis runs gets its tracks analysed by a run queued after it. */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { AutoAnalysis } from '../../../src/main/api/auto-analysis';
import type { AnalysisProgress } from '../../../src/shared/types';

class FakeEngine extends EventEmitter {
  busy = false;
  starts = 0;
  start(): void {
    // Like the engine: a start while a run is under way does nothing.
    if (this.busy) return;
    this.busy = true;
    this.starts++;
  }
  finish(): void {
    this.busy = false;
    this.emit('progress', { state: 'idle' } as AnalysisProgress);
  }
}

describe('AutoAnalysis', () => {
  it('starts a run after a scan when idle', async () => {
    const engine = new FakeEngine();
    const auto = new AutoAnalysis(engine, async () => engine.start());
    await auto.afterScan();
    expect(engine.starts).toBe(1);
  });

  it('queues one more run when a scan ends during a run, and starts it when the run ends', async () => {
    const engine = new FakeEngine();
    const auto = new AutoAnalysis(engine, async () => engine.start());
    engine.start();
    await auto.afterScan();
    await auto.afterScan();
    expect(engine.starts).toBe(1);
    engine.finish();
    await new Promise((r) => setImmediate(r));
    expect(engine.starts).toBe(2);
    engine.finish();
    await new Promise((r) => setImmediate(r));
    expect(engine.starts).toBe(2);
  });

  it('a run the user cancels drops the queued one', async () => {
    const engine = new FakeEngine();
    const auto = new AutoAnalysis(engine, async () => engine.start());
    engine.start();
    await auto.afterScan();
    auto.userCancelled();
    engine.finish();
    await new Promise((r) => setImmediate(r));
    expect(engine.starts).toBe(1);
  });
});
