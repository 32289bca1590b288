/**
 * The similarity engine: neighbours, "play similar" queues, radio, song paths, cluster-aware
 * suggestions and explanations, over an in-memory copy of the analysed library.
 * Everything is synchronous and stateless between requests (radio history comes in each request).
 */
import type { ClusterSuggestions, ParsedRequest } from '../../shared/contract';
import { ApiError } from '../../shared/contract';
import type {
  ClusterInfo,
  Explanation,
  QueueResult,
  Seed,
  Settings,
  SimilarResult,
  SimilarTrack,
  SimilaritySource,
  Track,
  TrackId,
  VarietyRules,
} from '../../shared/types';
import { exactSearch, IvfIndex } from './ann';
import type { EngineSettings, SimilarityInput, Space } from './corpus';
import { Vectors, defaultEngineSettings, fillBlend, ivfOptions, standardizeRows } from './corpus';
import { explainPair, scalarSpread, sharedTags } from './explain';
import type { ScalarSpread } from './explain';
import { hubStats, logOneMinusMp, mpScore, queryStats } from './hubness';
import { canonicalPermutation, reorder } from './canonical';
import type { SoundLibrary } from './sound-search';
import { ScoreCalibration } from './calibration';
import { albumKey, artistKey, defaultVariety, duplicateKey, makeFilter } from './rules';
import type { GroupIds } from './rules';
import { TopK, dotRow, dotRows, normalize, slerp } from './vectors';

export type { SimilarityInput } from './corpus';

/** What `build` accepts: the app's Settings (or part of it) plus optional internal knobs. */
export interface EngineConfig {
  similarity?: Partial<Settings['similarity']>;
  variety?: Partial<VarietyRules>;
  engine?: Partial<EngineSettings>;
}

interface Query {
  vec: Float32Array;
  mu: number;
  sigma: number;
}

interface Scored {
  i: number;
  /** Relevance: cosine, or −log(1 − MP) with hubness reduction (higher is closer). */
  rel: number;
}

type Rules = Required<Omit<VarietyRules, 'recentlyPlayed'>> & { recentlyPlayed: TrackId[] };

