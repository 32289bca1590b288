/**
 * The one API contract between the core and every client (Electron IPC, the loopback HTTP
 * bridge, the CLI and the renderer). Requests are validated with these schemas wherever they
 * cross a process boundary; responses are plain data typed below.
 */
import { z } from 'zod';
import { ApiError, type EventName } from './wire';
import type {
  AnalysisErrorRecord,
  AnalysisProgress,
  AppInfo,
  ClusterInfo,
  ClusterList,
  ClusterMap,
  ClusterMembershipWhy,
  ClusterProgress,
  ClusterRun,
  Explanation,
  ExportFile,
  FeatureImportSummary,
  LibraryStats,
  QueueResult,
  ScanErrorRecord,
  ScanProgress,
  ScanSummary,
  Settings,
  SimilarResult,
  SimilarTrack,
  SoundSearchResult,
  Track,
  TrackAnalysisInfo,
  TrackPage,
} from './types';
import { trackSortKeys } from './browse-types';
import { settingsProblems } from './settings-words';
import type {
  AlbumDetail,
  AlbumSummary,
  ArtistDetail,
  ArtistSummary,
  DirListing,
  ValueCount,
} from './browse-types';

const id = z.string().min(1).max(200);
const nonNegInt = z.number().int().min(0);

export const seedSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('track'), id }),
  z.object({ kind: z.literal('tracks'), ids: z.array(id).min(1).max(1000) }),
  z.object({ kind: z.literal('album'), album: z.string().min(1), albumArtist: z.string().optional() }),
  z.object({ kind: z.literal('artist'), artist: z.string().min(1) }),
]);

export const filtersSchema = z
  .object({
    excludeSameArtist: z.boolean(),
    excludeSameAlbum: z.boolean(),
    minDuration: z.number().min(0),
    maxDuration: z.number().min(0),
    minBpm: z.number().min(0),
    maxBpm: z.number().min(0),
    compatibleKey: z.boolean(),
    genre: z.string(),
    folder: z.string(),
  })
  .partial();

export const sourceSchema = z.enum(['embedding', 'features', 'blend']);

export const varietySchema = z
  .object({
    maxPerArtist: z.number().int().min(1).max(100),
    artistWindow: z.number().int().min(1).max(1000),
    noConsecutiveAlbum: z.boolean(),
    collapseDuplicates: z.boolean(),
    diversity: z.number().min(0).max(1),
    recentlyPlayed: z.array(id).max(10000),
  })
  .partial();

export const settingsPatchSchema = z
  .object({
    ffmpegPath: z.string().max(4096),
    workers: z.number().int().min(1).max(64),
    model: z.string().min(1).max(100),
    patchesPerTrack: z.number().int().min(0).max(10000),
    windowsPerTrack: z.number().int().min(0).max(1000),
    similarity: z
      .object({
        source: sourceSchema,
        embeddingWeight: z.number().min(0).max(1),
        featureWeight: z.number().min(0).max(1),
        hubnessReduction: z.boolean(),
      })
      .partial(),
    variety: varietySchema,
    playback: z
      .object({
        transition: z.enum(['off', 'gapless', 'crossfade']),
        crossfadeSeconds: z.number().min(1).max(12),
        albumGapless: z.boolean(),
      })
      .partial(),
  })
  .partial();

const empty = z.object({}).strict();

/** A clustering run's options (`clusters.run` waits for it, `clusters.start` answers at once). */
const clusterRunSchema = z
  .object({
    algorithm: z.enum(['kmeans', 'gmm', 'hdbscan', 'dbscan', 'agglomerative', 'auto']).default('auto'),
    space: z.enum(['default', 'embedding', 'features']).default('default'),
    k: z.number().int().min(2).max(200).optional(),
    /** Clusters only the tracks this query selects (src/main/library/track-query.ts). */
    where: z.string().trim().max(1000).optional(),
  })
  .refine((r) => r.k === undefined || ['kmeans', 'gmm', 'agglomerative'].includes(r.algorithm), {
    message: 'k applies to kmeans, gmm and agglomerative only',
  });

