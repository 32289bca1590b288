/**
 * One track, start to finish, inside a worker: decode once, extract the features, embed with the
 * model if there is one, and time each step.
 *
 * Decode once, at one rate when possible: a model at twice the features' rate (EfficientAT, 32 kHz)
 * gets the 32 kHz stream and the features get it halved here by a low-pass decimator
 * (dsp/decimate.ts). Measured with ffmpeg 5.1 on corpus tracks (CPU): 16 kHz alone and 32 kHz alone
 * cost the same, both from one run (`asplit`) ~40 % more, and the worker then also reads 1.5× the
 * PCM; the decimator costs less than that difference. A model at the features' rate (MusiCNN,
 * 16 kHz) shares the one stream; any other rate gets a second output of the same ffmpeg run.
 *
 * The PCM lands in buffers kept by the worker from track to track (see ffmpeg/pcm-buffers.ts), so
 * it is only valid until the next track starts. ffmpeg is started by the worker's launcher shell
 * (ffmpeg/launcher.ts), so the worker never forks per track: on 16 corpus tracks that took the
 * worker's CPU from 20.7 s to 12.5 s (every step wrote its memory through copy-on-write faults).
 * The model runs before the features, so that the halving can overwrite the decoded 32 kHz PCM
 * with the 16 kHz PCM in place (no second buffer; see Decimator2.decimateInPlace).
 */
import { decodeAudio } from '../ffmpeg/decode';
import { PcmBuffers } from '../ffmpeg/pcm-buffers';
import { Decimator2 } from './dsp/decimate';
import { extractFeatures, FEATURE_SAMPLE_RATE } from './features/extract';
import { decodePlan } from './decode-plan';
import { childrenCpuMs, processCpuMs } from './cpu-clock';
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
  /** Buffers reused from one track to the next (a worker keeps one set); fresh ones per track without. */
  buffers?: PcmBuffers;
}

const decimator = new Decimator2();

export async function analyzeTrack(job: AnalysisJob, ctx: AnalyzeContext): Promise<TrackAnalysisResult> {
  const plan = decodePlan(ctx.embedder ? ctx.embedder.sampleRate : null);
  const buffers = ctx.buffers ?? new PcmBuffers();

  const t0 = performance.now();
  const c0 = processCpuMs();
  const f0 = childrenCpuMs();
  const decoded = await decodeAudio(
    { path: job.path, pathBytes: job.pathBytes },
    {
      rates: plan.rates,
      ffmpegPath: ctx.ffmpegPath,
      stallTimeoutMs: ctx.stallTimeoutMs,
      maxDecodedSeconds: ctx.maxDecodedSeconds,
      durationHint: job.durationHint > 0 ? job.durationHint : undefined,
      channelsHint: job.channelsHint && job.channelsHint > 0 ? job.channelsHint : undefined,
      buffers,
    },
  );
  const t1 = performance.now();
  const c1 = processCpuMs();
  const f1 = childrenCpuMs();
  const decodedPcm = decoded.pcm.get(plan.rates[0]);
  if (!decodedPcm || decodedPcm.length === 0) throw new Error('decoded no audio');

  // The model before the features: the halving then writes the features' PCM over the decoded
  // PCM it no longer needs (fresh or kept buffers cost page faults, see Decimator2.decimateInPlace).
  const embeddings: EmbeddingResult[] = [];
  if (ctx.embedder) {
    const pcm = decoded.pcm.get(ctx.embedder.sampleRate);
    if (!pcm) throw new Error(`decoder returned no ${ctx.embedder.sampleRate} Hz audio for the model`);
    embeddings.push(await ctx.embedder.embed(pcm, { patches: ctx.patches }));
  }
  const t2 = performance.now();
  const c2 = processCpuMs();

  const featurePcm = plan.halve
    ? decimator.decimateInPlace(decodedPcm)
    : decoded.pcm.get(FEATURE_SAMPLE_RATE);
  if (!featurePcm || featurePcm.length === 0) throw new Error('decoded no audio');
  const t3 = performance.now();
  const c3 = processCpuMs();

  const features = await extractFeatures(featurePcm, FEATURE_SAMPLE_RATE);
  const t4 = performance.now();
  const c4 = processCpuMs();

  return {
    trackId: job.trackId,
    analysisVersion: ctx.analysisVersion,
    features,
    embeddings,
    timings: {
      decodeMs: t1 - t0,
      embeddingMs: t2 - t1,
      resampleMs: t3 - t2,
      featuresMs: t4 - t3,
      cpu: {
        decodeMs: c1 - c0,
        // Under the launcher shell ffmpeg is not our child: the decoder reports its CPU instead.
        ffmpegMs: decoded.ffmpegCpuMs ?? (f0 !== null && f1 !== null ? f1 - f0 : null),
        embeddingMs: c2 - c1,
        resampleMs: c3 - c2,
        featuresMs: c4 - c3,
      },
    },
  };
}
