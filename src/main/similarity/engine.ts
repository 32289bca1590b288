/**
 * The similarity engine: neighbours, "play similar" queues, radio, song paths, cluster-aware
 * suggestions and explanations, over an in-memory copy of the analysed library.
 * Everything is synchronous and stateless between requests (radio history comes in each request).
 *
 * This class holds the library (tracks, their vectors, artist/album/duplicate keys, clusters) and
 * answers the contract; the answers themselves are free functions over a space: the distance in
 * query.ts, queue arranging (MMR + variety rules) in arrange.ts, the radio in radio.ts, the song
 * path in path.ts.
 */
import type { ClusterSuggestions, ParsedRequest } from '../../shared/contract';
import { ApiError } from '../../shared/contract';
import type {
  ClusterInfo,
  Explanation,
  FeatureScalars,
  QueueResult,
  Seed,
  SimilarResult,
  SimilarTrack,
  SimilaritySource,
  Track,
  TrackId,
  VarietyRules,
} from '../../shared/types';
import { arrangeQueue, widening, type Rules, type TrackGroups } from './arrange';
import type { EngineSettings, SimilarityInput, Space } from './corpus';
import { Vectors, growRows } from './corpus';
import { explainPair, scalarSpread, sharedTags } from './explain';
import type { ScalarSpread } from './explain';
import { canonicalPermutation, reorder } from './canonical';
import { pickRows } from '../store/columns';
import { clusterSuggestionsFor } from './cluster-suggestions';
import { resolveEngineConfig, stripUndefined, type EngineConfig } from './engine-config';
import type { SoundLibrary } from './sound-search';
import { ScoreCalibration } from './calibration';
import { songPath } from './path';
import { candidates, display, relOf, rowQuery, type Scored } from './query';
import { radioPicks } from './radio';
import { seedRows } from './seeds';
import { albumKey, artistKey, duplicateKey, makeFilter } from './rules';
import type { GroupIds } from './rules';
import { dotRow } from './vectors';

export type { SimilarityInput } from './corpus';
export type { EngineConfig } from './engine-config';

/** Integrated loudness at or below this is digital silence or a near-silent file, not music to suggest. */
const SILENT_LUFS = -60;

export class SimilarityEngine {
  readonly settings: EngineSettings;
  readonly variety: Rules;
  private tracks: Track[];
  private input: SimilarityInput;
  private vectors: Vectors;
  private byId = new Map<TrackId, number>();
  /** Normalised artist and album of every track as small integers (−1: no album). */
  private artistIds = new Int32Array(0);
  private albumIds = new Int32Array(0);
  /** Tracks that are (nearly) digital silence: they can seed a query but are never suggested. */
  private silent = new Uint8Array(0);
  private keyIds = new Map<string, number>();
  private dupKeys: string[] = [];
  private spread: ScalarSpread;
  private clusterOf: Int32Array | null = null;
  private clusterInfo = new Map<number, ClusterInfo>();
  /** Row of each track of the input `build` was given, by its position there (rows are canonical). */
  private rowOfInput = new Int32Array(0);
  /** Each space's distribution of pair relevances (built on first use). */
  private calibrations = new WeakMap<Space, ScoreCalibration>();

  private constructor(input: SimilarityInput, settings: EngineSettings, variety: Rules) {
    this.settings = settings;
    this.variety = variety;
    this.input = input;
    this.tracks = input.tracks;
    this.vectors = new Vectors(input, settings);
    this.indexMetadata(0);
    this.spread = scalarSpread(input.scalars);
    this.setClusters(input.clusters);
    // Build the default space now so the first query is fast.
    this.vectors.space(settings.source);
  }

  static build(input: SimilarityInput, config: EngineConfig = {}): SimilarityEngine {
    const { settings, variety } = resolveEngineConfig(config);
    // Canonical row order: the same library answers the same whatever its ids and insertion order.
    const order = canonicalPermutation(input);
    const engine = new SimilarityEngine(reorder(input, order), settings, variety);
    engine.rowOfInput = new Int32Array(order.length);
    order.forEach((inputRow, row) => (engine.rowOfInput[inputRow] = row));
    return engine;
  }