const MAX_SEEDS_SCORED = 24;
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
    const sim = config.similarity ?? {};
    const settings: EngineSettings = {
      ...defaultEngineSettings,
      ...(sim.source !== undefined ? { source: sim.source } : {}),
      ...(sim.embeddingWeight !== undefined ? { embeddingWeight: sim.embeddingWeight } : {}),
      ...(sim.featureWeight !== undefined ? { featureWeight: sim.featureWeight } : {}),
      ...(sim.hubnessReduction !== undefined ? { hubnessReduction: sim.hubnessReduction } : {}),
      ...config.engine,
    };
    if (settings.embeddingWeight + settings.featureWeight <= 0) {
      settings.embeddingWeight = defaultEngineSettings.embeddingWeight;
      settings.featureWeight = defaultEngineSettings.featureWeight;
    }
    const variety: Rules = {
      ...defaultVariety,
      recentlyPlayed: [],
      ...stripUndefined(config.variety ?? {}),
    } as Rules;
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
   * library statistics of the last build, appended to every built space and to the IVF lists.
   * The IVF centroids are retrained once the library has grown by half since they were trained.
   */
  add(batch: SimilarityInput): void {
    const v = this.vectors;
    const m = batch.tracks.length;
    if (m === 0) return;
    if (batch.featureNames.length !== v.dF) throw new Error('add: feature layout differs from the engine’s');
    const known = batch.tracks.filter((t) => this.byId.has(t.id));
    if (known.length) throw new Error(`add: ${known.length} track(s) already present (rebuild to update)`);
    const n0 = v.n;
    const n1 = n0 + m;
    // Buffers keep a quarter of spare rows: a batch of 16 tracks then copies nothing on most adds
    // (a full copy of every block of a 100k library took most of a second).
    const grow = (a: Float32Array, dim: number): Float32Array => {
      if (a.length >= n1 * dim) return a;
      const out = new Float32Array(Math.max(n1, Math.ceil(n0 * 1.25)) * dim);
      out.set(a.subarray(0, n0 * dim));
      return out;
    };
    const feat = grow(v.feat, v.dF);
    standardizeRows(batch.features, 0, m, v.dF, v.featStats, true, feat.subarray(n0 * v.dF));
    v.feat = feat;
    if (v.emb && v.embRaw && v.embStats) {
      const dE = v.dE;
      const rawE =
        batch.embedding && batch.embedding.dim === dE ? batch.embedding.data : new Float32Array(m * dE);
      const emb = grow(v.emb, dE);
      const embOut = emb.subarray(n0 * dE);
      standardizeRows(rawE, 0, m, dE, v.embStats, false, embOut, v.settings.centerEmbedding, true);
      v.emb = emb;
      const embRaw = grow(v.embRaw, dE);
      standardizeRows(rawE, 0, m, dE, v.embStats, false, embRaw.subarray(n0 * dE), false, true);
      v.embRaw = embRaw;
    }
    (v as { n: number }).n = n1;
    this.tracks = [...this.tracks, ...batch.tracks];
    const tagNames = this.input.tags?.names.length ?? 0;
    const tags = this.input.tags
      ? (() => {
          const out = grow(this.input.tags.data, tagNames);
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
    for (const sp of v.builtSpaces()) {
      if (sp.source === 'features') sp.data = v.feat;
      else if (sp.source === 'embedding') sp.data = v.emb as Float32Array;
      else {
        const data = grow(sp.data, sp.dim);
        fillBlend(v, n0, n1, data);
        sp.data = data;
      }
      sp.count = n1;
      if (sp.ivf && n1 > sp.ivf.trainedOn * 1.5) sp.ivf = IvfIndex.build(sp, ivfOptions(this.settings, n1));
      else if (sp.ivf) sp.ivf.addUpTo(sp);
      else if (n1 > this.settings.annThreshold) sp.ivf = IvfIndex.build(sp, ivfOptions(this.settings, n1));
      if (sp.sketch) sp.sketch.add(sp, n0, n1);
      if (sp.hub) sp.hub = hubStats(sp, this.settings.hubnessSample, 7, n0, sp.hub);
    }
  }

  // ---------------------------------------------------------------- primitives

  private space(source?: SimilaritySource): Space {
    return this.vectors.space(this.vectors.resolve(source));
  }

  private rowQuery(sp: Space, i: number): Query {
    return { vec: sp.row(i), mu: sp.hub ? sp.hub.mu[i] : 0, sigma: sp.hub ? sp.hub.sigma[i] : 1 };
  }

  private vecQuery(sp: Space, vec: Float32Array): Query {
    if (!sp.hub) return { vec, mu: 0, sigma: 1 };
    const s = queryStats(sp, sp.hub, vec);
    return { vec, mu: s.mu, sigma: s.sigma };
  }

  private relOf(sp: Space, q: Query, i: number, cos: number): number {
    if (!sp.hub) return cos;
    return Math.min(700, -logOneMinusMp(cos, q.mu, q.sigma, sp.hub.mu[i], sp.hub.sigma[i]));
  }

  /** Score shown to the user: cosine, or the mutual-proximity probability. */
  private display(sp: Space, rel: number): number {
    return sp.hub ? mpScore(-rel) : rel;
  }

  /** k nearest rows to q that pass `accept`, best first (hubness re-ranked over an over-fetched set). */
  private knn(sp: Space, q: Query, k: number, accept?: (i: number) => boolean): Scored[] {
    const fetch = sp.hub ? Math.max(k * 2, this.settings.hubnessRerank) : k;
    const hits = sp.ivf ? sp.ivf.search(sp, q.vec, fetch, accept) : exactSearch(sp, q.vec, fetch, accept);
    const out = hits.map((h) => ({ i: h.id, rel: this.relOf(sp, q, h.id, h.score) }));
    if (sp.hub) out.sort((a, b) => b.rel - a.rel || a.i - b.i);
    return out.slice(0, k);
  }

  private seedIndices(seed: Seed): number[] {
    const norm = (s: string): string => s.trim().toLowerCase();
    let out: number[] = [];
    if (seed.kind === 'track') {
      const i = this.byId.get(seed.id);
      if (i !== undefined) out = [i];
    } else if (seed.kind === 'tracks') {
      const seen = new Set<number>();
      for (const id of seed.ids) {
        const i = this.byId.get(id);
        if (i !== undefined && !seen.has(i)) {
          seen.add(i);
          out.push(i);
        }
      }
    } else if (seed.kind === 'album') {
      const album = norm(seed.album);
      const aa = seed.albumArtist !== undefined ? norm(seed.albumArtist) : null;
      this.tracks.forEach((t, i) => {
        if (
          norm(t.album) === album &&
          (aa === null ||
            norm(t.albumArtist || t.artist) === aa ||
            norm(t.artist) === aa ||
            t.artists.some((x) => norm(x) === aa))
        )
          out.push(i);
      });
    } else {
      const artist = norm(seed.artist);
      this.tracks.forEach((t, i) => {
        if (
          norm(t.artist) === artist ||
          norm(t.albumArtist) === artist ||
          t.artists.some((a) => norm(a) === artist)
        ) {
          out.push(i);
        }
      });
    }
    if (out.length === 0) throw new ApiError('not_found', 'No analysed track matches the seed.');
    return out;
  }

  /** At most MAX_SEEDS_SCORED seeds, spread evenly over the list (albums, artists). */
  private scoredSeeds(seeds: number[]): number[] {
    if (seeds.length <= MAX_SEEDS_SCORED) return seeds;
    const out: number[] = [];
    for (let j = 0; j < MAX_SEEDS_SCORED; j++)
      out.push(seeds[Math.floor((j * seeds.length) / MAX_SEEDS_SCORED)]);
    return out;
  }

  private centroidOf(sp: Space, rows: number[]): Float32Array {
    const c = new Float32Array(sp.dim);
    for (const i of rows) {
      const r = sp.row(i);
      for (let d = 0; d < sp.dim; d++) c[d] += r[d];
    }
    normalize(c);
    return c;
  }

  /**
   * The `count` best candidates for a set of seeds. One seed: its neighbours. Several: the
   * union of each seed's neighbours and the centroid's, scored by the mean of the best half of
   * the per-seed relevances (close to a good part of the seeds, not only to their average).
   */
  private candidates(sp: Space, seeds: number[], count: number, accept: (i: number) => boolean): Scored[] {
    if (seeds.length === 1) return this.knn(sp, this.rowQuery(sp, seeds[0]), count, accept);
    const used = this.scoredSeeds(seeds);
    const pool = new Set<number>();
    const per = Math.max(10, Math.ceil((2 * count) / used.length));
    for (const s of used) for (const h of this.knn(sp, this.rowQuery(sp, s), per, accept)) pool.add(h.i);
    const centroid = this.vecQuery(sp, this.centroidOf(sp, used));
    for (const h of this.knn(sp, centroid, count, accept)) pool.add(h.i);
    const queries = used.map((s) => this.rowQuery(sp, s));
    const take = Math.ceil(queries.length / 2);
    const rels = new Float64Array(queries.length);
    const out: Scored[] = [];
    for (const i of pool) {
      for (let j = 0; j < queries.length; j++)
        rels[j] = this.relOf(sp, queries[j], i, dotRow(sp.data, i, queries[j].vec, sp.dim));
      rels.sort();
      let s = 0;
      for (let j = rels.length - take; j < rels.length; j++) s += rels[j];
      out.push({ i, rel: s / take });
    }
    out.sort((a, b) => b.rel - a.rel || a.i - b.i);
    return out.slice(0, count);
  }

  /** The space's reference distribution of pair relevances (see calibration.ts). */
  private calibration(sp: Space): ScoreCalibration {
    let c = this.calibrations.get(sp);
    if (!c) {
      c = ScoreCalibration.build(sp, (a, b) =>
        this.relOf(sp, this.rowQuery(sp, a), b, dotRows(sp.data, a, b, sp.dim)),
      );
      this.calibrations.set(sp, c);
    }
    return c;
  }

  private toSimilar(sp: Space, s: Scored): SimilarTrack {
    const score = this.display(sp, s.rel);
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
    seeds: number[],
    filter: ((i: number) => boolean) | null,
    exclude?: Set<number>,
  ): (i: number) => boolean {
    const seedSet = new Set(seeds);
    return (i) =>
      !seedSet.has(i) && this.silent[i] === 0 && (!exclude || !exclude.has(i)) && (!filter || filter(i));
  }

  private groupIds(): GroupIds {
    return { artist: this.artistIds, album: this.albumIds };
  }

  private rules(partial: Partial<VarietyRules> | undefined): Rules {
    return { ...this.variety, ...stripUndefined(partial ?? {}) } as Rules;
  }

  // ---------------------------------------------------------------- contract methods

  similar(req: ParsedRequest<'similar.tracks'>): SimilarResult {
    const t0 = performance.now();
    const seeds = this.seedIndices(req.seed);
    const sp = this.space(req.source);
    const k = req.k ?? 20;
    const filter = makeFilter(req.filters, seeds, this.tracks, this.input.scalars, this.groupIds());
    const results = this.candidates(sp, seeds, k, this.accept(seeds, filter)).map((s) =>
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
    const sp = this.space(req.source);
    const length = req.length ?? 25;
    const rules = this.rules(req.variety);
    const filter = makeFilter(req.filters, seeds, this.tracks, this.input.scalars, this.groupIds());
    const accept = this.accept(seeds, filter);
    // A track seed plays first and a list of tracks (the current queue) plays before the new
    // tracks: the variety rules hold across that seam. Albums and artists are not played.
    const context = req.seed.kind === 'track' || req.seed.kind === 'tracks' ? seeds : [];
    const picked = this.widening(Math.max(2 * length, 60), length, (poolSize) => {
      const pool = this.candidates(sp, seeds, poolSize, accept);
      return { pool, picked: this.arrange(sp, pool, length, rules, seeds, context) };
    });
    return {
      seedIds: seeds.map((i) => this.tracks[i].id),
      tracks: picked.map((s) => this.toSimilar(sp, s)),
      tookMs: performance.now() - t0,
    };
  }

  radio(req: ParsedRequest<'similar.radio'>): QueueResult {
    const t0 = performance.now();
    const seeds = this.seedIndices(req.seed);
    const sp = this.space();
    const count = req.count ?? 10;
    const rules = this.rules(req.variety);
    const history = (req.history ?? [])
      .map((id) => this.byId.get(id))
      .filter((i): i is number => i !== undefined);
    const skipped = (req.skipped ?? [])
      .map((id) => this.byId.get(id))
      .filter((i): i is number => i !== undefined);
    const target = this.radioTarget(sp, seeds, history);
    const recentSkips = skipped.slice(-50);
    const query = this.vecQuery(sp, target);
    const attempt = (exclude: Set<number>, context: number[]): Scored[] => {
      const accept = this.accept(seeds, null, exclude);
      return this.widening(Math.max(4 * count, 60), count, (poolSize) => {
        const pool = this.knn(sp, query, poolSize, accept);
        return {
          pool,
          picked: this.arrange(sp, this.steerBySkips(sp, pool, recentSkips), count, rules, seeds, context),
        };
      });
    };
    let picked = attempt(new Set([...history, ...skipped]), history);
    if (picked.length < count && history.length > 0) {
      // The station has played most of a small library: rather than fall silent, it lets back in
      // what was played longest ago (never the recent half of the library, never a skipped track).
      const recent = history.slice(-Math.max(count, Math.floor(this.size / 2)));
      const again = attempt(new Set([...recent, ...skipped]), recent);
      if (again.length > picked.length) picked = again;
    }
    return {
      seedIds: seeds.map((i) => this.tracks[i].id),
      tracks: picked.map((s) => this.toSimilar(sp, s)),
      tookMs: performance.now() - t0,
    };
  }

  /**
   * Runs `attempt` over a candidate pool of `poolSize`, quadrupling the pool while the variety
   * rules leave the result short of `want` and a larger pool could still add candidates.
   */
  private widening(
    poolSize: number,
    want: number,
    attempt: (poolSize: number) => { pool: Scored[]; picked: Scored[] },
  ): Scored[] {
    for (;;) {
      const { pool, picked } = attempt(poolSize);
      if (picked.length >= want || pool.length < poolSize || poolSize >= this.size) return picked;
      poolSize = Math.min(this.size, poolSize * 4);
    }
  }

  /**
   * Where the radio aims next: an exponential moving average over the session's picks, started at
   * the seed, blended back with the seed so the station drifts slowly instead of wandering off.
   */
  radioTarget(sp: Space, seeds: number[], history: number[], alpha = 0.25, anchor = 0.4): Float32Array {
    const seed = this.centroidOf(sp, this.scoredSeeds(seeds));
    const ema = Float32Array.from(seed);
    for (const h of history.slice(-30)) {
      const r = sp.row(h);
      for (let d = 0; d < sp.dim; d++) ema[d] = (1 - alpha) * ema[d] + alpha * r[d];
      normalize(ema);
    }
    const t = new Float32Array(sp.dim);
    for (let d = 0; d < sp.dim; d++) t[d] = anchor * seed[d] + (1 - anchor) * ema[d];
    normalize(t);
    return t;
  }

  /** Pushes down candidates close to skipped tracks: relevance minus a penalty growing with that closeness. */
  private steerBySkips(sp: Space, pool: Scored[], skipped: number[], threshold = 0.2, weight = 1): Scored[] {
    if (skipped.length === 0 || pool.length === 0) return pool;
    const relN = rescaled(pool);
    const out = pool.map((p, c) => {
      let worst = 0;
      for (const s of skipped) worst = Math.max(worst, dotRows(sp.data, p.i, s, sp.dim));
      const penalty = Math.max(0, worst - threshold) / (1 - threshold);
      return { i: p.i, rel: relN[c] - weight * penalty };
    });
    out.sort((a, b) => b.rel - a.rel || a.i - b.i);
    return out;
  }

  /**
   * Orders a candidate pool (best first) into a queue under the variety rules, greedily with
   * maximal marginal relevance: value = (1 − λ)·relevance − λ·(max cosine to what is already queued).
   * `context` are tracks just before the queue (radio history): they count for the artist window,
   * album adjacency and duplicates. Seeds count for duplicates. Recently played tracks are held
   * back: used only when nothing else fits.
   */
  private arrange(
    sp: Space,
    pool: Scored[],
    length: number,
    rules: Rules,
    seeds: number[],
    context: number[],
  ): Scored[] {
    const n = pool.length;
    if (n === 0) return [];
    const lambda = Math.max(0, Math.min(1, rules.diversity)) * 0.7;
    const relN = rescaled(pool);
    const maxSim = new Float64Array(n).fill(lambda > 0 ? -1 : 0);
    const recentRows = new Set(
      rules.recentlyPlayed.map((id) => this.byId.get(id)).filter((i) => i !== undefined),
    );
    const recent = new Uint8Array(n);
    for (let c = 0; c < n; c++) if (recentRows.has(pool[c].i)) recent[c] = 1;
    const usedKeys = new Set<string>();
    const before = [...seeds, ...context];
    if (rules.collapseDuplicates) for (const i of before) usedKeys.add(this.dupKeys[i]);
    const placed: number[] = [];
    const dupRows: number[] = [...before];
    const emb = this.vectors.embRaw;
    const dE = this.vectors.dE;
    const out: Scored[] = [];
    // Artist counts over the last (window − 1) placed tracks: with the candidate, one full window.
    const window = Math.max(1, rules.artistWindow) - 1;
    const artistIds = this.artistIds;
    const albumIds = this.albumIds;
    const inWindow = new Int32Array(this.keyIds.size);
    const place = (i: number): void => {
      placed.push(i);
      if (window === 0) return;
      inWindow[artistIds[i]]++;
      if (placed.length > window) inWindow[artistIds[placed[placed.length - 1 - window]]]--;
    };
    for (const i of context) place(i);
    const fits = (i: number): boolean => {
      if (rules.noConsecutiveAlbum && placed.length > 0) {
        const a = albumIds[i];
        if (a >= 0 && a === albumIds[placed[placed.length - 1]]) return false;
      }
      return inWindow[artistIds[i]] + 1 <= rules.maxPerArtist;
    };
    const isDuplicate = (i: number): boolean => {
      if (!rules.collapseDuplicates) return false;
      if (usedKeys.has(this.dupKeys[i])) return true;
      if (emb) {
        for (const j of dupRows) if (dotRows(emb, i, j, dE) > this.settings.duplicateCosine) return true;
      }
      return false;
    };
    // Lazy MMR: a candidate's value only drops as the queue grows (its max similarity to the queue
    // can only rise), so a stale value is an upper bound. A max-heap of stale values: the top is
    // brought up to date and taken only when still on top. Recently played tracks rank below all
    // others (held back). Candidates the rules refuse now are set aside for this step only.
    const seenPicks = new Int32Array(n);
    const key = new Float64Array(n);
    const value = (c: number): number => (1 - lambda) * relN[c] - lambda * maxSim[c] - (recent[c] ? 100 : 0);
    const heap = new MaxHeap(key);
    for (let c = 0; c < n; c++) {
      key[c] = value(c);
      heap.push(c);
    }
    while (out.length < length && heap.size > 0) {
      const aside: number[] = [];
      let c = -1;
      while (heap.size > 0) {
        const top = heap.pop();
        const i = pool[top].i;
        if (!fits(i)) {
          aside.push(top);
          continue;
        }
        if (lambda > 0 && seenPicks[top] < out.length) {
          const sketch = sp.sketch;
          for (let p = seenPicks[top]; p < out.length; p++) {
            const s = sketch ? sketch.dot(i, out[p].i) : dotRows(sp.data, i, out[p].i, sp.dim);
            if (s > maxSim[top]) maxSim[top] = s;
          }
          seenPicks[top] = out.length;
          key[top] = value(top);
          heap.push(top);
          continue;
        }
        if (isDuplicate(i)) continue;
        c = top;
        break;
      }
      for (const d of aside) heap.push(d);
      if (c < 0) break;
      const i = pool[c].i;
      out.push(pool[c]);
      place(i);
      dupRows.push(i);
      if (rules.collapseDuplicates) usedKeys.add(this.dupKeys[i]);
    }
    return out;
  }

  path(req: ParsedRequest<'similar.path'>): QueueResult {
    const t0 = performance.now();
    const a = this.byId.get(req.from);
    const b = this.byId.get(req.to);
    if (a === undefined || b === undefined)
      throw new ApiError('not_found', 'Both ends of a path must be analysed tracks.');
    const sp = this.space();
    const steps = req.steps ?? 10;
    const va = sp.row(a);
    const vb = sp.row(b);
    const progress = (i: number): number => dotRow(sp.data, i, vb, sp.dim) - dotRow(sp.data, i, va, sp.dim);
    const used = new Set<number>([a, b]);
    // Never the same song twice (another version of it included), never a silent track.
    const usedKeys = new Set<string>([this.dupKeys[a], this.dupKeys[b]]);
    const usable = (i: number): boolean =>
      !used.has(i) && this.silent[i] === 0 && !usedKeys.has(this.dupKeys[i]);
    const closeness = (from: number, to: number): number =>
      this.display(sp, this.relOf(sp, this.rowQuery(sp, from), to, dotRows(sp.data, from, to, sp.dim)));
    const picks: { i: number; score: number }[] = [{ i: a, score: 1 }];
    let prev = a;
    let lastProgress = progress(a);
    for (let t = 1; t < steps && a !== b; t++) {
      const point = slerp(va, vb, t / steps);
      const pv = sp.row(prev);
      let chosen = -1;
      let chosenV = -Infinity;
      let forward = false;
      for (const k of [50, 400]) {
        const hits = sp.ivf ? sp.ivf.search(sp, point, k, usable) : exactSearch(sp, point, k, usable);
        for (const h of hits) {
          // Close to the waypoint and to the previous pick. A step backwards (less far along A→B
          // than the previous pick) is taken only when no candidate goes forward: a path of the
          // length asked for beats a shorter one.
          const ahead = progress(h.id) >= lastProgress;
          const v = 0.7 * h.score + 0.3 * dotRow(sp.data, h.id, pv, sp.dim);
          if ((ahead && !forward) || (ahead === forward && v > chosenV)) {
            chosenV = v;
            chosen = h.id;
            forward = ahead;
          }
        }
        if (forward) break;
      }
      if (chosen < 0) break; // the library has no track left to use
      used.add(chosen);
      usedKeys.add(this.dupKeys[chosen]);
      // The score shown for each step is its closeness to the track before it.
      picks.push({ i: chosen, score: closeness(prev, chosen) });
      prev = chosen;
      lastProgress = progress(chosen);
    }
    if (b !== a) picks.push({ i: b, score: closeness(prev, b) });
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

  private rowPairScore(
    a: number,
    b: number,
    source?: SimilaritySource,
  ): { cosine: number; score: number; percentile: number } {
    const sp = this.space(source);
    const cos = dotRows(sp.data, a, b, sp.dim);
    const rel = this.relOf(sp, this.rowQuery(sp, a), b, cos);
    return { cosine: cos, score: this.display(sp, rel), percentile: this.calibration(sp).percentile(rel) };
  }

  explain(aId: TrackId, bId: TrackId): Explanation {
    const a = this.byId.get(aId);
    const b = this.byId.get(bId);
    if (a === undefined || b === undefined) throw new ApiError('not_found', 'Both tracks must be analysed.');
    const sp = this.space();
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

  clusterSuggestions(req: ParsedRequest<'similar.clusterSuggestions'>): ClusterSuggestions {
    const seed = this.byId.get(req.id);
    if (seed === undefined) throw new ApiError('not_found', 'No analysed track with this id.');
    const sp = this.space();
    const same = req.sameCluster ?? 10;
    const perOther = req.perOtherCluster ?? 3;
    const clusterOf = this.clusterOf;
    if (!clusterOf || this.clusterInfo.size === 0) {
      const hits = this.knn(sp, this.rowQuery(sp, seed), same, (i) => i !== seed);
      return {
        clustersAvailable: false,
        seedCluster: null,
        sameCluster: hits.map((s) => this.toSimilar(sp, s)),
        otherClusters: [],
      };
    }
    // One exact pass: the best few of every cluster.
    const own = clusterOf[seed];
    const q = this.rowQuery(sp, seed);
    const heaps = new Map<number, TopK>();
    for (const id of this.clusterInfo.keys()) heaps.set(id, new TopK(id === own ? same : perOther));
    for (let i = 0; i < this.size; i++) {
      if (i === seed) continue;
      const h = heaps.get(clusterOf[i]);
      if (!h || h.k === 0) continue;
      const cos = dotRow(sp.data, i, q.vec, sp.dim);
      h.push(i, this.relOf(sp, q, i, cos));
    }
    const list = (id: number): SimilarTrack[] =>
      (heaps.get(id)?.sorted() ?? []).map((h) => this.toSimilar(sp, { i: h.id, rel: h.score }));
    const sameCluster =
      own >= 0 && heaps.has(own)
        ? list(own)
        : this.knn(sp, q, same, (i) => i !== seed).map((s) => this.toSimilar(sp, s));
    const otherClusters = [...this.clusterInfo.values()]
      .filter((c) => c.id !== own)
      .map((cluster) => ({ cluster, tracks: list(cluster.id) }))
      .filter((c) => c.tracks.length > 0)
      .sort((x, y) => y.tracks[0].score - x.tracks[0].score);
    return {
      clustersAvailable: true,
      seedCluster: this.clusterInfo.get(own) ?? null,
      sameCluster,
      otherClusters,
    };
  }
}

/** Max-heap of indices ordered by an external key array (keys change only while an index is out). */
class MaxHeap {
  private items: number[] = [];
  constructor(private readonly key: Float64Array) {}

  get size(): number {
    return this.items.length;
  }

  push(c: number): void {
    const h = this.items;
    const k = this.key;
    let i = h.length;
    h.push(c);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (k[h[p]] > k[c] || (k[h[p]] === k[c] && h[p] < c)) break;
      h[i] = h[p];
      i = p;
    }
    h[i] = c;
  }

  pop(): number {
    const h = this.items;
    const k = this.key;
    const top = h[0];
    const last = h.pop() as number;
    if (h.length > 0) {
      let i = 0;
      const n = h.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && (k[h[r]] > k[h[l]] || (k[h[r]] === k[h[l]] && h[r] < h[l])) ? r : l;
        const hc = h[c];
        if (!(k[hc] > k[last] || (k[hc] === k[last] && hc < last))) break;
        h[i] = h[c];
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}

/** Relevances of a pool rescaled to [0, 1] (min to max). */
function rescaled(pool: Scored[]): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of pool) {
    lo = Math.min(lo, p.rel);
    hi = Math.max(hi, p.rel);
  }
  const range = hi - lo || 1;
  return pool.map((p) => (p.rel - lo) / range);
}

function isUnknownArtist(key: string): boolean {
  return key === '' || key === 'unknown artist' || key === 'unknown' || key === 'various artists';
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
