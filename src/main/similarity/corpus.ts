/**
 * What the similarity engine is built from, and the vector spaces it searches.
 *
 * - features: z-scored per dimension over the library (non-finite values count as the mean),
 *   then L2-normalised per track;
 * - embedding: centred on the library mean (optional, on by default: audio-model activations
 *   share a large common component that makes every cosine ≈ 1 and breeds hubs), L2-normalised;
 *   a track without an embedding has a zero row;
 * - blend: [√w_e · embedding | √w_f · features] renormalised per track (so a track missing a block
 *   is compared on the block it has), cosine = w_e·cos_e + w_f·cos_f when both are present.
 */
import type { ClusterInfo, FeatureScalars, SimilaritySource, Track } from '../../shared/types';
import type { RowSource } from './vectors';
import { IvfIndex } from './ann';
import { Projection, ReducedRows } from './projection';
import type { IvfOptions } from './ann';
import type { HubStats } from './hubness';
import { hubStats } from './hubness';
import { normalize } from './vectors';
import { DEFAULT_SIMILARITY } from './defaults';

export interface SimilarityInput {
  /** Same order as the vectors. */
  tracks: Track[];
  /** n × featureNames.length, raw (not normalised). */
  features: Float32Array;
  featureNames: string[];
  scalars: FeatureScalars[];
  embedding: { model: string; dim: number; data: Float32Array } | null;
  tags: { model: string; names: string[]; data: Float32Array } | null;
  clusters?: { assignments: Int32Array; info: ClusterInfo[] };
}

/** Engine settings: the user's `Settings.similarity` plus internal knobs with measured defaults. */
export interface EngineSettings {
  source: SimilaritySource;
  embeddingWeight: number;
  featureWeight: number;
  hubnessReduction: boolean;
  centerEmbedding: boolean;
  /** Libraries with more tracks than this get an IVF index; smaller ones are scanned exactly. */
  annThreshold: number;
  /** Fraction of IVF lists probed per query (upper bound; the row budget usually stops first). */
  probeFraction: number;
  /** Fraction of the library's rows scanned per IVF query. */
  rowBudget: number;
  /** IVF lists per √n. */
  listsPerSqrtN: number;
  /** Principal components of the diversity sketch used by queues in large libraries (0 = full rows). */
  sketchDim: number;
  /** Principal components the IVF scan works in before exact re-ranking (0 = full vectors). */
  reducedDim: number;
  /** Rows sampled to estimate each track's similarity distribution (mutual proximity). */
  hubnessSample: number;
  /** Re-rank this many cosine candidates (at least) with mutual proximity. */
  hubnessRerank: number;
  /** Embeddings at least this similar (cosine, uncentred) are duplicate versions. */
  duplicateCosine: number;
}

export const defaultEngineSettings: EngineSettings = {
  // Source, blend weights and hubness reduction: measured, see defaults.ts.
  ...DEFAULT_SIMILARITY,
  centerEmbedding: true,
  annThreshold: 4000,
  probeFraction: 0.1,
  rowBudget: 0.025,
  listsPerSqrtN: 2,
  reducedDim: 0,
  sketchDim: 32,
  hubnessSample: 128,
  hubnessRerank: 100,
  duplicateCosine: 0.995,
};

export function ivfOptions(s: EngineSettings, n: number): IvfOptions {
  return {
    lists: Math.max(1, Math.round(s.listsPerSqrtN * Math.sqrt(n))),
    samplePerList: 24,
    probeFraction: s.probeFraction,
    rowBudget: s.rowBudget,
    reducedDim: s.reducedDim,
  };
}

/** A searchable space: unit rows (or zero rows) plus its index and hubness statistics. */
export class Space implements RowSource {
  ivf: IvfIndex | null = null;
  hub: HubStats | null = null;
  /**
   * Principal-component sketch of every row (large libraries only): what the queue's diversity
   * term (MMR) compares, 8× cheaper than full rows and close for the directions that matter.
   */
  sketch: ReducedRows | null = null;
  constructor(
    readonly source: SimilaritySource,
    public data: Float32Array,
    readonly dim: number,
    public count: number,
  ) {}

