/**
 * Domain types shared by the core, every transport and the renderer.
 * Plain data only (JSON-serialisable): these cross process boundaries.
 */

export type TrackId = string;

export type TrackStatus = 'ok' | 'missing';

export interface Track {
  id: TrackId;
  /** Readable path; when the name is not UTF-8 its exact bytes are in `pathBytes`. */
  path: string;
  /** Base64 of the path's exact bytes, only when they are not valid UTF-8 (else absent or ''). */
  pathBytes?: string;
  /** The scan root (library folder) this file was found under. */
  root: string;
  size: number;
  /** Modification time in ms since the epoch. */
  mtimeMs: number;
  /** Content fingerprint: survives a rename or a move. */
  fingerprint: string;
  /** Container format as music-metadata names it (e.g. "MPEG", "FLAC", "Ogg"). */
  format: string;
  codec: string;
  /** Seconds; 0 when unknown. */
  duration: number;
  sampleRate: number;
  channels: number;
  /** Bits per second; 0 when unknown. */
  bitrate: number;
  title: string;
  artists: string[];
  /** First artist or "Unknown Artist": what lists and filters show. */
  artist: string;
  album: string;
  albumArtist: string;
  trackNo: number | null;
  discNo: number | null;
  year: number | null;
  genres: string[];
  hasCover: boolean;
  /** MusicBrainz ids present in the tags (recording, track, album, artist, release group). */
  musicbrainz: Partial<Record<'recordingId' | 'trackId' | 'albumId' | 'artistId' | 'releaseGroupId', string>>;
  status: TrackStatus;
  addedAt: number;
  updatedAt: number;
}

export interface ScanErrorRecord {
  path: string;
  /** As on Track: the exact bytes of a path that is not UTF-8. */
  pathBytes?: string;
  root: string;
  reason: string;
  size: number;
  mtimeMs: number;
  at: number;
}

export interface ScanProgress {
  phase: 'walking' | 'reading' | 'writing' | 'done' | 'cancelled';
  roots: string[];
  found: number;
  /** Files handled so far, unreadable ones included. */
  processed: number;
  /** Files whose size and mtime were unchanged (not reopened). */
  unchanged: number;
  added: number;
  updated: number;
  moved: number;
  failed: number;
  missing: number;
  removed: number;
  /** Files per second since the scan started. */
  rate: number;
  elapsedMs: number;
  currentPath?: string;
}

/** Files under a root that are neither tracks nor errors, counted by reason. */
export interface ScanSkip {
  reason: string;
  count: number;
  /** A few of the paths (readable form). */
  examples: string[];
}

export type ScanSummary = Omit<ScanProgress, 'currentPath'> & {
  /** Everything found that is not a track or an error, by reason. */
  skipped: ScanSkip[];
  /**
   * Files under the scanned roots that cannot be read now: this scan's failures and the known
   * ones that did not change (`failed` counts only the files read and failed in this scan).
   */
  unreadable: number;
  /** Roots that were not reachable: their tracks were left untouched. */
  unavailableRoots: string[];
};

export interface LibraryStats {
  tracks: number;
  missing: number;
  errors: number;
  artists: number;
  albums: number;
  genres: number;
  totalDuration: number;
  totalSize: number;
  roots: string[];
  formats: Record<string, number>;
  analysed: number;
  analysisFailed: number;
  analysisPending: number;
  /** The model of the analysis under way, or the one the next run will use (null: features only). */
  analysisModel: string | null;
  /** Why there is no model, when there is none. */
  analysisModelNote?: string;
  /**
   * The model whose results answer "play similar" (null: features only). While the library is
   * analysed with a newly chosen model it is the previous one, until the new one covers the library.
   */
  similarityModel: string | null;
  /** Analysed tracks "play similar" can use (with features; embedded or not). */
  similarityTracks: number;
  /** Results kept per model: present tracks each model has analysed, or failed on. */
  models: ModelResults[];
  schemaVersion: number;
  /** What the last finished scan skipped, by reason (neither tracks nor errors). */
  skipped: ScanSkip[];
}

