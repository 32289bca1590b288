/**
 * Runs a resolved model on a track's PCM with one ONNX Runtime session (one thread) and pools the
 * per-patch (or per-window) embeddings into a mean and a standard deviation.
 *
 * musicnn-mel: mel frames → non-overlapping patches of 187 frames (≈3 s). `patches: N` takes N of
 * them spread evenly over the non-silent part of the track; `patches: 0` takes every patch.
 * efficientat-mel: long windows at 32 kHz, each fed to the network as one input (it is fully
 * convolutional: any length works), through our mel front end (efficientat/mel.ts). A track no
 * longer than a window is fed whole (zero-padded to 10 s when shorter, the training convention);
 * a longer one gives N windows spread over it (`placeWindows`). One long input hears the track
 * far better than the mean of 10-s clips: the squeeze-excitation gates and the pooling then see
 * the whole stretch (docs/models.md). The embedding is the `features` tap (384-d), the tags are
 * the sigmoid of the 527 logits, both averaged over the windows.
 * waveform: windows of `windowSeconds` at the model's rate, fed as [N, samples] (or [N, 1, samples]).
 */
import { createRequire } from 'node:module';
import type * as Ort from 'onnxruntime-node';
import type { EmbeddingResult } from '../types';
import { rms } from '../dsp/stats';
import type { ResolvedModel } from './manager';
import { EFFAT_MELS, EffatMelFrontEnd, effatFrameCount } from './efficientat/mel';
import {
  MUSICNN_BANDS,
  MUSICNN_HOP,
  MUSICNN_PATCH_FRAMES,
  musicnnFrameCount,
  musicnnMelPatches,
} from './mel';

const require = createRequire(import.meta.url);

/**
 * Patches (≈3 s each) embedded per track by default, spread over the track. To be tuned with the
 * quality bench; measured on the 12 fixtures, 8 spread patches gave mean embeddings whose cosine
 * to the all-patches mean is ≥ 0.99 on average (see docs/models.md).
 */
export const DEFAULT_PATCHES_PER_TRACK = 8;

/**
 * EfficientAT windows embedded per track by default, spread over the track: one, the middle of the
 * track (or all of a track no longer than a window). Window length and count were measured with
 * bench/effat-windows.ts on the dev corpus and on a held-out set of other sources
 * (docs/benchmarks.md, "Similarity quality").
 */
export const DEFAULT_WINDOWS_PER_TRACK = 1;

/** Inputs of at most this many mel frames are batched together (4 × 10 s); longer ones run alone. */
const BATCH_FRAMES = 4004;

/**
 * Where a long-window model's windows go, in samples: a track no longer than a window is one
 * window of its own length; else `wanted` windows of `win` samples (0 = as many as cover the
 * track, and never more than that), centred at (i + 0.5) / count of the track and kept inside it.
 */
export function placeWindows(
  length: number,
  win: number,
  wanted: number,
): { start: number; length: number }[] {
  if (length <= win) return [{ start: 0, length }];
  const cover = Math.ceil(length / win);
  const count = wanted > 0 ? Math.min(wanted, cover) : cover;
  return Array.from({ length: count }, (_, i) => {
    const centre = ((i + 0.5) * length) / count;
    const start = Math.min(length - win, Math.max(0, Math.round(centre - win / 2)));
    return { start, length: win };
  });
}

/** A patch or window whose PCM RMS is at or below this is treated as silence. */
export const SILENCE_RMS = 1e-4;

/** Patches per ONNX Runtime run: batching amortises per-run overhead; memory grows with it. */
const BATCH = 4;

export interface EmbedOptions {
  /** Patches (or windows) to embed: N spread over the track, 0 = all. Default DEFAULT_PATCHES_PER_TRACK. */
  patches?: number;
}

let ortModule: typeof Ort | null = null;
function ort(): typeof Ort {
  ortModule ??= require('onnxruntime-node') as typeof Ort;
  return ortModule;
}

/**
 * Chooses which candidates (in order) to embed: all non-silent ones when `wanted` is 0 or at least
 * their number, else `wanted` of them spread evenly; when all are silent, the loudest one.
 */
export function choosePatches(loudness: number[], wanted: number): number[] {
  const loud = loudness.map((r, i) => (r > SILENCE_RMS ? i : -1)).filter((i) => i >= 0);
  if (loud.length === 0) {
    let best = 0;
    loudness.forEach((r, i) => {
      if (r > loudness[best]) best = i;
    });
    return loudness.length ? [best] : [];
  }
  if (wanted <= 0 || wanted >= loud.length) return loud;
  const picked: number[] = [];
  for (let i = 0; i < wanted; i++) picked.push(loud[Math.floor(((i + 0.5) * loud.length) / wanted)]);
  return picked;
}