  row(i: number): Float32Array {
    return this.data.subarray(i * this.dim, (i + 1) * this.dim);
  }
}

export interface BlockStats {
  mean: Float64Array;
  std: Float64Array;
}

/** Column means and standard deviations over n rows (non-finite values ignored). */
export function columnStats(data: Float32Array, n: number, dim: number): BlockStats {
  const mean = new Float64Array(dim);
  const std = new Float64Array(dim);
  const count = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    const o = i * dim;
    for (let d = 0; d < dim; d++) {
      const v = data[o + d];
      if (Number.isFinite(v)) {
        mean[d] += v;
        count[d]++;
      }
    }
  }
  for (let d = 0; d < dim; d++) mean[d] = count[d] > 0 ? mean[d] / count[d] : 0;
  for (let i = 0; i < n; i++) {
    const o = i * dim;
    for (let d = 0; d < dim; d++) {
      const v = data[o + d];
      if (Number.isFinite(v)) std[d] += (v - mean[d]) * (v - mean[d]);
    }
  }
  for (let d = 0; d < dim; d++) std[d] = count[d] > 1 ? Math.sqrt(std[d] / (count[d] - 1)) : 0;
  return { mean, std };
}

/** z-scores (or only centres, when `scale` is false) and L2-normalises rows into `out`. */
export function standardizeRows(
  src: Float32Array,
  from: number,
  to: number,
  dim: number,
  stats: BlockStats,
  scale: boolean,
  out: Float32Array,
  center = true,
  zeroMissing = false,
): void {
  for (let i = from; i < to; i++) {
    const o = i * dim;
    const r = out.subarray(o, o + dim);
    let raw = 0;
    for (let d = 0; d < dim; d++) {
      const v = src[o + d];
      raw += Number.isFinite(v) ? Math.abs(v) : 0;
      if (!Number.isFinite(v)) r[d] = 0;
      else {
        const c = center ? v - stats.mean[d] : v;
        r[d] = scale ? (stats.std[d] > 1e-12 ? c / stats.std[d] : 0) : c;
      }
    }
    // An all-zero raw row means "not computed" (e.g. no embedding for this track): keep it zero.
    if (zeroMissing && raw === 0) r.fill(0);
    else normalize(r);
  }
}

/**
 * Rows [0, n0) of `a` (dimension `dim`) in a buffer of at least n1 rows: `a` itself when it is
 * large enough, else a copy with a quarter of spare rows, so a batch of 16 tracks copies nothing on
 * most adds (a full copy of every block of a 100k library took most of a second).
 */
export function growRows(a: Float32Array, dim: number, n0: number, n1: number): Float32Array {
  if (a.length >= n1 * dim) return a;
  const out = new Float32Array(Math.max(n1, Math.ceil(n0 * 1.25)) * dim);
  out.set(a.subarray(0, n0 * dim));
  return out;
}

/** Per-track unit blocks and the spaces built from them (lazily, one per source). */
export class Vectors {
  private rows: number;
  readonly dF: number;
  readonly dE: number;
  private featRows: Float32Array;
  private embRows: Float32Array | null;
  private embRawRows: Float32Array | null;
  readonly featStats: BlockStats;
  readonly embStats: BlockStats | null;
  /** 1 where a row has an embedding. */
  private embPresent: Uint8Array;
  private embMissing = 0;
  private spaces = new Map<SimilaritySource, Space>();