export interface ModelResults {
  model: string;
  analysed: number;
  failed: number;
}

export interface TrackQuery {
  text?: string;
  artist?: string;
  album?: string;
  genre?: string;
  root?: string;
  includeMissing?: boolean;
  sort?: 'artist' | 'album' | 'title' | 'added' | 'duration' | 'path';
  offset?: number;
  limit?: number;
}

export interface TrackPage {
  total: number;
  offset: number;
  tracks: Track[];
}

/** Named scalar features of one track (what the UI and explanations show). */
export interface FeatureScalars {
  bpm: number;
  bpmConfidence: number;
  danceability: number;
  onsetRate: number;
  key: string;
  scale: 'major' | 'minor';
  keyStrength: number;
  loudness: number;
  loudnessRange: number;
  dynamicComplexity: number;
  rms: number;
  spectralCentroid: number;
  spectralRolloff: number;
  spectralFlux: number;
  spectralFlatness: number;
  zeroCrossingRate: number;
  [name: string]: number | string;
}

export interface TagScore {
  tag: string;
  score: number;
}

export interface TrackAnalysisInfo {
  trackId: TrackId;
  analysisVersion: string;
  analysedAt: number;
  features: FeatureScalars;
  /** Top tags per model, best first. */
  tags: Record<string, TagScore[]>;
  models: string[];
}

export type AnalysisState = 'idle' | 'running' | 'paused' | 'cancelling';

export interface AnalysisProgress {
  state: AnalysisState;
  total: number;
  /** Tracks finished in this run, failed ones included. */
  done: number;
  failed: number;
  /**
   * Tracks of this run whose results are in the database, and failures recorded there: what the
   * run really did (a write that fails, on a full disk say, loses what `done` counted).
   */
  stored: number;
  storedFailed: number;
  /** Tracks per minute over the recent window. */
  tracksPerMinute: number;
  etaSeconds: number | null;
  current: string[];
  workers: number;
  model: string | null;
  /** Why no model is used, when none is (or what the model is doing: downloading, converting). */
  modelNote?: string;
  /** Why the last run stopped early (no ffmpeg, an unknown model, a database error). */
  error?: string;
}

export interface AnalysisErrorRecord {
  trackId: TrackId;
  path: string;
  reason: string;
  analysisVersion: string;
  at: number;
}

export type SimilaritySource = 'embedding' | 'features' | 'blend';

export interface SimilarityFilters {
  excludeSameArtist?: boolean;
  excludeSameAlbum?: boolean;
  minDuration?: number;
  maxDuration?: number;
  minBpm?: number;
  maxBpm?: number;
  /** Only keys compatible with the seed's (same, relative, fifth apart). */
  compatibleKey?: boolean;
  genre?: string;
  folder?: string;
}

export type Seed =
  | { kind: 'track'; id: TrackId }
  | { kind: 'tracks'; ids: TrackId[] }
  | { kind: 'album'; album: string; albumArtist?: string }
  | { kind: 'artist'; artist: string };

export interface SimilarTrack {
  track: Track;
  /**
   * Higher is closer: cosine similarity in [-1, 1], or with hubness reduction on, the mutual-proximity
   * probability in [0, 1] that the two tracks are each other's neighbours.
   */
  score: number;
  distance: number;
  /**
   * The score a listener can read: the share of the library's track pairs (in percent) that are
   * less similar than this one (99: closer than 99 % of pairs). Absent on path steps.
   */
  percentile?: number;
  clusterId?: number;
}

export interface SimilarResult {
  seedIds: TrackId[];
  source: SimilaritySource;
  results: SimilarTrack[];
  tookMs: number;
}

export interface VarietyRules {
  maxPerArtist: number;
  artistWindow: number;
  noConsecutiveAlbum: boolean;
  collapseDuplicates: boolean;
  /** 0 = more of the same, 1 = explore (MMR trade-off). */
  diversity: number;
  /** Track ids recently played: held back from the queue. */
  recentlyPlayed?: TrackId[];
}

