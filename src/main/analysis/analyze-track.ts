/**
 * One track, start to finish, inside a worker: decode once (one ffmpeg run producing every sample
 * rate needed), extract the features, embed with the model if there is one, and time each step.
 */
import { decodeAudio } from '../ffmpeg/decode';
import { extractFeatures, FEATURE_SAMPLE_RATE } from './features/extract';
import type { AnalysisJob, EmbeddingResult, TrackAnalysisResult } from './types';

/** What analyzeTrack needs of an embedder (models/embedder's Embedder satisfies it). */
export interface TrackEmbedder {
  readonly sampleRate: number;
  embed(pcm: Float32Array, options: { patches?: number }): Promise<EmbeddingResult> | EmbeddingResult;
}

export interface AnalyzeContext {
  analysisVersion: string;
  /** Null: features only. */
  embedder: TrackEmbedder | null;
  /** Patches per track for the embedding (0 = every patch). */
  patches: number;
  ffmpegPath?: string;
  stallTimeoutMs?: number;
  maxDecodedSeconds?: number;
}

export async function analyzeTrack(job: AnalysisJob, ctx: AnalyzeContext): Promise<TrackAnalysisResult> {
  const rates = [FEATURE_SAMPLE_RATE];
  if (ctx.embedder && ctx.embedder.sampleRate !== FEATURE_SAMPLE_RATE) rates.push(ctx.embedder.sampleRate);

  const t0 = performance.now();
  const decoded = await decodeAudio(job.path, {
    rates,
    ffmpegPath: ctx.ffmpegPath,
    stallTimeoutMs: ctx.stallTimeoutMs,
    maxDecodedSeconds: ctx.maxDecodedSeconds,
    durationHint: job.durationHint > 0 ? job.durationHint : undefined,
    channelsHint: job.channelsHint && job.channelsHint > 0 ? job.channelsHint : undefined,
  });
  const featurePcm = decoded.pcm.get(FEATURE_SAMPLE_RATE);
  if (!featurePcm || featurePcm.length === 0) throw new Error('decoded no audio');

  const t1 = performance.now();
  const features = await extractFeatures(featurePcm, FEATURE_SAMPLE_RATE);

  const t2 = performance.now();
  const embeddings: EmbeddingResult[] = [];
  if (ctx.embedder) {
    const pcm = decoded.pcm.get(ctx.embedder.sampleRate);
    if (!pcm) throw new Error(`decoder returned no ${ctx.embedder.sampleRate} Hz audio for the model`);
    embeddings.push(await ctx.embedder.embed(pcm, { patches: ctx.patches }));
  }
  const t3 = performance.now();

  return {
    trackId: job.trackId,
    analysisVersion: ctx.analysisVersion,
    features,
    embeddings,
    timings: { decodeMs: t1 - t0, featuresMs: t2 - t1, embeddingMs: t3 - t2 },
  };
}