  get size(): number {
    return this.tracks.length;
  }

  /** The tracks and the model's label probabilities, in row order (for search by sound). */
  soundLibrary(): SoundLibrary {
    return { tracks: this.tracks, tags: this.input.tags, excluded: (row) => this.silent[row] === 1 };
  }

  /** The space a request would use (after falling back when there is no embedding). */
  sourceFor(source?: SimilaritySource): SimilaritySource {
    return this.vectors.resolve(source);
  }

  setClusters(clusters: SimilarityInput['clusters']): void {
    if (!clusters) {
      this.clusterOf = null;
      this.clusterInfo.clear();
      return;
    }
    if (clusters.assignments.length !== this.tracks.length)
      throw new Error('clusters: one assignment per track expected');
    this.clusterOf = clusters.assignments;
    this.clusterInfo = new Map(clusters.info.map((c) => [c.id, c]));
  }

  private keyId(key: string): number {
    let id = this.keyIds.get(key);
    if (id === undefined) {
      id = this.keyIds.size;
      this.keyIds.set(key, id);
    }
    return id;
  }

  private indexMetadata(from: number): void {
    const n = this.tracks.length;
    const artists = new Int32Array(n);
    artists.set(this.artistIds.subarray(0, from));
    const albums = new Int32Array(n);
    albums.set(this.albumIds.subarray(0, from));
    const silent = new Uint8Array(n);
    silent.set(this.silent.subarray(0, from));
    for (let i = from; i < n; i++) {
      const t = this.tracks[i];
      this.byId.set(t.id, i);
      // An unknown artist is nobody in particular: such tracks are not grouped by the artist rules.
      const artist = artistKey(t);
      artists[i] = this.keyId(isUnknownArtist(artist) ? `track\u0000${t.id}` : `artist\u0000${artist}`);
      const album = albumKey(t);
      albums[i] = album === '' ? -1 : this.keyId(`album\u0000${album}`);
      this.dupKeys[i] = duplicateKey(t);
      const loudness = Number(this.input.scalars[i]?.loudness);
      silent[i] = Number.isFinite(loudness) && loudness <= SILENT_LUFS ? 1 : 0;
    }
    this.artistIds = artists;
    this.albumIds = albums;
    this.silent = silent;
  }

  // ---------------------------------------------------------------- incremental updates

  /**
   * Adds newly analysed tracks without a full rebuild: their vectors are normalised with the
   * library statistics of the last build and appended to every built space (see Vectors.append).
   */
  add(batch: SimilarityInput): void {
    const m = batch.tracks.length;
    if (m === 0) return;
    const known = batch.tracks.filter((t) => this.byId.has(t.id));
    if (known.length) throw new Error(`add: ${known.length} track(s) already present (rebuild to update)`);
    const n0 = this.vectors.n;
    this.vectors.append(batch);
    const n1 = this.vectors.n;
    this.tracks = [...this.tracks, ...batch.tracks];
    const tagNames = this.input.tags?.names.length ?? 0;
    const tags = this.input.tags
      ? (() => {
          const out = growRows(this.input.tags.data, tagNames, n0, n1);
          if (batch.tags && batch.tags.names.length === tagNames) out.set(batch.tags.data, n0 * tagNames);
          else out.fill(0, n0 * tagNames, n1 * tagNames);
          return { ...this.input.tags, data: out };
        })()
      : null;
    this.input = {
      ...this.input,
      tracks: this.tracks,
      scalars: [...this.input.scalars, ...batch.scalars],
      tags,
      clusters: undefined,
    };
    if (this.clusterOf) {
      const clusterOf = new Int32Array(n1).fill(-1);
      clusterOf.set(this.clusterOf);
      this.clusterOf = clusterOf;
    }
    this.indexMetadata(n0);
  }

  // ---------------------------------------------------------------- primitives

  /**
   * The space a request is answered in. A track the answering model has not heard (no embedding:
   * the model failed on it, or a model switch has not reached it yet) has no place in the
   * embedding space, so a request about such tracks only is answered on the audio features.
   */
  private space(source?: SimilaritySource, about: readonly number[] = []): Space {
    const resolved = this.vectors.resolve(source);
    const unplaced = resolved === 'embedding' && about.length > 0 && about.every((i) => !this.placed(i));
    return this.vectors.space(unplaced ? 'features' : resolved);
  }