/** Request schemas, one per method. */
export const requestSchemas = {
  'app.info': empty,
  'library.scan': z.object({
    roots: z.array(z.string().min(1).max(4096)).min(1).max(100),
    prune: z.boolean().optional(),
  }),
  'library.cancelScan': empty,
  'library.list': z
    .object({
      text: z.string().max(500),
      artist: z.string().max(500),
      album: z.string().max(500),
      genre: z.string().max(500),
      root: z.string().max(4096),
      includeMissing: z.boolean(),
      sort: z.enum(trackSortKeys),
      order: z.enum(['asc', 'desc']),
      offset: nonNegInt,
      limit: z.number().int().min(1).max(100000),
    })
    .partial(),
  'library.track': z.object({ id }),
  /** Distinct artists, albums or genres of the whole library containing `contains` (folded). */
  'library.values': z.object({
    field: z.enum(['artist', 'album', 'genre']),
    contains: z.string().max(500).optional(),
    limit: z.number().int().min(1).max(1000).optional(),
  }),
  'library.albums': z
    .object({
      text: z.string().max(500),
      artist: z.string().max(500),
      offset: nonNegInt,
      limit: z.number().int().min(1).max(10000),
    })
    .partial(),
  /** An album by its id, or the album a track belongs to ("Show album"). */
  'library.album': z
    .object({ id: id.optional(), trackId: id.optional() })
    .refine((r) => (r.id === undefined) !== (r.trackId === undefined), 'give either id or trackId'),
  'library.artists': z
    .object({ text: z.string().max(500), offset: nonNegInt, limit: z.number().int().min(1).max(10000) })
    .partial(),
  'library.artist': z.object({ name: z.string().min(1).max(500) }),
  /** Sub-folders of a folder on this machine, for the folder picker (no files are listed). */
  'fs.listDirs': z.object({ path: z.string().min(1).max(4096).optional() }),
  'library.stats': empty,
  'library.errors': z.object({ offset: nonNegInt, limit: z.number().int().min(1).max(100000) }).partial(),
  'library.roots': empty,
  'analysis.start': z
    .object({ workers: z.number().int().min(1).max(64), model: z.string().min(1).max(100) })
    .partial(),
  'analysis.pause': empty,
  'analysis.resume': empty,
  'analysis.cancel': empty,
  'analysis.status': empty,
  'analysis.errors': z.object({ offset: nonNegInt, limit: z.number().int().min(1).max(100000) }).partial(),
  'analysis.track': z.object({ id }),
  /** Analyses these tracks before the others (starting a run when none is under way). */
  'analysis.prioritize': z.object({ ids: z.array(id).min(1).max(100) }),
  'similar.tracks': z.object({
    seed: seedSchema,
    k: z.number().int().min(1).max(1000).optional(),
    source: sourceSchema.optional(),
    filters: filtersSchema.optional(),
  }),
  'similar.queue': z.object({
    seed: seedSchema,
    length: z.number().int().min(1).max(1000).optional(),
    source: sourceSchema.optional(),
    filters: filtersSchema.optional(),
    variety: varietySchema.optional(),
  }),
  'similar.radio': z.object({
    seed: seedSchema,
    /** Tracks already queued or played in this radio session, oldest first. */
    history: z.array(id).max(10000).optional(),
    skipped: z.array(id).max(10000).optional(),
    count: z.number().int().min(1).max(200).optional(),
    variety: varietySchema.optional(),
  }),
  'similar.path': z.object({ from: id, to: id, steps: z.number().int().min(1).max(200).optional() }),
  'similar.explain': z.object({ a: id, b: id }),
  'similar.clusterSuggestions': z.object({
    id,
    sameCluster: z.number().int().min(0).max(200).optional(),
    perOtherCluster: z.number().int().min(0).max(50).optional(),
  }),
  /** Clusters the analysed library and stores the run as the active one. */
  'clusters.run': clusterRunSchema,
  /** The active run with a profile per cluster. */
  'clusters.list': empty,
  /** Why a track is in its cluster of the active run (the features that put it there). */
  'clusters.why': z.object({ id }),
  /** 2-D coordinates per track of the active run. */
  'clusters.map': z.object({ method: z.enum(['umap', 'pca', 'tsne']).default('umap') }),
  /** Makes tracks without audio from a Spotify-style feature table (CSV at an absolute path). */
  'library.importFeatures': z.object({ path: z.string().min(1).max(4096) }),
  // ---- Issue 10 (clusters UI and map): progress, cancel, export, tracks by id. One block.
  /**
   * Starts a clustering run in the background (same options as clusters.run) and answers at once;
   * `clusters.progress` events follow it to the end (state done, cancelled or failed).
   */
  'clusters.start': clusterRunSchema,
  /** Stops the clustering run under way (its caller gets a `cancelled` error); false when none was. */
  'clusters.cancel': empty,
  /** Where the latest clustering run stands (idle before any in this process). */
  'clusters.status': empty,
  /**
   * A file to save: the run's tracks as CSV (cluster, strength, map coordinates), one cluster as an
   * M3U, every cluster as one M3U each, or any list of tracks (a queue, a map selection) as an M3U.
   * `runId` picks a stored run other than the active one.
   */
  'clusters.export': z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('csv'), runId: id.optional() }),
    z.object({ kind: z.literal('cluster'), clusterId: z.number().int().min(-1), runId: id.optional() }),
    z.object({ kind: z.literal('playlists'), runId: id.optional() }),
    z.object({
      kind: z.literal('tracks'),
      ids: z.array(id).min(1).max(100000),
      name: z.string().min(1).max(200).optional(),
    }),
  ]),
  /** Catalogued tracks by id, in the order asked (unknown ids are left out): play a cluster or a map selection. */
  'library.tracksById': z.object({ ids: z.array(id).min(1).max(100000) }),
  // ---- end of issue 10 block
  'sound.find': z.object({
    query: z.string().trim().min(1).max(300),
    limit: z.number().int().min(1).max(1000).optional(),
  }),
  'settings.get': empty,
  'settings.set': settingsPatchSchema,
  /** Writes the tracks (in order) as an M3U playlist at an absolute .m3u/.m3u8 path. */
  'playlist.save': z.object({ path: z.string().min(1).max(4096), ids: z.array(id).min(1).max(20000) }),
  /** Reads an M3U playlist: the catalogued tracks it lists, and the entries that are not. */
  'playlist.open': z.object({ path: z.string().min(1).max(4096) }),
} as const;

