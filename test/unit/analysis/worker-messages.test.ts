import { describe, expect, it } from 'vitest';
import { parseWorkerMessage } from '../../../src/main/analysis/worker-messages';
import type { TrackAnalysisResult } from '../../../src/main/analysis/types';
import { makeScalars } from '../../helpers/synthetic';

const result = (): TrackAnalysisResult => ({
  trackId: 't',
  analysisVersion: 'v',
  features: { scalars: makeScalars(), vector: Float32Array.from([1, 2]), names: ['a', 'b'] },
  embeddings: [
    {
      model: 'mn04',
      mean: Float32Array.from([0.5, 0.25]),
      std: Float32Array.from([0.1, 0.2]),
      tags: Float32Array.from([0.9]),
      patches: 3,
    },
  ],
  timings: { decodeMs: 1, featuresMs: 1, embeddingMs: 1 },
});

const reason = (raw: unknown): string => {
  const parsed = parseWorkerMessage(raw);
  return parsed.ok ? 'ok' : parsed.reason;
};

describe('worker messages', () => {
  it('accepts a good result and makes every vector a Float32Array again', () => {
    const r = result();
    // A transport that turned the vectors into plain arrays or bytes.
    const sent = {
      ...r,
      features: { ...r.features, vector: [1, 2] },
      embeddings: [{ ...r.embeddings[0], mean: Buffer.from(r.embeddings[0].mean.buffer), tags: [0.9] }],
    };
    const parsed = parseWorkerMessage({ type: 'result', trackId: 't', result: sent, maxRssKb: 10 });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok || parsed.message.type !== 'result') throw new Error('not a result');
    expect(parsed.message.result.features.vector).toBeInstanceOf(Float32Array);
    expect(Array.from(parsed.message.result.embeddings[0].mean)).toEqual([0.5, 0.25]);
    expect(parsed.message.result.embeddings[0].tags).toBeInstanceOf(Float32Array);
    expect(reason({ type: 'ready', pid: 5, model: null, loadMs: 3, maxRssKb: 1 })).toBe('ok');
    expect(reason({ type: 'error', trackId: 't', reason: 'unreadable', maxRssKb: 1 })).toBe('ok');
  });

  it('says what is wrong with anything else', () => {
    const wrap = (r: unknown) => ({ type: 'result', trackId: 't', result: r, maxRssKb: 1 });
    expect(reason(null)).toMatch(/expected object/);
    expect(reason({ type: 'hello' })).toMatch(/^type: /);
    const inf = result();
    inf.embeddings[0].mean[0] = Number.POSITIVE_INFINITY;
    expect(reason(wrap(inf))).toBe('result.embeddings.0.mean: value 0 is not a finite number (Infinity)');
    const short = result();
    short.embeddings[0].std = Float32Array.from([1]);
    expect(reason(wrap(short))).toBe(
      'result.embeddings.0: the embedding mean and std must be non-empty and of one length',
    );
    const names = result();
    names.features.names = ['a'];
    expect(reason(wrap(names))).toBe(
      'result.features: the feature vector and its names must have one length',
    );
    const bpm = result();
    (bpm.features.scalars as Record<string, unknown>).bpm = 'fast';
    expect(reason(wrap(bpm))).toMatch(/^result\.features\.scalars\.bpm: /);
    expect(reason({ ...wrap(result()), trackId: 'other' })).toBe("a result for t sent as other's");
    expect(reason({ type: 'ready', pid: 5, model: null, loadMs: -1, maxRssKb: 1 })).toMatch(/^loadMs: /);
  });
});