export interface QueueResult {
  seedIds: TrackId[];
  tracks: SimilarTrack[];
  tookMs: number;
}

export interface ExplanationFeature {
  name: string;
  label: string;
  a: number | string;
  b: number | string;
  /** Words a listener understands: "both around 128 BPM". */
  text: string;
}

export interface Explanation {
  a: TrackId;
  b: TrackId;
  score: number;
  /** Where the pair stands among the library's pairs, in percent (see SimilarTrack.percentile). */
  percentile: number;
  summary: string;
  sharedTags: string[];
  closest: ExplanationFeature[];
  mostDifferent: ExplanationFeature[];
}

export interface ClusterInfo {
  id: number;
  label: string;
  size: number;
  topTags: string[];
  exemplarIds: TrackId[];
}

export interface MapPoint {
  id: TrackId;
  x: number;
  y: number;
  clusterId: number;
  /** For hovering on the map without a look-up (absent for a track the catalog no longer has). */
  title?: string;
  artist?: string;
}

export interface Settings {
  /** Explicit ffmpeg binary; empty means PATH, then the bundled one. */
  ffmpegPath: string;
  workers: number;
  model: 'mn04' | 'msd' | 'mtt' | 'none' | string;
  /** MusiCNN: 3-s patches taken per track for the embedding (0 = every patch). */
  patchesPerTrack: number;
  /** EfficientAT: 10-s windows taken per track, spread over it (0 = every window). */
  windowsPerTrack: number;
  similarity: {
    source: SimilaritySource;
    embeddingWeight: number;
    featureWeight: number;
    hubnessReduction: boolean;
  };
  variety: VarietyRules;
  playback: PlaybackSettings;
}

/** How one track hands over to the next. */
export type TrackTransition = 'off' | 'gapless' | 'crossfade';

export interface PlaybackSettings {
  /** off: the next track loads when one ends; gapless: it starts exactly at the end; crossfade: they overlap. */
  transition: TrackTransition;
  /** Length of the crossfade, seconds. */
  crossfadeSeconds: number;
  /** With crossfade on, consecutive tracks of one album still play gaplessly (no fade inside an album). */
  albumGapless: boolean;
}

export interface AppInfo {
  version: string;
  mode: 'electron' | 'browser';
  home: string;
  modelNote?: string;
}

/** One part of a sound query and the model labels it matched. */
export interface SoundSearchTerm {
  text: string;
  labels: string[];
}

export interface SoundSearchHit {
  track: Track;
  /** Geometric mean over the query's terms of the best matching label probability (0–1). */
  score: number;
  /** Per term, the label that matched best and its probability. */
  matched: TagScore[];
}

export interface SoundSearchResult {
  query: string;
  /** The model whose labels were searched (the one answering "play similar"); null: none. */
  model: string | null;
  terms: SoundSearchTerm[];
  /** Words of the query that no label (nor synonym) matched. */
  unknown: string[];
  /** Function words left out ("and", "with"). */
  ignored: string[];
  results: SoundSearchHit[];
  /** Why nothing could be searched, when so. */
  note?: string;
  tookMs: number;
}

/** One tuning candidate's scores, as stored with a clustering run. */
export interface ClusterCandidateScores {
  algorithm: string;
  params: Record<string, unknown>;
  silhouette: number | null;
  daviesBouldin: number | null;
  calinskiHarabasz: number | null;
  clusters: number;
  noiseShare: number;
  adjustedSilhouette: number | null;
  /** Davies–Bouldin and Calinski–Harabasz with noise rows attached to the nearest cluster (what the rule ranks). */
  partition?: { daviesBouldin: number | null; calinskiHarabasz: number | null };
  eligible: boolean;
  reason?: string;
  meanRank?: number;
  seconds?: number;
}

export interface ClusterRunMetrics {
  /** The winner's scores in the space it ran in (null before any were computed). */
  scores: {
    silhouette: number | null;
    daviesBouldin: number | null;
    calinskiHarabasz: number | null;
    clusters: number;
    noiseShare: number;
    silhouetteRows: number;
  } | null;
  /** The rule that picked the winner (absent when the parameters were given). */
  rule?: string;
  candidates: ClusterCandidateScores[];
  /** Seconds per step (reduce, cluster, metrics, map). */
  timings?: Record<string, number>;
}