  /** Whether row i has a place in the embedding space (see `space`). */
  private placed(i: number): boolean {
    return this.vectors.hasEmbedding(i);
  }

  /** Whether row i can be suggested in `sp`: the embedding space leaves unheard tracks out. */
  private suggestible(sp: Space): ((i: number) => boolean) | null {
    if (sp.source !== 'embedding' || this.vectors.embeddingComplete) return null;
    return (i) => this.placed(i);
  }

  private seedIndices(seed: Seed): number[] {
    return seedRows(seed, this.tracks, this.byId);
  }

  /** The space's reference distribution of pair relevances (see calibration.ts). */
  private calibration(sp: Space): ScoreCalibration {
    let c = this.calibrations.get(sp);
    if (!c) {
      // dotRow, as the searches compute it: a pair reads the same percentile in a list of
      // neighbours and in its explanation (dotRows sums in another order: last-bit differences
      // put a pair on the other side of its own entry in the distribution).
      c = ScoreCalibration.build(sp, (a, b) =>
        relOf(sp, rowQuery(sp, a), b, dotRow(sp.data, b, sp.row(a), sp.dim)),
      );
      this.calibrations.set(sp, c);
    }
    return c;
  }

  private toSimilar(sp: Space, s: Scored): SimilarTrack {
    const score = display(sp, s.rel);
    const out: SimilarTrack = {
      track: this.tracks[s.i],
      score,
      distance: 1 - score,
      percentile: this.calibration(sp).percentile(s.rel),
    };
    if (this.clusterOf && this.clusterOf[s.i] >= 0) out.clusterId = this.clusterOf[s.i];
    return out;
  }

  private accept(
    sp: Space,
    seeds: number[],
    filter: ((i: number) => boolean) | null,
    exclude?: Set<number>,
  ): (i: number) => boolean {
    const seedSet = new Set(seeds);
    const placed = this.suggestible(sp);
    return (i) =>
      !seedSet.has(i) &&
      this.silent[i] === 0 &&
      (!placed || placed(i)) &&
      (!exclude || !exclude.has(i)) &&
      (!filter || filter(i));
  }

  private groupIds(): GroupIds {
    return { artist: this.artistIds, album: this.albumIds };
  }

  /** What queue arranging needs of the tracks (read at the time of the call: adds replace these). */
  private trackGroups(): TrackGroups {
    const emb = this.vectors.embRaw;
    return {
      artistIds: this.artistIds,
      albumIds: this.albumIds,
      groupCount: this.keyIds.size,
      dupKeys: this.dupKeys,
      duplicateRows: emb ? { data: emb, dim: this.vectors.dE } : null,
      duplicateCosine: this.settings.duplicateCosine,
      rowOf: (id) => this.byId.get(id),
    };
  }

  private candidates(sp: Space, seeds: number[], count: number, accept: (i: number) => boolean): Scored[] {
    // Seeds without a place in the space (see `space`) would score every candidate zero.
    const placed = this.suggestible(sp);
    const scoring = placed ? seeds.filter(placed) : seeds;
    return candidates(sp, scoring.length > 0 ? scoring : seeds, count, this.settings.hubnessRerank, accept);
  }

  /** Rows of the ids the library holds, in order (unknown ids are left out). */
  private rowsOf(ids: TrackId[] | undefined): number[] {
    return (ids ?? []).map((id) => this.byId.get(id)).filter((i): i is number => i !== undefined);
  }

  private queueResult(sp: Space, seeds: number[], picked: Scored[], t0: number): QueueResult {
    return {
      seedIds: seeds.map((i) => this.tracks[i].id),
      tracks: picked.map((s) => this.toSimilar(sp, s)),
      tookMs: performance.now() - t0,
    };
  }

  private rules(partial: Partial<VarietyRules> | undefined): Rules {
    return { ...this.variety, ...stripUndefined(partial ?? {}) } as Rules;
  }

  // ---------------------------------------------------------------- contract methods

