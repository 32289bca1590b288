/**
 * Internal contracts of the analysis engine: what the decoder, the feature extractor and the
 * embedder hand each other, and what a worker sends back to the main process.
 */
import type { FeatureScalars } from '../../shared/types';

// The decoder's contract lives with the decoder; re-exported because the analysis steps pass it on.
export type { DecodedAudio, DecodeOptions } from '../ffmpeg/decode';

export interface FeatureResult {
  scalars: FeatureScalars;
  /** The fixed-length feature vector (not yet normalised across the library). */
  vector: Float32Array;
  /** Names of the vector's dimensions, same order. */
  names: string[];
}

export interface EmbeddingResult {
  model: string;
  /** Mean of the per-patch embeddings. */
  mean: Float32Array;
  /** Standard deviation of the per-patch embeddings. */
  std: Float32Array;
  /** Mean tag probabilities (empty when the model has no tag head). */
  tags: Float32Array;
  patches: number;
}

export interface AnalysisJob {
  trackId: string;
  path: string;
  /** The exact bytes of a path that is not UTF-8 (see store/raw-path.ts). */
  pathBytes?: string;
  durationHint: number;
  /** Channel count from the catalog (0 or absent when unknown). */
  channelsHint?: number;
}

export interface AnalysisTimings {
  decodeMs: number;
  /** Making the features' rate from the decoded one in TypeScript (absent when ffmpeg made it). */
  resampleMs?: number;
  featuresMs: number;
  embeddingMs: number;
  /** CPU time per step (ms): the worker's own, and ffmpeg's (null where it cannot be read). */
  cpu?: {
    decodeMs: number;
    ffmpegMs: number | null;
    resampleMs: number;
    featuresMs: number;
    embeddingMs: number;
  };
}

export interface TrackAnalysisResult {
  trackId: string;
  analysisVersion: string;
  features: FeatureResult;
  embeddings: EmbeddingResult[];
  timings: AnalysisTimings;
}