/** Population mean and standard deviation of `count` vectors of `dim` values laid end to end. */
function meanStd(data: Float32Array, count: number, dim: number): { mean: Float32Array; std: Float32Array } {
  const sum = new Float64Array(dim);
  const sq = new Float64Array(dim);
  for (let r = 0; r < count; r++) {
    for (let j = 0; j < dim; j++) {
      const v = data[r * dim + j];
      sum[j] += v;
      sq[j] += v * v;
    }
  }
  const mean = new Float32Array(dim);
  const std = new Float32Array(dim);
  for (let j = 0; j < dim; j++) {
    const m = sum[j] / count;
    mean[j] = m;
    std[j] = Math.sqrt(Math.max(0, sq[j] / count - m * m));
  }
  return { mean, std };
}

export class Embedder {
  readonly sampleRate: number;

  private frontEnd: EffatMelFrontEnd | null = null;

  private constructor(
    readonly model: ResolvedModel,
    private readonly session: Ort.InferenceSession,
    private readonly inputName: string,
  ) {
    this.sampleRate = model.sampleRate;
  }

  static async load(model: ResolvedModel): Promise<Embedder> {
    const session = await ort().InferenceSession.create(model.onnxPath, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      // Inputs change length from track to track: a memory pattern planned for one shape is
      // replanned for the next and kept. Without it a 2-min EfficientAT input peaks 70 MB lower
      // and runs about a third faster (measured on this machine).
      enableMemPattern: false,
    });
    const inputName =
      model.input && session.inputNames.includes(model.input) ? model.input : session.inputNames[0];
    const wanted = [model.outputs.embedding, model.outputs.tags, model.outputs.logits];
    for (const out of wanted.filter((o): o is string => !!o)) {
      if (!session.outputNames.includes(out)) {
        await session.release();
        throw new Error(
          `model ${model.id}: the ONNX file has no output "${out}" (it has ${session.outputNames.join(', ')})`,
        );
      }
    }
    return new Embedder(model, session, inputName);
  }

  async embed(pcm: Float32Array, options: EmbedOptions = {}): Promise<EmbeddingResult> {
    const wanted = options.patches ?? DEFAULT_PATCHES_PER_TRACK;
    if (this.model.kind === 'musicnn-mel') return this.embedMel(pcm, wanted);
    if (this.model.kind === 'efficientat-mel') return this.embedEfficientAt(pcm, wanted);
    return this.embedWaveform(pcm, wanted);
  }

  async close(): Promise<void> {
    await this.session.release();
  }

  private async embedMel(pcm: Float32Array, wanted: number): Promise<EmbeddingResult> {
    const nFrames = musicnnFrameCount(pcm.length);
    const full = Math.floor(nFrames / MUSICNN_PATCH_FRAMES);
    // Non-overlapping patches; a track shorter than one patch gives one zero-padded patch.
    const starts = Array.from({ length: Math.max(1, full) }, (_, p) => p * MUSICNN_PATCH_FRAMES);
    const loudness = starts.map((s) =>
      rms(pcm, s * MUSICNN_HOP - MUSICNN_HOP, (s + MUSICNN_PATCH_FRAMES - 1) * MUSICNN_HOP + MUSICNN_HOP),
    );
    const chosen = choosePatches(loudness, wanted).map((i) => starts[i]);
    const patchSize = MUSICNN_PATCH_FRAMES * MUSICNN_BANDS;
    return this.runBatches(chosen.length, (from, to) => ({
      data: musicnnMelPatches(pcm, chosen.slice(from, to)),
      dims: [to - from, MUSICNN_PATCH_FRAMES, MUSICNN_BANDS],
      size: patchSize,
    }));
  }

  private async embedEfficientAt(pcm: Float32Array, wanted: number): Promise<EmbeddingResult> {
    const rate = this.sampleRate;
    const win = Math.round((this.model.windowSeconds ?? 10) * rate);
    // The training clip length: a shorter track is zero-padded at its end to it (as in training).
    const minimum = 10 * rate;
    const windows = placeWindows(pcm.length, win, wanted);
    const samples = Math.max(minimum, windows[0].length);
    const frames = effatFrameCount(samples);
    const size = EFFAT_MELS * frames;
    this.frontEnd ??= new EffatMelFrontEnd();
    const fe = this.frontEnd;
    const padded = windows[0].length < minimum ? new Float32Array(minimum) : null;
    // Memory grows with the input (≈ 70 MB per minute of audio in one input): long windows run one
    // at a time.
    const batch = Math.max(1, Math.floor(BATCH_FRAMES / frames));
    return this.runBatches(
      windows.length,
      (from, to) => {
        const data = new Float32Array((to - from) * size);
        for (let i = from; i < to; i++) {
          const w = windows[i];
          const part = pcm.subarray(w.start, w.start + w.length);
          const input = padded ? (padded.fill(0), padded.set(part), padded) : part;
          fe.compute(input, data, (i - from) * size);
        }
        return { data, dims: [to - from, 1, EFFAT_MELS, frames], size };
      },
      batch,
    );
  }

  private async embedWaveform(pcm: Float32Array, wanted: number): Promise<EmbeddingResult> {
    const win = Math.round((this.model.windowSeconds ?? 5) * this.sampleRate);
    const hop = Math.max(
      1,
      Math.round((this.model.hopSeconds ?? this.model.windowSeconds ?? 5) * this.sampleRate),
    );
    const count = pcm.length <= win ? 1 : Math.floor((pcm.length - win) / hop) + 1;
    const starts = Array.from({ length: count }, (_, i) => i * hop);
    const chosen = choosePatches(
      starts.map((s) => rms(pcm, s, s + win)),
      wanted,
    ).map((i) => starts[i]);
    const rank3 = this.model.inputRank === 3;
    return this.runBatches(chosen.length, (from, to) => {
      const data = new Float32Array((to - from) * win);
      for (let i = from; i < to; i++) {
        const s = chosen[i];
        data.set(pcm.subarray(s, Math.min(pcm.length, s + win)), (i - from) * win);
      }
      return { data, dims: rank3 ? [to - from, 1, win] : [to - from, win], size: win };
    });
  }

  /** Runs the model over `count` inputs in batches and pools embedding (mean, std) and tags (mean). */
  private async runBatches(
    count: number,
    makeBatch: (from: number, to: number) => { data: Float32Array; dims: number[]; size: number },
    batch = BATCH,
  ): Promise<EmbeddingResult> {
    const { embedding: embName, tags: probName, logits: logitName } = this.model.outputs;
    // Tags come as probabilities, or as logits turned into probabilities here (multi-label: sigmoid).
    const tagName = probName ?? logitName;
    const fromLogits = !probName && !!logitName;
    const dim = this.model.embeddingDim;
    const vectors: Float32Array[] = [];
    let tagSum: Float64Array | null = null;
    let tagRows = 0;
    for (let from = 0; from < count; from += batch) {
      const to = Math.min(count, from + batch);
      const { data, dims } = makeBatch(from, to);
      const fetches = tagName ? [embName, tagName] : [embName];
      const out = await this.session.run(
        { [this.inputName]: new (ort().Tensor)('float32', data, dims) },
        fetches,
      );
      const emb = out[embName];
      if (emb.dims[emb.dims.length - 1] !== dim) {
        throw new Error(
          `model ${this.model.id}: embedding has dims [${emb.dims.join(', ')}], expected last dim ${dim}`,
        );
      }
      vectors.push(Float32Array.from(emb.data as Float32Array));
      if (tagName) {
        const t = out[tagName];
        const tDim = t.dims[t.dims.length - 1];
        const td = t.data as Float32Array;
        tagSum ??= new Float64Array(tDim);
        if (fromLogits) for (let i = 0; i < td.length; i++) tagSum[i % tDim] += 1 / (1 + Math.exp(-td[i]));
        else for (let i = 0; i < td.length; i++) tagSum[i % tDim] += td[i];
        tagRows += td.length / tDim;
      }
      for (const t of Object.values(out)) t.dispose();
    }
    const rows = vectors.reduce((a, v) => a + v.length / dim, 0);
    const all = new Float32Array(rows * dim);
    let offset = 0;
    for (const v of vectors) {
      all.set(v, offset);
      offset += v.length;
    }
    const { mean, std } = meanStd(all, rows, dim);
    const tags = tagSum ? Float32Array.from(tagSum, (s) => s / tagRows) : new Float32Array(0);
    return { model: this.model.id, mean, std, tags, patches: count };
  }
}
