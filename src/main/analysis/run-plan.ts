/**
 * The plan of an analysis run: at which version (the model a run with these settings uses and the
 * analysis version it makes), which tracks (present, not analysed or failed at that version, or
 * rewritten since), and in what order (longest first). Pure decisions over the catalog and the
 * results store; the engine and the run carry them out.
 */
import { stat } from 'node:fs/promises';
import type { Track } from '../../shared/types';
import { isImported } from '../../shared/imported';
import { FEATURES_VERSION } from './features/extract';
import { DEFAULT_PATCHES_PER_TRACK, DEFAULT_WINDOWS_PER_TRACK } from './models/embedder';
import {
  ModelUnavailableError,
  resolveModel as defaultResolveModel,
  sha256File,
  type DownloadProgress,
  type ResolvedModel,
  type ResolveOptions,
} from './models/manager';
import type { ResultsStore, Stamp } from './results-store';
import type { AnalysisJob } from './types';
import { analysisVersion } from './version';

/** What the engine needs of the catalog (Catalog satisfies it). */
export interface TrackSource {
  /** Present tracks; with includeMissing, also those whose file is gone (kept, not analysed). */
  allTracks(options?: { includeMissing?: boolean }): Promise<Track[]> | Track[];
}

/** What the plan reads of the results store. */
export type StampSource = Pick<ResultsStore, 'prune' | 'stamps'>;

export interface RunPlan {
  model: ResolvedModel | null;
  note: string | undefined;
  version: string;
  /** Excerpts per track for this model: windows (EfficientAT) or patches (the others). */
  perTrack: number;
  /** The model asked for does not exist at all (a typo): a run stops rather than go on without. */
  unknownModel?: Error;
}

export interface ModelPlannerOptions {
  /** Timbre home (models are cached there). */
  home: string;
  /** Folder holding model sources (H5), see the model manager. */
  modelsDir?: string;
  /** Whether runs may download a missing model (status screens never do). */
  allowDownload?: boolean;
  /** Model resolution (default: the model manager's resolveModel). */
  resolveModel?: (id: string, options: ResolveOptions) => Promise<ResolvedModel>;
}

/** Patches per track for the embedding: the request, else the default; 0 = every patch. */
export function patchesSetting(...candidates: (number | undefined)[]): number {
  const value = candidates.find((c) => c !== undefined) ?? DEFAULT_PATCHES_PER_TRACK;
  return Math.max(0, Math.floor(value));
}

/** EfficientAT windows per track: the request, else the default; 0 = every window. */
export function windowsSetting(...candidates: (number | undefined)[]): number {
  const value = candidates.find((c) => c !== undefined) ?? DEFAULT_WINDOWS_PER_TRACK;
  return Math.max(0, Math.floor(value));
}

/** Patches (MusiCNN, waveform models) and windows (EfficientAT) per track asked for a run. */
export interface Excerpts {
  patches: number;
  windows: number;
}

/** The analysis version of a run without a model. */
export function featuresOnlyVersion(patches: number): string {
  return analysisVersion({ featuresVersion: FEATURES_VERSION, model: null, patches });
}

/** Resolves the model of a run and the analysis version it makes (model hashes cached by file). */
export class ModelPlanner {
  private readonly hashCache = new Map<string, { key: string; hash: string }>();

  constructor(private readonly options: ModelPlannerOptions) {}

