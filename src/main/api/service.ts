/**
 * The core behind the contract: one object that every transport (IPC, HTTP, CLI) calls.
 * It owns the catalog, the analysis engine, the similarity engine and the settings, and it is
 * the only writer of the database.
 */
import { InFlight } from '../in-flight';
import { ApiError, isMethod, parseRequest } from '../../shared/contract';
import type { EventName, Events, Method, ParsedRequest, Response } from '../../shared/contract';
import type { AnalysisProgress, Settings, Track } from '../../shared/types';
import { AnalysisEngine } from '../analysis/engine';
import type { WorkerHostFactory } from '../analysis/worker-host';
import { ResultsStore } from '../analysis/results-store';
import { homeLayout, homeProblem, resolveHome } from '../home/folder';
import { acquireHomeLock, type HomeAccess } from '../home/lock';
import { packageVersion } from '../project-root';
import { Catalog } from '../library/catalog';
import { formatM3u, isPlaylistPath, readPlaylist, writePlaylist } from '../library/playlist';
import { LibraryBrowser } from '../library/browse';
import { CoverStore } from '../library/covers';
import { listDirs } from '../library/folders';
import { resolveFfmpeg } from '../ffmpeg/resolve';
import { join, resolve } from 'node:path';
import { SettingsStore } from '../home/settings';
import { LiveSimilarityIndex } from '../similarity/live-index';
import { chooseAnsweringModel } from '../similarity/model-choice';
import { findBySound } from '../similarity/sound-search';
import { AutoAnalysis } from './auto-analysis';
import { vetFfmpegPath, type ConfirmFfmpegPath } from './ffmpeg-setting';
import type { Handlers, TimbreService } from './service-types';
import { ClusterService } from './clusters-service';
import { ClusterRunStore } from '../clusters/run-store';
import { ImportedFeatureStore } from '../library/imported-store';
import { importFeatures } from '../library/import-features';
import { IMPORTED_FORMAT, IMPORTED_PATH_PREFIX, isImported } from '../../shared/imported';

export interface ServiceOptions {
  home?: string;
  mode: 'electron' | 'browser' | 'cli';
  /** Where the MusiCNN .h5 files can be found before trying to download them. */
  modelsDir?: string;
  /** Electron passes a utilityProcess factory; the default forks Node processes. */
  workerHostFactory?: WorkerHostFactory;
  /** Start analysis by itself after a scan (the app does; the CLI has its own command). */
  autoAnalyze?: boolean;
  /**
   * 'write' (default) holds the home's writer lock until close: a second writer is refused with a
   * HomeLockedError. 'read' is for callers that never write (read-only CLI commands): they hold
   * the lock only while the database is opened, and run beside a writer.
   */
  access?: HomeAccess;
  /** What the lock file says runs here ("timbre scan"), shown to a refused process. */
  command?: string;
  /**
   * Asks the user outside the page before a page's change of the ffmpeg path (the app's native
   * dialog). Without it such a change is refused (browser mode); see ffmpeg-setting.ts.
   */
  confirmFfmpegPath?: ConfirmFfmpegPath;
}

/** How long close() waits for calls still under way before it closes the database. */
const CALL_DRAIN_MS = 10_000;

/** Opens the catalog and the results tables; closes what it opened if the second part fails. */
async function openStores(home: string): Promise<{
  catalog: Catalog;
  results: ResultsStore;
  clusterRuns: ClusterRunStore;
  importedFeatures: ImportedFeatureStore;
}> {
  const catalog = await Catalog.open(home);
  try {
    return {
      catalog,
      results: await ResultsStore.open(catalog.db),
      clusterRuns: await ClusterRunStore.open(catalog.db),
      importedFeatures: await ImportedFeatureStore.open(catalog.db),
    };
  } catch (err) {
    await catalog.close();
    throw err;
  }
}

type Listener = <E extends EventName>(event: E, payload: Events[E]) => void;

