/**
 * `timbre`: the headless command line over the same core as the app.
 * Exit codes: 0 done, 1 failed, 2 usage error, 75 data folder in use by another Timbre process
 * (a writer: scan, analyze, serve), 130 interrupted.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import {
  InvalidRequestError,
  parseRequest,
  type Method,
  type Request,
  type Response,
} from '../shared/contract';
import type { Seed, SimilarTrack, SimilaritySource, Track } from '../shared/types';
import { ApiError } from '../shared/wire';
import { createService, type CoreService } from './api/service';
import { acquireHomeLock, HomeLockedError } from './home/lock';
import { DatabaseDamagedError, doctor, doctorLines } from './store/doctor';
import { homeProblem, resolveHome } from './home/folder';
import { skipsLine } from './library/skips';
import { resolveFfmpeg } from './ffmpeg/resolve';
import { packageVersion } from './project-root';
import {
  analysisLine,
  formatDuration,
  printJson,
  scanLine,
  similarFromLine,
  StatusLine,
  trackLine,
} from './cli/output';

const usage = `timbre — a music player that knows how your music sounds

Usage: timbre <command> [options]

Library
  scan DIR...            add folders to the library / rescan them (incremental)
      --prune            remove tracks whose files are gone (roots must be present)
  list                   list tracks   [--artist A] [--album A] [--genre G] [--text T]
                                       [--missing] [--limit N] [--offset N]
  stats                  library figures
  errors                 files that could not be read   [--analysis: analysis failures]

Analysis
  analyze                listen to every track not analysed yet
      --workers N        worker processes (default: one per core)
      --model mn04|msd|mtt|none|ID  listening model (default: the setting, mn04 = EfficientAT)

Similarity (TRACK = track id, file path, or "artist - title")
  similar TRACK          nearest tracks          [-k 20] [--source embedding|features|blend]
  queue SEED...          a play-similar queue    [--length 50] [--radio] [--album A] [--artist A]
  path A B               a song path from A to B [--steps 10]
  explain A B            why A and B sound alike (or not)
  find "QUERY"           tracks that sound like the words ("sad piano", "heavy metal") [--limit 20]

Clusters
  cluster                group the analysed library by sound and keep the run as the active one
      --algo kmeans|gmm|hdbscan|dbscan|agglomerative|auto   (default auto: tuned, algorithm chosen)
      --space default|embedding|features                   (default: the similarity space)
      --k N              number of clusters (kmeans, gmm, agglomerative; default: tuned)
  clusters               the active run's clusters: size, name, tags, features, tracks
  map                    2-D map coordinates of every track [--method umap|pca]

Other
  serve                  run the app in browser mode on 127.0.0.1 [--port N]
                         (same address every launch; --new-address makes a new port and token)
  doctor                 check every database table; restore damaged ones to their newest readable version
  ffmpeg [PATH|auto]     show or set the ffmpeg Timbre runs (auto: PATH, then the bundled one)

Global options
  --home DIR             data folder (default: $TIMBRE_HOME or ~/.local/share/timbre)
  --json                 machine-readable output (JSON; progress as JSON lines on stderr)
  -h, --help             this help

One process at a time may write a data folder (scan, analyze, serve, the app); a second one exits
with code 75. Reading commands (list, stats, errors, similar, queue, path, explain, find, clusters,
map) run beside it.
`;

class UsageError extends Error {}

/** sysexits' EX_TEMPFAIL: another Timbre process writes this data folder; try again later. */
const EXIT_HOME_LOCKED = 75;

/** Commands that only read the library: they run while the app or a scan writes it. */
const READ_ONLY = new Set([
  'list',
  'stats',
  'errors',
  'similar',
  'queue',
  'path',
  'explain',
  'find',
  'clusters',
  'map',
]);

const options = {
  home: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  prune: { type: 'boolean', default: false },
  artist: { type: 'string' },
  album: { type: 'string' },
  genre: { type: 'string' },
  text: { type: 'string' },
  missing: { type: 'boolean', default: false },
  limit: { type: 'string' },
  offset: { type: 'string' },
  analysis: { type: 'boolean', default: false },
  workers: { type: 'string' },
  model: { type: 'string' },
  k: { type: 'string', short: 'k' },
  source: { type: 'string' },
  length: { type: 'string' },
  radio: { type: 'boolean', default: false },
  steps: { type: 'string' },
  port: { type: 'string' },
  algo: { type: 'string' },
  space: { type: 'string' },
  method: { type: 'string' },
  'new-address': { type: 'boolean', default: false },
  version: { type: 'boolean', short: 'v', default: false },
} satisfies ParseArgsConfig['options'];

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