/** A stored clustering run. */
export interface ClusterRunRecord {
  id: string;
  algorithm: string;
  params: Record<string, unknown>;
  /** The space asked for ('default', 'embedding', 'features') and what it resolved to, "default:blend". */
  space: string;
  reduce: { method: string; dims: number };
  metrics: ClusterRunMetrics;
  seconds: number;
  /** Timbre's version when the run was made. */
  libraryVersion: string;
  /** Fingerprint of the analysed tracks (ids and vectors) the run clustered. */
  fingerprint: string;
  trackCount: number;
  createdAt: number;
  /** The query that chose the clustered tracks ('' = the whole analysed library). */
  subset: string;
}

export interface ClusterRun extends ClusterRunRecord {
  /** The set of analysed tracks (or their vectors) changed since: the run no longer describes the library. */
  stale: boolean;
}

export interface ClusterProfileView {
  id: number;
  size: number;
  name: string;
  topTags: { tag: string; score: number; lift: number }[];
  distinctive: { feature: string; effect: number; word: string }[];
  cohesion: number;
  /** Medoid first, then the tracks nearest the centre. */
  representatives: { id: TrackId; title: string; artist: string }[];
  trackIds: TrackId[];
}

export interface ClusterList {
  run: ClusterRun | null;
  clusters: ClusterProfileView[];
  /** Tracks the run left as noise. */
  noiseIds: TrackId[];
}

/** Why a track is in its cluster: the per-feature terms of a linear surrogate, in listener words. */
export interface ClusterMembershipWhy {
  runId: string;
  trackId: TrackId;
  /** -1: the run left the track as noise (no reasons then). */
  clusterId: number;
  clusterName: string | null;
  /** Σ contributions: the surrogate's score for the track belonging to its cluster. */
  score: number;
  /** Largest first; weight × (value − library mean), weight = (cluster mean − library mean) / variance. */
  reasons: { feature: string; phrase: string; contribution: number }[];
}

export interface ClusterMap {
  runId: string | null;
  method: 'umap' | 'pca' | 'tsne';
  stale: boolean;
  points: MapPoint[];
}

/** What `library.importFeatures` made of a feature table. */
export interface FeatureImportSummary {
  path: string;
  /** Tracks the table now holds (new or updated). */
  imported: number;
  /** Tracks an earlier import of the same table had that it no longer has (removed). */
  removed: number;
  /** Rows not imported, with the line of the file they start on and why. */
  rejected: { line: number; reason: string }[];
  /** Header → what it was read as (a track field or a sound column). */
  columns: { header: string; as: string }[];
  /** Columns read but not used (not about the sound, or a second column for the same thing). */
  notUsed: string[];
  /** Columns Timbre does not know. */
  unknown: string[];
  /** Sound columns the table lacks. */
  missingSound: string[];
}

/** Where a clustering run stands (`clusters.progress` events, `clusters.status`). */
export interface ClusterProgress {
  state: 'idle' | 'running' | 'done' | 'cancelled' | 'failed';
  /** The step under way, in words ("reducing to 10-D (UMAP)", "k-means", "saving"). */
  phase: string;
  /** Work done and to do in this step (0/0 when the step cannot say). */
  done: number;
  total: number;
  /** What happened, in words: the outcome when the run has ended (error message on failure). */
  message: string;
  algorithm: string | null;
  space: string | null;
  tracks: number;
  /** True when the run executes in its own process (big libraries), off the service's thread. */
  inWorker: boolean;
  startedAt: number | null;
  /** The stored run, once done. */
  runId: string | null;
}

/** A file made for the user to save (browser mode downloads it as a Blob; the CLI writes it). */
export interface ExportFile {
  fileName: string;
  mimeType: string;
  content: string;
  /** Tracks it lists. */
  tracks: number;
}