  constructor(
    input: SimilarityInput,
    readonly settings: EngineSettings,
  ) {
    const n = input.tracks.length;
    this.rows = n;
    this.dF = input.featureNames.length;
    if (input.features.length !== n * this.dF) {
      throw new Error(`features: expected ${n}×${this.dF} values, got ${input.features.length}`);
    }
    this.featStats = columnStats(input.features, n, this.dF);
    this.featRows = new Float32Array(n * this.dF);
    standardizeRows(input.features, 0, n, this.dF, this.featStats, true, this.featRows);
    const e = input.embedding;
    if (e && e.dim > 0) {
      if (e.data.length !== n * e.dim)
        throw new Error(`embedding: expected ${n}×${e.dim} values, got ${e.data.length}`);
      this.dE = e.dim;
      this.embStats = columnStats(e.data, n, e.dim);
      this.embRows = new Float32Array(n * e.dim);
      standardizeRows(
        e.data,
        0,
        n,
        e.dim,
        this.embStats,
        false,
        this.embRows,
        settings.centerEmbedding,
        true,
      );
      this.embRawRows = new Float32Array(n * e.dim);
      standardizeRows(e.data, 0, n, e.dim, this.embStats, false, this.embRawRows, false, true);
    } else {
      this.dE = 0;
      this.embStats = null;
      this.embRows = null;
      this.embRawRows = null;
    }
    this.embPresent = new Uint8Array(n);
    this.markPresent(0, n);
  }

  /** Tracks (rows) held. */
  get n(): number {
    return this.rows;
  }

  /** Unit feature rows (n × dF). Row buffers here and in spaces may hold spare rows past n (adds). */
  get feat(): Float32Array {
    return this.featRows;
  }

  /** Unit embedding rows (n × dE), zero rows for tracks without one; null without a model. */
  get emb(): Float32Array | null {
    return this.embRows;
  }

  /** Whether row i has an embedding (false without a model, and for a track it does not cover). */
  hasEmbedding(i: number): boolean {
    return this.embPresent[i] === 1;
  }

  /** Whether every row has an embedding (the common case: no per-row checks needed). */
  get embeddingComplete(): boolean {
    return this.embMissing === 0;
  }

  /** Marks rows [from, to) present where their raw unit row is not all zero. */
  private markPresent(from: number, to: number): void {
    const e = this.embRawRows;
    const dE = this.dE;
    for (let i = from; i < to; i++) {
      let present = 0;
      // Stored rows are unit or all zero (standardizeRows keeps "missing" rows zero).
      if (e) for (let d = 0, o = i * dE; d < dE; d++) if (e[o + d] !== 0) present = 1;
      this.embPresent[i] = present;
      if (!present) this.embMissing++;
    }
  }

  /** Raw (uncentred) unit embedding rows, for duplicate detection. */
  get embRaw(): Float32Array | null {
    return this.embRawRows;
  }

  /**
   * Appends the rows of newly analysed tracks without a full rebuild: they are normalised with
   * the library statistics of the build, appended to every built space and to its IVF lists. The
   * IVF centroids are retrained once the library has grown by half since they were trained.
   */
  append(batch: SimilarityInput): void {
    const m = batch.tracks.length;
    if (m === 0) return;
    if (batch.featureNames.length !== this.dF)
      throw new Error('add: feature layout differs from the engine’s');
    const n0 = this.rows;
    const n1 = n0 + m;
    const feat = growRows(this.featRows, this.dF, n0, n1);
    standardizeRows(batch.features, 0, m, this.dF, this.featStats, true, feat.subarray(n0 * this.dF));
    this.featRows = feat;
    if (this.embRows && this.embRawRows && this.embStats) {
      const dE = this.dE;
      const rawE =
        batch.embedding && batch.embedding.dim === dE ? batch.embedding.data : new Float32Array(m * dE);
      const emb = growRows(this.embRows, dE, n0, n1);
      const embOut = emb.subarray(n0 * dE);
      standardizeRows(rawE, 0, m, dE, this.embStats, false, embOut, this.settings.centerEmbedding, true);
      this.embRows = emb;
      const embRaw = growRows(this.embRawRows, dE, n0, n1);
      standardizeRows(rawE, 0, m, dE, this.embStats, false, embRaw.subarray(n0 * dE), false, true);
      this.embRawRows = embRaw;
    }
    this.rows = n1;
    const present = new Uint8Array(n1);
    present.set(this.embPresent.subarray(0, n0));
    this.embPresent = present;
    this.markPresent(n0, n1);
    const s = this.settings;
    for (const sp of this.spaces.values()) {
      if (sp.source === 'features') sp.data = this.featRows;
      else if (sp.source === 'embedding') sp.data = this.embRows as Float32Array;
      else {
        const data = growRows(sp.data, sp.dim, n0, n1);
        fillBlend(this, n0, n1, data);
        sp.data = data;
      }
      sp.count = n1;
      if (sp.ivf && n1 > sp.ivf.trainedOn * 1.5) sp.ivf = IvfIndex.build(sp, ivfOptions(s, n1));
      else if (sp.ivf) sp.ivf.addUpTo(sp);
      else if (n1 > s.annThreshold) sp.ivf = IvfIndex.build(sp, ivfOptions(s, n1));
      if (sp.sketch) sp.sketch.add(sp, n0, n1);
      if (sp.hub) sp.hub = hubStats(sp, s.hubnessSample, 7, n0, sp.hub);
    }
  }