export type Method = keyof typeof requestSchemas;
export type Request<M extends Method> = z.input<(typeof requestSchemas)[M]>;
export type ParsedRequest<M extends Method> = z.output<(typeof requestSchemas)[M]>;

export interface ClusterSuggestions {
  /** False until clusters have been computed: then only sameCluster (plain neighbours) is filled. */
  clustersAvailable: boolean;
  seedCluster: ClusterInfo | null;
  sameCluster: SimilarTrack[];
  otherClusters: { cluster: ClusterInfo; tracks: SimilarTrack[] }[];
  /** The active clustering run no longer matches the analysed library (re-run to refresh). */
  stale?: boolean;
}

/** Response types, one per method. */
export interface Responses {
  'app.info': AppInfo;
  'library.scan': ScanSummary;
  'library.cancelScan': { cancelled: boolean };
  'library.list': TrackPage;
  'library.track': Track | null;
  'library.values': { total: number; values: ValueCount[] };
  'library.albums': { total: number; albums: AlbumSummary[] };
  'library.album': AlbumDetail | null;
  'library.artists': { total: number; artists: ArtistSummary[] };
  'library.artist': ArtistDetail | null;
  'fs.listDirs': DirListing;
  'library.stats': LibraryStats;
  'library.errors': { total: number; errors: ScanErrorRecord[] };
  'library.roots': string[];
  'analysis.start': AnalysisProgress;
  'analysis.pause': AnalysisProgress;
  'analysis.resume': AnalysisProgress;
  'analysis.cancel': AnalysisProgress;
  'analysis.status': AnalysisProgress;
  'analysis.errors': { total: number; errors: AnalysisErrorRecord[] };
  'analysis.track': TrackAnalysisInfo | null;
  'analysis.prioritize': AnalysisProgress;
  'similar.tracks': SimilarResult;
  'similar.queue': QueueResult;
  'similar.radio': QueueResult;
  'similar.path': QueueResult;
  'similar.explain': Explanation;
  'similar.clusterSuggestions': ClusterSuggestions;
  'clusters.run': ClusterRun;
  'clusters.list': ClusterList;
  'clusters.map': ClusterMap;
  'clusters.why': ClusterMembershipWhy;
  'clusters.start': ClusterProgress;
  'clusters.cancel': { cancelled: boolean };
  'clusters.status': ClusterProgress;
  'clusters.export': { files: ExportFile[] };
  'library.tracksById': Track[];
  'library.importFeatures': FeatureImportSummary;
  'sound.find': SoundSearchResult;
  'settings.get': Settings;
  'settings.set': Settings;
  'playlist.save': { path: string; written: number; skipped: number };
  'playlist.open': { path: string; tracks: Track[]; missing: string[] };
}

