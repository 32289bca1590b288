/**
 * What an analysis worker sends, checked where it enters the main process. A worker is a separate
 * process running native code (onnxruntime, essentia's WASM, ffmpeg's output): a message of the
 * wrong shape, or a result with a NaN or a vector of the wrong length, must cost that worker's
 * track (recorded with the reason) and never reach the database or the similarity index.
 */
import { z } from 'zod';
import { reviveFloat32, type WorkerMessage } from './worker-host';
import type { EmbeddingResult, TrackAnalysisResult } from './types';

/** A vector as any transport may carry it, made a Float32Array again; every value finite. */
const vector = z.unknown().transform((value, ctx) => {
  const v = reviveFloat32(value);
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) {
      ctx.addIssue({ code: 'custom', message: `value ${i} is not a finite number (${v[i]})` });
      return z.NEVER;
    }
  }
  return v;
});

const finite = z.number().finite();
const ms = finite.nonnegative();
const rssKb = finite.nonnegative();

const embedding = z
  .object({
    model: z.string().min(1).max(200),
    mean: vector,
    std: vector,
    tags: vector,
    patches: z.number().int().nonnegative(),
  })
  .refine((e) => e.mean.length > 0 && e.std.length === e.mean.length, {
    message: 'the embedding mean and std must be non-empty and of one length',
  });

const timings = z.object({
  decodeMs: ms,
  resampleMs: ms.optional(),
  featuresMs: ms,
  embeddingMs: ms,
  cpu: z
    .object({
      decodeMs: ms,
      ffmpegMs: ms.nullable(),
      resampleMs: ms,
      featuresMs: ms,
      embeddingMs: ms,
    })
    .optional(),
});

const result = z.object({
  trackId: z.string().min(1),
  analysisVersion: z.string().min(1),
  features: z
    .object({
      scalars: z
        .object({
          bpm: finite,
          bpmConfidence: finite,
          danceability: finite,
          onsetRate: finite,
          key: z.string(),
          scale: z.enum(['major', 'minor']),
          keyStrength: finite,
          loudness: finite,
          loudnessRange: finite,
          dynamicComplexity: finite,
          rms: finite,
          spectralCentroid: finite,
          spectralRolloff: finite,
          spectralFlux: finite,
          spectralFlatness: finite,
          zeroCrossingRate: finite,
        })
        .catchall(z.union([finite, z.string()])),
      vector,
      names: z.array(z.string()),
    })
    .refine((f) => f.vector.length === f.names.length, {
      message: 'the feature vector and its names must have one length',
    }),
  embeddings: z.array(embedding),
  timings,
});

const workerMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('ready'),
    pid: z.number().int(),
    model: z.string().nullable(),
    loadMs: ms,
    maxRssKb: rssKb,
  }),
  z.object({ type: z.literal('init-error'), reason: z.string() }),
  z.object({ type: z.literal('result'), trackId: z.string().min(1), result, maxRssKb: rssKb }),
  z.object({ type: z.literal('error'), trackId: z.string().min(1), reason: z.string(), maxRssKb: rssKb }),
]);

export type ParsedWorkerMessage = { ok: true; message: WorkerMessage } | { ok: false; reason: string };

/** The message with every vector a real Float32Array, or why it is not a worker message. */
export function parseWorkerMessage(raw: unknown): ParsedWorkerMessage {
  const parsed = workerMessage.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    return { ok: false, reason: `${where}${issue.message}` };
  }
  const m = parsed.data;
  if (m.type !== 'result') return { ok: true, message: m };
  if (m.result.trackId !== m.trackId)
    return { ok: false, reason: `a result for ${m.result.trackId} sent as ${m.trackId}'s` };
  const fixed: TrackAnalysisResult = { ...m.result, embeddings: m.result.embeddings as EmbeddingResult[] };
  return { ok: true, message: { ...m, result: fixed } };
}