function intOption(
  values: Values,
  name: 'limit' | 'offset' | 'workers' | 'k' | 'length' | 'steps' | 'port',
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  // Number('') is 0: an empty value is no number.
  const n = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag(name)} needs a whole number, got "${raw}"`);
  return n;
}

/** How an option is typed on the command line. */
const flag = (name: string): string => (name === 'k' ? '-k' : `--${name}`);

/** Request fields that a command fills from an option of another name. */
const OPTION_OF_FIELD: Record<string, string> = { count: 'length', roots: 'DIR' };

/** A refused request field as the option the user typed (the field itself when no option sets it). */
function optionOf(path: string): string {
  const field = path.split('.').pop() ?? path;
  const name = OPTION_OF_FIELD[field] ?? field;
  return name in options ? flag(name) : name;
}

/**
 * Calls the core as every other client does: through the service's `invoke`, which validates the
 * request against the contract before any handler runs. A request the contract refuses is the
 * user's usage error, told in terms of the options.
 */
async function call<M extends Method>(
  service: CoreService,
  method: M,
  request: Request<M>,
): Promise<Response<M>> {
  try {
    return (await service.invoke(method, request)) as Response<M>;
  } catch (err) {
    if (err instanceof InvalidRequestError) {
      throw new UsageError(err.issues.map((i) => `${optionOf(i.path)}: ${i.message}`).join('; '));
    }
    throw err;
  }
}

/** Finds a track from what a shell user would type: an id, a file path or "artist - title". */
async function resolveTrack(service: CoreService, ref: string): Promise<Track> {
  const byId = await service.catalog.get(ref);
  if (byId) return byId;
  if (existsSync(ref)) {
    const byPath = await service.catalog.getByPath(resolve(ref));
    if (byPath) return byPath;
    throw new UsageError(`${ref} is not in the library (scan its folder first)`);
  }
  const page = await service.catalog.list({ text: ref, limit: 50 });
  const lowered = ref.toLowerCase();
  const exact = page.tracks.filter(
    (t) => `${t.artist} - ${t.title}`.toLowerCase() === lowered || t.title.toLowerCase() === lowered,
  );
  const candidates = exact.length > 0 ? exact : page.tracks;
  if (candidates.length === 1) return candidates[0];
  if (candidates.length === 0) throw new UsageError(`no track matches "${ref}"`);
  const shown = candidates
    .slice(0, 8)
    .map((t) => `  ${trackLine(t)}`)
    .join('\n');
  throw new UsageError(`"${ref}" matches ${candidates.length} tracks; use an id:\n${shown}`);
}

function printSimilar(list: SimilarTrack[]): void {
  list.forEach((s, i) => {
    const n = String(i + 1).padStart(3);
    console.log(`${n}. ${s.score.toFixed(3)}  ${trackLine(s.track)}`);
  });
}

function sourceOption(values: Values): SimilaritySource | undefined {
  const s = values.source;
  if (s === undefined) return undefined;
  if (s !== 'embedding' && s !== 'features' && s !== 'blend') {
    throw new UsageError(`--source must be embedding, features or blend`);
  }
  return s;
}

/** First Ctrl-C asks the running job to stop cleanly; a second one exits at once. */
function onInterrupt(stop: () => void): () => void {
  let count = 0;
  const handler = () => {
    count++;
    if (count === 1) {
      process.stderr.write('\nstopping… (Ctrl-C again to quit now)\n');
      stop();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  const [command, ...args] = positionals;
  if (values.version) {
    process.stdout.write(`timbre ${packageVersion()}\n`);
    return 0;
  }
  if (values.help || !command) {
    process.stdout.write(usage);
    return command || values.help ? 0 : 2;
  }
  if (command === 'serve') {
    // The same data-folder check and words as every other command, before anything is opened.
    const problem = homeProblem(resolveHome(values.home));
    if (problem) throw new UsageError(problem);
    const port = intOption(values, 'port');
    if (port !== undefined && port > 65535) throw new UsageError(`--port must be 0 to 65535, got ${port}`);
    const { runBrowserMode } = await import('./browser/main');
    await runBrowserMode({
      home: values.home,
      port,
      newAddress: values['new-address'],
      command: 'timbre serve',
    });
    return 0;
  }
  const known = [
    'scan',
    'list',
    'stats',
    'errors',
    'analyze',
    'analyse',
    'similar',
    'queue',
    'path',
    'explain',
    'ffmpeg',
    'find',
    'cluster',
    'clusters',
    'map',
  ];
  if (!known.includes(command) && command !== 'doctor') throw new UsageError(`unknown command "${command}"`);
  const problem = homeProblem(resolveHome(values.home));
  if (problem) throw new UsageError(problem);
  if (command === 'doctor') {
    // Not through the service: it would refuse to open a damaged database. A writer: it may restore.
    const home = resolveHome(values.home);
    const lock = await acquireHomeLock(home, { access: 'write', command: 'timbre doctor' });
    try {
      const report = await doctor(home);
      if (values.json) printJson(report);
      else for (const line of doctorLines(report)) console.log(line);
      return report.tables.some((t) => t.state === 'damaged') ? 1 : 0;
    } finally {
      lock.release();
    }
  }

  const service = await createService({
    home: values.home,
    mode: 'cli',
    access: READ_ONLY.has(command) ? 'read' : 'write',
    command: `timbre ${command}`,
  });
  const status = new StatusLine();
  try {
    switch (command) {
      case 'scan': {
        if (args.length === 0) throw new UsageError('scan needs at least one folder');
        const roots = args.map((a) => resolve(a));
        const known = await call(service, 'library.roots', {});
        for (const root of roots) {
          // A known root that is gone (an unmounted drive) is scanned safely; a new one is refused.
          if (known.includes(root) && !existsSync(root))
            process.stderr.write(`warning: ${root} does not exist (its tracks are kept)\n`);
        }
        const unsubscribe = service.subscribe((event, payload) => {
          if (event !== 'scan.progress') return;
          if (values.json) process.stderr.write(JSON.stringify(payload) + '\n');
          else status.show(scanLine(payload as Parameters<typeof scanLine>[0]));
        });
        const release = onInterrupt(() => void call(service, 'library.cancelScan', {}));
        const summary = await call(service, 'library.scan', { roots, prune: values.prune });
        release();
        unsubscribe();
        status.clear();
        if (values.json) printJson(summary);
        else {
          console.log(
            `${summary.phase === 'cancelled' ? 'Scan cancelled' : 'Scanned'} ${summary.found} files in ` +
              `${(summary.elapsedMs / 1000).toFixed(1)} s (${Math.round(summary.rate)} files/s): ` +
              `${summary.added} new, ${summary.updated} changed, ${summary.moved} moved, ${summary.unchanged} unchanged, ` +
              `${summary.unreadable} unreadable, ${summary.missing} missing, ${summary.removed} removed; ` +
              `${skipsLine(summary.skipped)}.`,
          );
          for (const skip of summary.skipped)
            console.log(`  skipped ${skip.count}: ${skip.reason} (e.g. ${skip.examples[0]})`);
          for (const root of summary.unavailableRoots) {
            console.log(`Root not reachable, its tracks were left as they were: ${root}`);
          }
          if (summary.unreadable > 0) console.log(`See why with: timbre errors`);
        }
        return summary.phase === 'cancelled' ? 130 : 0;
      }
      case 'list': {
        const page = await call(service, 'library.list', {
          artist: values.artist,
          album: values.album,
          genre: values.genre,
          text: values.text ?? (args.length ? args.join(' ') : undefined),
          includeMissing: values.missing,
          limit: intOption(values, 'limit') ?? 100_000,
          offset: intOption(values, 'offset') ?? 0,
        });
        if (values.json) {
          // Each track with its music tags per model (genres, moods, instruments; never "Speech").
          const tags = await service.results.musicTags(page.tracks.map((t) => t.id));
          printJson({ ...page, tracks: page.tracks.map((t) => ({ ...t, tags: tags.get(t.id) ?? {} })) });
        } else {
          for (const t of page.tracks) console.log(trackLine(t));
          console.log(`${page.tracks.length} of ${page.total} tracks`);
        }
        return 0;
      }
      case 'stats': {
        const stats = await call(service, 'library.stats', {});
        if (values.json) printJson(stats);
        else {
          console.log(`Tracks        ${stats.tracks} (${stats.missing} missing)`);
          console.log(`Artists       ${stats.artists}`);
          console.log(`Albums        ${stats.albums}`);
          console.log(`Genres        ${stats.genres}`);
          console.log(`Duration      ${formatDuration(stats.totalDuration)}`);
          console.log(`Size          ${(stats.totalSize / 1e9).toFixed(2)} GB`);
          console.log(`Unreadable    ${stats.errors}`);
          console.log(`Skipped       ${skipsLine(stats.skipped)} (last scan)`);
          console.log(
            `Analysed      ${stats.analysed} (${stats.analysisFailed} failed, ${stats.analysisPending} pending)`,
          );
          console.log(
            `Model         ${stats.analysisModel ?? `none: ${stats.analysisModelNote ?? 'features only'}`}`,
          );
          console.log(`Similar from  ${similarFromLine(stats)}`);
          for (const m of stats.models) {
            console.log(
              `  ${m.model.padEnd(12)}${m.analysed} of ${stats.tracks} analysed, ${m.failed} failed`,
            );
          }
          console.log(
            `Formats       ${Object.entries(stats.formats)
              .map(([f, n]) => `${f} ${n}`)
              .join(', ')}`,
          );
          console.log(`Roots         ${stats.roots.join(', ') || '(none)'}`);
          console.log(`Data folder   ${service.home}`);
        }
        return 0;
      }
      case 'errors': {
        const limit = intOption(values, 'limit') ?? 100_000;
        const offset = intOption(values, 'offset') ?? 0;
        if (values.analysis) {
          const errors = await call(service, 'analysis.errors', { limit, offset });
          if (values.json) printJson(errors);
          else {
            for (const e of errors.errors) console.log(`${e.path}\n    ${e.reason}`);
            console.log(`${errors.total} tracks could not be analysed`);
          }
        } else {
          const errors = await call(service, 'library.errors', { limit, offset });
          if (values.json) printJson(errors);
          else {
            for (const e of errors.errors) console.log(`${e.path}\n    ${e.reason}`);
            console.log(`${errors.total} files could not be read`);
          }
        }
        return 0;
      }
      case 'analyse':
      case 'analyze': {
        const workers = intOption(values, 'workers');
        if (workers === 0) throw new UsageError('--workers must be at least 1');
        const unsubscribe = service.subscribe((event, payload) => {
          if (event !== 'analysis.progress') return;
          if (values.json) process.stderr.write(JSON.stringify(payload) + '\n');
          else status.show(analysisLine(payload as Parameters<typeof analysisLine>[0]));
        });
        let interrupted = false;
        const release = onInterrupt(() => {
          interrupted = true;
          void call(service, 'analysis.cancel', {});
        });
        const started = await call(service, 'analysis.start', { workers, model: values.model });
        if (started.modelNote && !values.json) process.stderr.write(`note: ${started.modelNote}\n`);
        const final = await service.engine.whenIdle();
        release();
        unsubscribe();
        status.clear();
        if (values.json) printJson(final);
        else {
          if (final.modelNote && final.modelNote !== started.modelNote)
            process.stderr.write(`note: ${final.modelNote}\n`);
          if (!final.error || final.done > 0)
            console.log(`Analysed ${final.done - final.failed} tracks, ${final.failed} failed.`);
          if (final.failed > 0) console.log('See why with: timbre errors --analysis');
          if (final.error) process.stderr.write(`timbre: analysis stopped: ${final.error}\n`);
        }
        if (interrupted) return 130;
        return final.error || (final.failed > 0 && final.done === final.failed) ? 1 : 0;
      }
      case 'similar': {
        if (args.length !== 1) throw new UsageError('similar needs one track');
        const track = await resolveTrack(service, args[0]);
        const result = await call(service, 'similar.tracks', {
          seed: { kind: 'track', id: track.id },
          k: intOption(values, 'k') ?? 20,
          source: sourceOption(values),
        });
        if (values.json) printJson(result);
        else {
          console.log(`Like ${trackLine(track)}:`);
          printSimilar(result.results);
        }
        return 0;
      }
      case 'queue': {
        const ids: string[] = [];
        for (const a of args) ids.push((await resolveTrack(service, a)).id);
        let seed: Seed;
        if (ids.length > 0) seed = ids.length === 1 ? { kind: 'track', id: ids[0] } : { kind: 'tracks', ids };
        else if (values.album) seed = { kind: 'album', album: values.album, albumArtist: values.artist };
        else if (values.artist) seed = { kind: 'artist', artist: values.artist };
        else throw new UsageError('queue needs seed tracks, --album or --artist');
        const length = intOption(values, 'length') ?? 50;
        const result = values.radio
          ? await call(service, 'similar.radio', { seed, count: length })
          : await call(service, 'similar.queue', { seed, length, source: sourceOption(values) });
        if (values.json) printJson(result);
        else printSimilar(result.tracks);
        return 0;
      }
      case 'path': {
        if (args.length !== 2) throw new UsageError('path needs two tracks');
        const [a, b] = [await resolveTrack(service, args[0]), await resolveTrack(service, args[1])];
        const result = await call(service, 'similar.path', {
          from: a.id,
          to: b.id,
          steps: intOption(values, 'steps'),
        });
        if (values.json) printJson(result);
        else printSimilar(result.tracks);
        return 0;
      }
      case 'ffmpeg': {
        // The one place besides the app's confirmed dialog where the program Timbre runs is chosen.
        if (args.length > 1) throw new UsageError('ffmpeg takes one PATH (or "auto")');
        if (args.length === 1) {
          const ffmpegPath = args[0] === 'auto' ? '' : resolve(args[0]);
          // Validated like any call, but as the local user's choice: not the page's confirmation.
          await service.handlers['settings.set'](parseRequest('settings.set', { ffmpegPath }));
        }
        const current = (await service.handlers['settings.get']({})).ffmpegPath;
        const found = await resolveFfmpeg(current || undefined).then(
          (r) => `${r.path} (ffmpeg ${r.version}, ${r.source})`,
          (err: unknown) => `none usable: ${(err as Error).message}`,
        );
        if (values.json) printJson({ ffmpegPath: current, resolved: found });
        else console.log(`ffmpeg setting: ${current || 'auto'}\nffmpeg used:    ${found}`);
        return 0;
      }
      case 'find': {
        if (args.length === 0)
          throw new UsageError('find needs words that describe a sound, e.g. "sad piano"');
        const found = await service.handlers['sound.find']({
          query: args.join(' '),
          limit: intOption(values, 'limit') ?? 20,
        });
        if (values.json) printJson(found);
        else {
          for (const t of found.terms) console.log(`"${t.text}" → ${t.labels.join(', ')}`);
          if (found.unknown.length) console.log(`Not understood: ${found.unknown.join(', ')}`);
          if (found.note) console.log(found.note);
          found.results.forEach((r, i) => {
            const why = r.matched.map((m) => `${m.tag} ${m.score.toFixed(2)}`).join(', ');
            console.log(
              `${String(i + 1).padStart(3)}. ${r.score.toFixed(3)}  ${trackLine(r.track)}  [${why}]`,
            );
          });
        }
        // Words nothing matched are an answer too, but a query with no term at all is a usage error.
        return found.terms.length === 0 ? 1 : 0;
      }
      case 'cluster': {
        const k = intOption(values, 'k');
        const algorithm = (values.algo ??
          (k !== undefined ? 'kmeans' : 'auto')) as Request<'clusters.run'>['algorithm'];
        const space = values.space as Request<'clusters.run'>['space'];
        if (!values.json) status.show('clustering…');
        const runResult = await call(service, 'clusters.run', { algorithm, space, k });
        status.clear();
        if (values.json) printJson(runResult);
        else {
          const sc = runResult.metrics.scores;
          const fmt = (v: number | null | undefined, d: number) => (v == null ? '–' : v.toFixed(d));
          console.log(
            `Run ${runResult.id}: ${runResult.algorithm} ${JSON.stringify(runResult.params)} on ${runResult.trackCount} tracks (${runResult.space}), ${runResult.seconds.toFixed(1)} s`,
          );
          if (sc)
            console.log(
              `${sc.clusters} clusters, noise ${(sc.noiseShare * 100).toFixed(0)} %, silhouette ${fmt(sc.silhouette, 3)}, Davies–Bouldin ${fmt(sc.daviesBouldin, 3)}, Calinski–Harabasz ${fmt(sc.calinskiHarabasz, 1)}`,
            );
          console.log(
            `${runResult.metrics.candidates.length} candidates scored${runResult.metrics.rule ? `; ${runResult.metrics.rule}` : ''}`,
          );
        }
        return 0;
      }
      case 'clusters': {
        const list = await call(service, 'clusters.list', {});
        if (values.json) printJson(list);
        else if (!list.run) console.log('No clusters yet: run `timbre cluster`.');
        else {
          console.log(
            `Run ${list.run.id}: ${list.run.algorithm} ${JSON.stringify(list.run.params)}, ${list.clusters.length} clusters${list.run.stale ? ' — STALE: the analysed library changed, run `timbre cluster` again' : ''}`,
          );
          for (const c of list.clusters) {
            console.log(`\n#${c.id} ${c.name} (${c.size} tracks, cohesion ${c.cohesion.toFixed(2)})`);
            if (c.topTags.length) console.log(`  tags: ${c.topTags.map((t) => t.tag).join(', ')}`);
            if (c.distinctive.length)
              console.log(
                `  sets it apart: ${c.distinctive.map((d) => `${d.word} (${d.effect >= 0 ? '+' : ''}${d.effect.toFixed(1)} sd)`).join(', ')}`,
              );
            for (const r of c.representatives) console.log(`  - ${r.artist} – ${r.title}  [${r.id}]`);
          }
          if (list.noiseIds.length) console.log(`\n${list.noiseIds.length} tracks in no cluster (noise)`);
        }
        return 0;
      }
      case 'map': {
        const method = (values.method ?? 'umap') as Request<'clusters.map'>['method'];
        const map = await call(service, 'clusters.map', { method });
        if (values.json) printJson(map);
        else if (!map.runId) console.log('No clusters yet: run `timbre cluster`.');
        else {
          if (map.stale) console.log('# stale: the analysed library changed since this run');
          console.log('trackId\tx\ty\tcluster');
          for (const p of map.points)
            console.log(`${p.id}\t${p.x.toFixed(4)}\t${p.y.toFixed(4)}\t${p.clusterId}`);
        }
        return 0;
      }
      case 'explain': {
        if (args.length !== 2) throw new UsageError('explain needs two tracks');
        const [a, b] = [await resolveTrack(service, args[0]), await resolveTrack(service, args[1])];
        const e = await call(service, 'similar.explain', { a: a.id, b: b.id });
        if (values.json) printJson(e);
        else {
          console.log(`A: ${trackLine(a)}\nB: ${trackLine(b)}\n`);
          console.log(`${e.summary} (similarity ${e.score.toFixed(3)})`);
          if (e.sharedTags.length) console.log(`Shared tags: ${e.sharedTags.join(', ')}`);
          if (e.closest.length) console.log(`Alike:\n${e.closest.map((f) => `  - ${f.text}`).join('\n')}`);
          if (e.mostDifferent.length)
            console.log(`Different:\n${e.mostDifferent.map((f) => `  - ${f.text}`).join('\n')}`);
        }
        return 0;
      }
    }
    return 2;
  } finally {
    status.clear();
    await service.close();
  }
}

export async function main(argv = process.argv.slice(2)): Promise<number> {
  try {
    return await run(argv);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`timbre: ${(err as Error).message}\nRun "timbre --help" for usage.\n`);
      return 2;
    }
    if (err instanceof DatabaseDamagedError) {
      process.stderr.write(`timbre: ${err.message}\n`);
      return 1;
    }
    if (err instanceof HomeLockedError) {
      process.stderr.write(`timbre: ${err.message}\n`);
      return EXIT_HOME_LOCKED;
    }
    if (err instanceof ApiError) {
      process.stderr.write(`timbre: ${err.message}\n`);
      return 1;
    }
    // A system error (permissions, a full disk) is the user's to act on: its message, no stack.
    const systemError =
      typeof (err as { code?: unknown }).code === 'string' && (err as { syscall?: unknown }).syscall;
    process.stderr.write(
      `timbre: ${systemError ? (err as Error).message : ((err as Error).stack ?? String(err))}\n`,
    );
    return 1;
  }
}

// `timbre list | head`: the reader has gone, so stop quietly as other Unix tools do.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(0);
});

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`timbre: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
