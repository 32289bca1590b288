/**
 * Internal contracts of the analysis engine: what the decoder, the feature extractor and the
 * embedder hand each other, and what a worker sends back to the main process.
 */
import type { FeatureScalars } from '../../shared/types';

/** Mono float32 PCM decoded by ffmpeg, one buffer per requested sample rate. */
export interface DecodedAudio {
  /** PCM per sample rate (Hz). Long tracks hold excerpts spread over the track, concatenated. */
  pcm: Map<number, Float32Array>;
  /** Length of the whole file in seconds (not only what was decoded). */
  duration: number;
  /** Seconds actually decoded (sum of excerpts). */
  decodedSeconds: number;
  /** Where the decoded excerpts start, seconds into the file, with their lengths. */
  excerpts: { start: number; length: number }[];
}

export interface DecodeOptions {
  /** Sample rates wanted (Hz); ffmpeg produces all of them in one run. */
  rates: number[];
  ffmpegPath?: string;
  /** Kill ffmpeg when it produces nothing for this long. */
  stallTimeoutMs?: number;
  /** Tracks longer than this are decoded as excerpts spread over the track (bounded memory). */
  maxDecodedSeconds?: number;
  /** Known duration from the catalog, if any (saves a probe). */
  durationHint?: number;
  /** Known channel count from the catalog, if any (the mono mix is built from it; corrected from
   * ffmpeg's own stream header when it disagrees). */
  channelsHint?: number;
  /** Aborts the decode (the child is killed, the promise rejects). */
  signal?: AbortSignal;
}

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
  featuresMs: number;
  embeddingMs: number;
}

export interface TrackAnalysisResult {
  trackId: string;
  analysisVersion: string;
  features: FeatureResult;
  embeddings: EmbeddingResult[];
  timings: AnalysisTimings;
}
