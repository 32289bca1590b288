import { describe, expect, it } from 'vitest';
import type { AnalysisErrorRecord } from '../../../src/shared/types';
import { ResultWriter } from '../../../src/main/analysis/result-writer';
import type { TrackAnalysisResult } from '../../../src/main/analysis/types';

const result = (trackId: string): TrackAnalysisResult => ({ trackId }) as unknown as TrackAnalysisResult;
const failure = (trackId: string): AnalysisErrorRecord => ({
  trackId,
  path: `/m/${trackId}`,
  reason: 'bad',
  analysisVersion: 'v',
  at: 0,
});

/** A store whose writes end when the test says so. */
function slowStore() {
  const batches: string[][] = [];
  const pending: (() => void)[] = [];
  return {
    batches,
    finishOne: async () => {
      pending.shift()?.();
      await new Promise((r) => setTimeout(r, 0));
    },
    write: (results: TrackAnalysisResult[], errors: AnalysisErrorRecord[]) => {
      batches.push([...results.map((r) => r.trackId), ...errors.map((e) => `!${e.trackId}`)]);
      return new Promise<void>((resolve) => pending.push(resolve));
    },
  };
}

describe('ResultWriter', () => {
  it('writes at once when free and groups what finishes during a write into the next batch', async () => {
    const store = slowStore();
    const written: string[][] = [];
    const writer = new ResultWriter({
      store,
      onWritten: (ids) => written.push(ids),
      onError: () => undefined,
      onWriteTime: () => undefined,
      flushIntervalMs: 60_000,
    });
    writer.addResult(result('a'));
    await new Promise((r) => setTimeout(r, 0));
    expect(store.batches).toEqual([['a']]);
    writer.addResult(result('b'));
    writer.addError(failure('c'));
    await new Promise((r) => setTimeout(r, 0));
    expect(store.batches).toHaveLength(1);
    await store.finishOne();
    expect(store.batches).toEqual([['a'], ['b', '!c']]);
    await store.finishOne();
    await writer.settled();
    expect(written).toEqual([['a'], ['b']]);
  });

  it('starts another write while one is in flight once a batch is full', async () => {
    const store = slowStore();
    const writer = new ResultWriter({
      store,
      batchSize: 2,
      flushIntervalMs: 60_000,
      onWritten: () => undefined,
      onError: () => undefined,
      onWriteTime: () => undefined,
    });
    writer.addResult(result('a'));
    writer.addResult(result('b'));
    writer.addResult(result('c'));
    // 'a' is in flight; 'b','c' fill a batch that queues behind it without waiting for the timer.
    await new Promise((r) => setTimeout(r, 0));
    expect(store.batches).toEqual([['a']]);
    await store.finishOne();
    expect(store.batches).toEqual([['a'], ['b', 'c']]);
    await store.finishOne();
  });

  it('reports a failed write and goes on with the next', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const writer = new ResultWriter({
      store: {
        write: async () => {
          if (calls++ === 0) throw new Error('disk full');
        },
      },
      onWritten: () => undefined,
      onError: (err) => errors.push(err),
      onWriteTime: () => undefined,
    });
    writer.addResult(result('a'));
    await writer.settled();
    writer.addResult(result('b'));
    await writer.settled();
    expect(errors.map((e) => (e as Error).message)).toEqual(['disk full']);
    expect(calls).toBe(2);
  });
});