  similar(req: ParsedRequest<'similar.tracks'>): SimilarResult {
    const t0 = performance.now();
    const seeds = this.seedIndices(req.seed);
    const sp = this.space(req.source, seeds);
    const k = req.k ?? 20;
    const filter = makeFilter(req.filters, seeds, this.tracks, this.input.scalars, this.groupIds());
    const results = this.candidates(sp, seeds, k, this.accept(sp, seeds, filter)).map((s) =>
      this.toSimilar(sp, s),
    );
    return {
      seedIds: seeds.map((i) => this.tracks[i].id),
      source: sp.source,
      results,
      tookMs: performance.now() - t0,
    };
  }

  queue(req: ParsedRequest<'similar.queue'>): QueueResult {
    const t0 = performance.now();
    const seeds = this.seedIndices(req.seed);
    const sp = this.space(req.source, seeds);
    const length = req.length ?? 25;
    const rules = this.rules(req.variety);
    const filter = makeFilter(req.filters, seeds, this.tracks, this.input.scalars, this.groupIds());
    const accept = this.accept(sp, seeds, filter);
    // A track seed plays first and a list of tracks (the current queue) plays before the new
    // tracks: the variety rules hold across that seam. Albums and artists are not played.
    const context = req.seed.kind === 'track' || req.seed.kind === 'tracks' ? seeds : [];
    const groups = this.trackGroups();
    const picked = widening(Math.max(2 * length, 60), length, this.size, (poolSize) => {
      const pool = this.candidates(sp, seeds, poolSize, accept);
      return { pool, picked: arrangeQueue(sp, pool, length, rules, seeds, context, groups) };
    });
    return this.queueResult(sp, seeds, picked, t0);
  }

  radio(req: ParsedRequest<'similar.radio'>): QueueResult {
    const t0 = performance.now();
    const seeds = this.seedIndices(req.seed);
    const sp = this.space(undefined, seeds);
    const count = req.count ?? 10;
    const rules = this.rules(req.variety);
    const history = this.rowsOf(req.history);
    const skipped = this.rowsOf(req.skipped);
    const picked = radioPicks(
      sp,
      { seeds, history, skipped, count, rules },
      {
        groups: this.trackGroups(),
        size: this.size,
        rerank: this.settings.hubnessRerank,
        accept: (seedRows, exclude) => this.accept(sp, seedRows, null, exclude),
      },
    );
    return this.queueResult(sp, seeds, picked, t0);
  }

  path(req: ParsedRequest<'similar.path'>): QueueResult {
    const t0 = performance.now();
    const a = this.byId.get(req.from);
    const b = this.byId.get(req.to);
    if (a === undefined || b === undefined)
      throw new ApiError('not_found', 'Both ends of a path must be analysed tracks.');
    // Both ends must have a place in the space the path is drawn in.
    const sp = this.pairSpace(a, b);
    const placed = this.suggestible(sp);
    const silent = placed ? this.silent.map((v, i) => (v || !placed(i) ? 1 : 0)) : this.silent;
    const picks = songPath(sp, a, b, req.steps ?? 10, { silent, dupKeys: this.dupKeys });
    return {
      seedIds: [this.tracks[a].id, this.tracks[b].id],
      tracks: picks.map((p) => ({
        track: this.tracks[p.i],
        score: p.score,
        distance: 1 - p.score,
        ...(this.clusterOf && this.clusterOf[p.i] >= 0 ? { clusterId: this.clusterOf[p.i] } : {}),
      })),
      tookMs: performance.now() - t0,
    };
  }

  /**
   * Similarity of two tracks in the default space (what the lists show), with its display score
   * and percentile; `a` and `b` are positions in the input given to `build`.
   */
  pairScore(
    a: number,
    b: number,
    source?: SimilaritySource,
  ): { cosine: number; score: number; percentile: number } {
    // Positions in the input given to `build` (tracks added later follow it in order).
    const row = (i: number): number => (i < this.rowOfInput.length ? this.rowOfInput[i] : i);
    return this.rowPairScore(row(a), row(b), source);
  }

  /** The space two tracks are compared in: the embedding space only when both have a place there. */
  private pairSpace(a: number, b: number, source?: SimilaritySource): Space {
    const sp = this.space(source);
    return sp.source === 'embedding' && !(this.placed(a) && this.placed(b)) ? this.space('features') : sp;
  }