export type CoreService = TimbreService & {
  readonly home: string;
  readonly catalog: Catalog;
  readonly engine: AnalysisEngine;
  readonly results: ResultsStore;
  readonly settings: SettingsStore;
};

export async function createService(options: ServiceOptions): Promise<CoreService> {
  const home = resolveHome(options.home);
  // Every entry (CLI, browser mode, the app) refuses a data folder that cannot be one, in words.
  const problem = homeProblem(home);
  if (problem) throw new Error(problem);
  const layout = homeLayout(home);
  const settings = new SettingsStore(layout.settings);
  const access = options.access ?? 'write';
  const command = options.command ?? `Timbre (${options.mode})`;
  const lock = await acquireHomeLock(home, { access, command });
  const { catalog, results, clusterRuns, importedFeatures } = await openStores(home).catch((err: unknown) => {
    lock.release();
    throw err;
  });
  // Opening may create or migrate tables; after it a reader writes nothing and lets writers in.
  if (access === 'read') lock.release();
  else lock.markReady();
  const listeners = new Set<Listener>();
  const emit: Listener = (event, payload) => {
    for (const listener of listeners) {
      try {
        listener(event, payload);
      } catch (err) {
        process.emitWarning(`event listener failed: ${String(err)}`);
      }
    }
  };

  const engine = new AnalysisEngine({
    home,
    catalog,
    store: results,
    modelsDir: options.modelsDir ?? process.env.TIMBRE_MODELS_DIR,
    // The weights are fetched once from their pinned upstream address; offline this fails fast
    // and the engine says it runs on features alone.
    allowDownload: true,
    hostFactory: options.workerHostFactory,
  });
  engine.on('progress', (p: AnalysisProgress) => {
    emit('analysis.progress', p);
    if (p.state === 'idle') emit('library.changed', { reason: 'analysis' });
  });
  // Written results change what "similar" answers; tell clients at most every few seconds.
  let lastChangedAt = 0;
  // Joins still under way: close() waits for them before the database goes (native handles used
  // after close can take the process down).
  const joinsInFlight = new InFlight();
  engine.on('written', (ids: string[]) => {
    // New tracks join the similarity engine at once; anything else waits for its rebuild. Then
    // they join the active clustering run (assigned, not re-run), off the analysis path.
    const job = similarity
      .added(ids)
      .then(() => clusters.join(ids))
      .then(
        () => undefined,
        (err: unknown) => process.emitWarning(`new tracks did not join the clusters: ${String(err)}`),
      );
    joinsInFlight.track(job);
    const now = Date.now();
    if (now - lastChangedAt > 5000) {
      lastChangedAt = now;
      emit('library.changed', { reason: 'analysis' });
    }
  });
  const startAnalysis = async (req: { workers?: number; model?: string }) => {
    const s = await settings.get();
    return engine.start({
      workers: req.workers ?? s.workers,
      model: req.model ?? s.model,
      patches: s.patchesPerTrack,
      windows: s.windowsPerTrack,
      ffmpegPath: s.ffmpegPath || undefined,
    });
  };

  /** The version and model of the run under way, or else of the one the settings would start. */
  const analysisTarget = async (): Promise<{
    version: string | null;
    model: string | null;
    note?: string;
  }> => {
    const status = engine.status();
    if (engine.busy) return { version: engine.currentVersion, model: status.model, note: status.modelNote };
    const s = await settings.get();
    const next = await engine.nextRun({
      model: s.model,
      patches: s.patchesPerTrack,
      windows: s.windowsPerTrack,
    });
    return { version: next.version, model: next.model, note: next.modelNote };
  };

  const similarity = new LiveSimilarityIndex(catalog, results, () => settings.get());
  const autoAnalysis = new AutoAnalysis(
    engine,
    () => startAnalysis({}),
    (err) => process.emitWarning(`analysis after a scan did not start: ${String(err)}`),
  );
  /** Catalogued tracks by id, in the order asked; unknown ids left out. */
  const tracksById = (ids: string[]): Track[] => catalog.getMany(ids);
  const clusters = new ClusterService(
    clusterRuns,
    () => similarity.engine(),
    async () => {
      const tracks = (await catalog.allTracks()).filter(isImported);
      return tracks.length > 0 ? { tracks, features: await importedFeatures.loadAll() } : null;
    },
    {
      onProgress: (p) => emit('clusters.progress', p),
      tracks: tracksById,
      canWrite: access !== 'read',
    },
  );

  const browser = new LibraryBrowser(catalog);
  const covers = new CoverStore({
    dir: join(home, 'covers'),
    ffmpeg: async () => (await resolveFfmpeg((await settings.get()).ffmpegPath || undefined)).path,
  });

  let scanAbort: AbortController | null = null;

  /** A patch that sets a new, non-empty ffmpeg path (an empty one means: find it on PATH). */
  const ffmpegPathChanges = async (patch: { ffmpegPath?: string }): Promise<boolean> =>
    !!patch.ffmpegPath && patch.ffmpegPath !== (await settings.get()).ffmpegPath;

  const settingsChanged = async (next: Settings): Promise<Settings> => {
    similarity.reset();
    emit('library.changed', { reason: 'settings' });
    return next;
  };

  const handlers: Handlers = {
    'app.info': async () => ({
      version: packageVersion(),
      mode: options.mode === 'electron' ? 'electron' : 'browser',
      home,
      modelNote: engine.status().modelNote,
    }),
    'library.scan': async (req) => {
      if (scanAbort) throw new ApiError('unavailable', 'a scan is already running');
      scanAbort = new AbortController();
      try {
        const summary = await catalog.scan(req.roots, {
          prune: req.prune,
          signal: scanAbort.signal,
          onProgress: (p) => emit('scan.progress', p),
        });
        if (summary.removed > 0)
          await results.prune((await catalog.allTracks({ includeMissing: true })).map((t) => t.id));
        // Tracks that went missing must not be suggested even by the engine answering meanwhile.
        if (summary.removed > 0 || summary.missing > 0) similarity.reset();
        else similarity.invalidate();
        emit('library.changed', { reason: 'scan' });
        if (options.autoAnalyze && summary.phase === 'done') await autoAnalysis.afterScan();
        return summary;
      } catch (err) {
        throw err instanceof ApiError ? err : new ApiError('bad_request', (err as Error).message);
      } finally {
        scanAbort = null;
      }
    },
    'library.cancelScan': async () => {
      if (!scanAbort) return { cancelled: false };
      scanAbort.abort();
      return { cancelled: true };
    },
    'library.list': (req) => browser.list({ ...req, root: req.root ? resolve(req.root) : undefined }),
    'library.track': (req) => catalog.get(req.id),
    'library.values': (req) => browser.values(req.field, req.contains, req.limit),
    'library.albums': (req) => browser.albums(req),
    'library.album': async (req) => {
      const albumId = req.id ?? (req.trackId ? await browser.albumIdOf(req.trackId) : null);
      return albumId ? browser.album(albumId) : null;
    },
    'library.artists': (req) => browser.artists(req),
    'library.artist': (req) => browser.artist(req.name),
    'fs.listDirs': (req) => listDirs(req.path),
    'library.stats': async () => {
      const [stats, target, albums, tracks, s] = await Promise.all([
        catalog.stats(),
        analysisTarget(),
        browser.albums({ limit: 1 }),
        catalog.allTracks(),
        settings.get(),
      ]);
      const present = new Set(tracks.map((t) => t.id));
      const [counts, coverage, usable] = await Promise.all([
        results.counts(target.version ?? undefined),
        results.coverage(present),
        results.counts(),
      ]);
      // The run under way (or the settings) name the model being analysed; what answers meanwhile
      // is chosen like the similarity cache chooses it.
      const choice = chooseAnsweringModel(coverage, engine.busy ? (target.model ?? 'none') : s.model);
      return {
        ...stats,
        // Albums as the Albums screen groups them (a compilation tagged per track is one album).
        albums: albums.total,
        analysed: counts.analysed,
        analysisFailed: counts.failed,
        // Imported tracks (a feature table, no audio) are never analysed.
        analysisPending: Math.max(
          0,
          stats.tracks - (stats.formats[IMPORTED_FORMAT] ?? 0) - counts.analysed - counts.failed,
        ),
        analysisModel: target.model,
        ...(target.note ? { analysisModelNote: target.note } : {}),
        similarityModel: choice.model,
        similarityTracks: Math.min(usable.analysed, stats.tracks),
        models: coverage.map((c) => ({ model: c.model, analysed: c.embedded, failed: c.failed })),
      };
    },
    'library.errors': (req) => catalog.errors(req),
    'library.roots': () => catalog.roots(),
    'analysis.start': (req) => startAnalysis(req),
    'analysis.pause': async () => engine.pause(),
    'analysis.resume': async () => engine.resume(),
    'analysis.cancel': async () => {
      autoAnalysis.userCancelled();
      return engine.cancel();
    },
    'analysis.status': async () => engine.status(),
    'analysis.prioritize': async (req) => {
      engine.prioritize(req.ids);
      // Idle: start a run (it builds its queue with these first); running or paused: already moved.
      return engine.status().state === 'idle' ? startAnalysis({}) : engine.status();
    },
    'analysis.errors': (req) => results.errors(req),
    'analysis.track': (req) => results.getTrackInfo(req.id),
    'similar.tracks': async (req) => (await similarity.engine()).similar(req),
    'similar.queue': async (req) => (await similarity.engine()).queue(req),
    'similar.radio': async (req) => (await similarity.engine()).radio(req),
    'similar.path': async (req) => (await similarity.engine()).path(req),
    'similar.explain': async (req) => (await similarity.engine()).explain(req.a, req.b),
    'similar.clusterSuggestions': async (req) => {
      const sim = await similarity.engine();
      const { applied, stale } = await clusters.applyTo(sim);
      const answer = sim.clusterSuggestions(req);
      return applied ? { ...answer, stale } : answer;
    },
    'clusters.run': (req) => clusters.run(req),
    'clusters.list': () => clusters.list(),
    'clusters.map': (req) => clusters.map(req),
    'clusters.why': (req) => clusters.why(req.id),
    'library.importFeatures': async (req) => {
      try {
        const summary = await importFeatures(catalog, importedFeatures, req.path);
        clusters.importedChanged();
        // New rows join an active run on imported features, as analysed tracks join theirs.
        const root = `${IMPORTED_PATH_PREFIX}${summary.path}`;
        await clusters.join((await catalog.allTracks()).filter((t) => t.root === root).map((t) => t.id));
        emit('library.changed', { reason: 'scan' });
        return summary;
      } catch (err) {
        throw err instanceof ApiError ? err : new ApiError('bad_request', (err as Error).message);
      }
    },
    'clusters.start': async (req) => clusters.start(req),
    'clusters.cancel': async () => clusters.cancel(),
    'clusters.status': async () => clusters.status(),
    'clusters.export': (req) => clusters.export(req),
    'library.tracksById': async (req) => tracksById(req.ids),
    'sound.find': async (req) =>
      findBySound((await similarity.engine()).soundLibrary(), req.query, req.limit),
    'settings.get': () => settings.get(),
    'settings.set': async (req) => {
      if (await ffmpegPathChanges(req)) await vetFfmpegPath(req.ffmpegPath as string, 'local');
      return settingsChanged(await settings.update(req));
    },
    'playlist.save': async (req) => {
      if (!isPlaylistPath(req.path))
        throw new ApiError(
          'bad_request',
          `A playlist is saved at a full path ending in .m3u or .m3u8: ${req.path}`,
        );
      const tracks = (await Promise.all(req.ids.map((trackId) => catalog.get(trackId)))).filter(
        (t): t is Track => t !== null,
      );
      if (tracks.length === 0) throw new ApiError('not_found', 'None of these tracks is in the library.');
      try {
        await writePlaylist(req.path, formatM3u(tracks));
      } catch (err) {
        throw new ApiError(
          'bad_request',
          `Cannot save the playlist: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      return { path: req.path, written: tracks.length, skipped: req.ids.length - tracks.length };
    },
    'playlist.open': async (req) => {
      if (!isPlaylistPath(req.path))
        throw new ApiError('bad_request', `Give the full path of an .m3u or .m3u8 file: ${req.path}`);
      let paths: string[];
      try {
        paths = await readPlaylist(req.path);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new ApiError(
          code === 'ENOENT' ? 'not_found' : 'bad_request',
          code === 'ENOENT'
            ? `No playlist at ${req.path}`
            : `Cannot read the playlist: ${(err as Error).message}`,
        );
      }
      const tracks: Track[] = [];
      const missing: string[] = [];
      for (const path of paths) {
        const track = await catalog.getByPath(path);
        if (track) tracks.push(track);
        else missing.push(path);
      }
      return { path: req.path, tracks, missing };
    },
  };

  // Calls under way (close() lets them finish before the database goes) and whether close began
  // (then no new call starts: it would open tables on a closing database).
  const callsInFlight = new InFlight();
  let closing = false;
  function guarded<T>(call: () => Promise<T>): Promise<T> {
    if (closing) return Promise.reject(new ApiError('unavailable', 'Timbre is shutting down.'));
    return callsInFlight.track(call());
  }

  function invoke(method: string, request: unknown): Promise<unknown> {
    return guarded(() => invokeNow(method, request));
  }

  async function invokeNow(method: string, request: unknown): Promise<unknown> {
    if (!isMethod(method)) throw new ApiError('not_found', `unknown method: ${method}`);
    const parsed = parseRequest(method, request);
    if (method === 'settings.set') {
      const patch = parsed as ParsedRequest<'settings.set'>;
      if (await ffmpegPathChanges(patch)) {
        // From a page: confirmed outside it (or refused), then checked; the handler checks again.
        await vetFfmpegPath(patch.ffmpegPath as string, 'page', options.confirmFfmpegPath);
      }
    }
    const handler = handlers[method] as (r: ParsedRequest<Method>) => Promise<Response<Method>>;
    return handler(parsed);
  }

  return {
    home,
    catalog,
    engine,
    results,
    settings,
    handlers,
    invoke,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    mediaFile: (trackId) =>
      guarded(async () => {
        const track = await catalog.get(trackId);
        if (!track || track.status !== 'ok' || isImported(track)) return null;
        const { path, pathBytes, size, mtimeMs, fingerprint } = track;
        return { path, pathBytes, size, mtimeMs, fingerprint };
      }),
    mediaChanged: (trackId) =>
      guarded(async () => {
        if (await catalog.markMissing(trackId)) emit('library.changed', { reason: 'scan' });
      }),
    cover: (trackId, size) =>
      guarded(async () => {
        const track = await catalog.get(trackId);
        if (!track) return undefined;
        return track.status === 'ok' ? covers.cover(track, size) : null;
      }),
    async close() {
      closing = true;
      scanAbort?.abort();
      try {
        await engine.close();
        // A clustering run under way stops (a call may be waiting for it).
        const clustersStopped = clusters.close();
        // Calls under way finish first (the scan was aborted, the runs stopped, so they end soon).
        await callsInFlight.drain(CALL_DRAIN_MS);
        await clustersStopped;
        // Nothing may touch a table once the database is closed: finish the joins, stop a run.
        await joinsInFlight.drain();
        await similarity.close();
        await clusters.close();
        await catalog.close();
      } finally {
        lock.release();
      }
    },
  };
}