export type Response<M extends Method> = Responses[M];

interface EventPayloads {
  'scan.progress': ScanProgress;
  'analysis.progress': AnalysisProgress;
  'library.changed': { reason: 'scan' | 'analysis' | 'settings' };
  'clusters.progress': ClusterProgress;
}
/** Events pushed from the core to clients: a payload type for every name in the wire's list. */
export type Events = { [E in EventName]: EventPayloads[E] };

/** What every client (preload bridge, HTTP client) offers the renderer. */
export interface TimbreClient {
  invoke<M extends Method>(method: M, request: Request<M>): Promise<Response<M>>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
  /** A URL the <audio> element can play (with seeking) for a catalogued track. */
  mediaUrl(trackId: string): string;
}

export function isMethod(name: unknown): name is Method {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(requestSchemas, name);
}

/** One thing a request's schema refused: the field (dotted path, "(request)" for the whole) and why. */
export interface RequestIssue {
  path: string;
  message: string;
}

/**
 * A request its schema refuses. It crosses the wire as any `bad_request`; in-process callers (the
 * CLI) read `issues` to name their own inputs (options) instead of the request's fields.
 */
export class InvalidRequestError extends ApiError {
  constructor(
    readonly method: Method,
    readonly issues: RequestIssue[],
    /** Defaults to every issue, "field: why", after the method. */
    message = `invalid request for ${method}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
  ) {
    super('bad_request', message);
    this.name = 'InvalidRequestError';
  }
}

/** Validates a request that came from another process; throws InvalidRequestError (`bad_request`). */
export function parseRequest<M extends Method>(method: M, request: unknown): ParsedRequest<M> {
  const result = requestSchemas[method].safeParse(request ?? {});
  if (!result.success) {
    const issues = result.error.issues.map((i) => ({
      path: i.path.join('.') || '(request)',
      message: i.message,
    }));
    // Settings are typed by people: say what to change, in words.
    if (method === 'settings.set') {
      const words = settingsProblems(result.error.issues).map((p) => p.message);
      throw new InvalidRequestError(method, issues, `${words.join('. ')}.`);
    }
    throw new InvalidRequestError(method, issues);
  }
  return result.data as ParsedRequest<M>;
}

export type { Settings };
// The wire's names, re-exported for the contract's callers (they throw ApiError and name events).
export { ApiError, type ApiErrorCode, type EventName } from './wire';