  private rowPairScore(
    a: number,
    b: number,
    source?: SimilaritySource,
  ): { cosine: number; score: number; percentile: number } {
    const sp = this.pairSpace(a, b, source);
    const cos = dotRow(sp.data, b, sp.row(a), sp.dim);
    const rel = relOf(sp, rowQuery(sp, a), b, cos);
    return { cosine: cos, score: display(sp, rel), percentile: this.calibration(sp).percentile(rel) };
  }

  explain(aId: TrackId, bId: TrackId): Explanation {
    const a = this.byId.get(aId);
    const b = this.byId.get(bId);
    if (a === undefined || b === undefined) throw new ApiError('not_found', 'Both tracks must be analysed.');
    const sp = this.pairSpace(a, b);
    const { score, percentile } = this.rowPairScore(a, b);
    let tags: string[] = [];
    const t = this.input.tags;
    if (t && t.names.length > 0) {
      const m = t.names.length;
      tags = sharedTags(t.names, t.data.subarray(a * m, (a + 1) * m), t.data.subarray(b * m, (b + 1) * m));
    }
    const words = explainPair(
      this.input.scalars[a],
      this.input.scalars[b],
      this.spread,
      tags,
      score,
      sp.hub !== null,
      percentile,
    );
    return {
      a: aId,
      b: bId,
      score,
      percentile,
      summary: words.summary,
      sharedTags: tags,
      closest: words.closest,
      mostDifferent: words.mostDifferent,
    };
  }

  /** Track ids in row order (what `setClusters` assignments are indexed by). */
  rowIds(): TrackId[] {
    return this.tracks.map((t) => t.id);
  }

  /**
   * The rows of one space with their tracks, raw scalars and tag probabilities, in row order:
   * what a clustering of the library runs on (the vectors the similarity answers use).
   */
  clusteringInput(source?: SimilaritySource): {
    source: SimilaritySource;
    tracks: Track[];
    data: Float32Array;
    dim: number;
    scalars: FeatureScalars[];
    tags: { names: string[]; data: Float32Array } | null;
  } {
    const sp = this.space(source);
    const n = this.tracks.length;
    const tags = this.input.tags;
    const placed = this.suggestible(sp);
    if (!placed) {
      return {
        source: sp.source,
        tracks: this.tracks.slice(0, n),
        data: sp.data.slice(0, n * sp.dim),
        dim: sp.dim,
        scalars: this.input.scalars.slice(0, n),
        tags: tags ? { names: tags.names, data: tags.data.slice(0, n * tags.names.length) } : null,
      };
    }
    // Tracks the model has not heard have no place in its space: they are not clustered in it.
    const rows = [...Array(n).keys()].filter(placed);
    const m = tags?.names.length ?? 0;
    return {
      source: sp.source,
      tracks: rows.map((i) => this.tracks[i]),
      data: pickRows(sp.data, sp.dim, rows),
      dim: sp.dim,
      scalars: rows.map((i) => this.input.scalars[i]),
      tags: tags ? { names: tags.names, data: pickRows(tags.data, m, rows) } : null,
    };
  }

  clusterSuggestions(req: ParsedRequest<'similar.clusterSuggestions'>): ClusterSuggestions {
    const seed = this.byId.get(req.id);
    if (seed === undefined) throw new ApiError('not_found', 'No analysed track with this id.');
    const sp = this.space(undefined, [seed]);
    return clusterSuggestionsFor(
      {
        space: sp,
        seed,
        size: this.size,
        clusterOf: this.clusterOf,
        clusterInfo: this.clusterInfo,
        accept: this.accept(sp, [seed], null),
        dupKeys: this.dupKeys,
        artistIds: this.artistIds,
        variety: this.variety,
        hubnessRerank: this.settings.hubnessRerank,
        toSimilar: (scored) => this.toSimilar(sp, scored),
      },
      req,
    );
  }
}

function isUnknownArtist(key: string): boolean {
  return key === '' || key === 'unknown artist' || key === 'unknown' || key === 'various artists';
}