  /**
   * The model a run with these settings would use (resolved, converted on first use, never
   * downloaded unless allowed), why there is none, and the analysis version.
   */
  async plan(
    modelRequest: string,
    excerpts: Excerpts,
    allowDownload = this.options.allowDownload ?? false,
    onProgress?: (progress: DownloadProgress) => void,
  ): Promise<RunPlan> {
    let model: ResolvedModel | null = null;
    let note: string | undefined;
    let unknownModel: Error | undefined;
    if (modelRequest === 'none') {
      note = 'Model set to "none": analysing features only';
    } else {
      try {
        const resolve = this.options.resolveModel ?? defaultResolveModel;
        model = await resolve(modelRequest, {
          home: this.options.home,
          modelsDir: this.options.modelsDir,
          allowDownload,
          onProgress,
        });
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        if (err instanceof ModelUnavailableError && err.reason === 'unknown-model') unknownModel = err;
        note =
          !allowDownload &&
          this.options.allowDownload &&
          err instanceof ModelUnavailableError &&
          err.reason === 'no-source'
            ? `The ${modelRequest} model is not installed yet: the next analysis run downloads it`
            : `No ${modelRequest} model available (${reason}): analysing features only`;
      }
    }
    const hashed = model ? { id: model.id, hash: await this.modelHash(model.onnxPath) } : null;
    const perTrack = model?.kind === 'efficientat-mel' ? excerpts.windows : excerpts.patches;
    return {
      model,
      note,
      perTrack,
      version: analysisVersion({
        featuresVersion: FEATURES_VERSION,
        model: hashed,
        patches: perTrack,
        ...(model?.kind === 'efficientat-mel' ? { windowSeconds: model.windowSeconds } : {}),
      }),
      ...(unknownModel ? { unknownModel } : {}),
    };
  }

  private async modelHash(path: string): Promise<string> {
    const s = await stat(path);
    const key = `${s.size}:${s.mtimeMs}`;
    const cached = this.hashCache.get(path);
    if (cached && cached.key === key) return cached.hash;
    const hash = await sha256File(path);
    this.hashCache.set(path, { key, hash });
    return hash;
  }
}

/**
 * Whether a stored analysis (or failure) stands for the track at `version`: made at that version,
 * and not before the file was rewritten (new audio under the same id, or a broken file replaced:
 * its modification time is then later than the analysis). A moved file keeps its time and its
 * analysis; a time in the future (clock skew) counts only once reached.
 */
export function isCurrent(track: Track, stamp: Stamp | undefined, version: string, now: number): boolean {
  return (
    stamp !== undefined && stamp.version === version && !(track.mtimeMs > stamp.at && track.mtimeMs <= now)
  );
}

/**
 * Present tracks still to analyse at `version` (not analysed at it, not failed at it). With
 * `prune`, results of tracks the catalog no longer has are dropped first.
 */
export async function pendingTracks(
  catalog: TrackSource,
  store: StampSource,
  version: string,
  prune: boolean,
): Promise<Track[]> {
  const tracks = await catalog.allTracks({ includeMissing: true });
  if (prune) await store.prune(tracks.map((t) => t.id));
  // Per version: a model's own results count, so another model's results are neither lost nor
  // taken for this one's (switching back to a model whose results are stored costs nothing).
  const { analysed, failed } = await store.stamps(version);
  const now = Date.now();
  return tracks.filter(
    (t) =>
      t.status === 'ok' &&
      // Imported from a feature table: there is no audio to analyse.
      !isImported(t) &&
      !isCurrent(t, analysed.get(t.id), version, now) &&
      !isCurrent(t, failed.get(t.id), version, now),
  );
}

/** The jobs of a run in the order they are handed out; tracks asked for first lead. */
export function jobQueue(tracks: readonly Track[], first: ReadonlySet<string> = new Set()): AnalysisJob[] {
  const queue = [...tracks]
    // Longest first: the slowest tracks do not end up alone at the tail of the run.
    .sort((a, b) => b.duration - a.duration || a.path.localeCompare(b.path))
    .map((t) => ({
      trackId: t.id,
      path: t.path,
      ...(t.pathBytes ? { pathBytes: t.pathBytes } : {}),
      durationHint: t.duration,
      channelsHint: t.channels,
    }));
  putFirst(queue, first);
  return queue;
}

/**
 * Moves the jobs of these tracks to the front of the queue, in place (the worker pool holds the
 * same array). Returns whether the queue held any of them.
 */
export function putFirst(queue: AnalysisJob[], first: ReadonlySet<string>): boolean {
  if (first.size === 0) return false;
  const front = queue.filter((j) => first.has(j.trackId));
  if (front.length === 0) return false;
  const rest = queue.filter((j) => !first.has(j.trackId));
  queue.splice(0, queue.length, ...front, ...rest);
  return true;
}