  /** The source actually used for a request: without an embedding everything falls back to features. */
  resolve(source: SimilaritySource | undefined): SimilaritySource {
    const s = source ?? this.settings.source;
    if (!this.emb && s !== 'features') return 'features';
    if (s === 'blend' && this.settings.featureWeight <= 0) return 'embedding';
    if (s === 'blend' && this.settings.embeddingWeight <= 0) return 'features';
    return s;
  }

  space(source: SimilaritySource): Space {
    const resolved = this.resolve(source);
    let sp = this.spaces.get(resolved);
    if (!sp) {
      sp = this.makeSpace(resolved);
      this.spaces.set(resolved, sp);
    }
    return sp;
  }

  private makeSpace(source: SimilaritySource): Space {
    const n = this.n;
    let space: Space;
    if (source === 'features') space = new Space(source, this.feat, this.dF, n);
    else if (source === 'embedding') space = new Space(source, this.emb as Float32Array, this.dE, n);
    else {
      const dim = this.dE + this.dF;
      const data = new Float32Array(n * dim);
      fillBlend(this, 0, n, data);
      space = new Space(source, data, dim, n);
    }
    this.index(space);
    return space;
  }

  index(space: Space): void {
    const s = this.settings;
    if (space.count > s.annThreshold) {
      space.ivf = IvfIndex.build(space, ivfOptions(s, space.count));
      if (s.sketchDim > 0 && s.sketchDim < space.dim) {
        const sample = new Int32Array(Math.min(space.count, 5000));
        const step = space.count / sample.length;
        for (let j = 0; j < sample.length; j++) sample[j] = Math.floor(j * step);
        space.sketch = new ReducedRows(Projection.fit(space, sample, s.sketchDim), space.count);
        space.sketch.add(space, 0, space.count);
      }
    }
    if (s.hubnessReduction) space.hub = hubStats(space, s.hubnessSample);
  }
}

/** Writes blend rows [from, to) of `v` into `out` (row-major, dim dE + dF). */
export function fillBlend(v: Vectors, from: number, to: number, out: Float32Array): void {
  const { dE, dF } = v;
  const dim = dE + dF;
  const total = v.settings.embeddingWeight + v.settings.featureWeight;
  const we = Math.sqrt(v.settings.embeddingWeight / total);
  const wf = Math.sqrt(v.settings.featureWeight / total);
  const emb = v.emb as Float32Array;
  for (let i = from; i < to; i++) {
    const r = out.subarray(i * dim, (i + 1) * dim);
    for (let d = 0; d < dE; d++) r[d] = we * emb[i * dE + d];
    for (let d = 0; d < dF; d++) r[dE + d] = wf * v.feat[i * dF + d];
    normalize(r);
  }
}
