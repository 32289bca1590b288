/**
 * `timbre`: the headless command line over the same core as the app. This entry parses the
 * arguments, opens the service and dispatches through the command table; the commands themselves
 * live in ./cli/ (one module per group).
 * Exit codes: 0 done, 1 failed, 2 usage error, 75 data folder in use by another Timbre process
 * (a writer: scan, analyze, serve), 130 interrupted.
 */
import { existsSync } from 'node:fs';
import { ApiError } from '../shared/wire';
import { createService } from './api/service';
import { HomeLockedError } from './home/lock';
import { DatabaseDamagedError } from './store/doctor';
import { writeErrorCode, writeProblem } from './store/write-error';
import { homeLayout, homeProblem, resolveHome } from './home/folder';
import { packageVersion } from './project-root';
import { analyzeCommand } from './cli/analysis-commands';
import { clusterCommand, clustersCommand, mapCommand } from './cli/cluster-commands';
import { importFeaturesCommand } from './cli/import-commands';
import { intOption, parseCommandLine, UsageError, type Command } from './cli/common';
import { exportCommand } from './cli/export-commands';
import { errorsCommand, listCommand, scanCommand, statsCommand } from './cli/library-commands';
import { doctorCommand, ffmpegCommand, showFfmpeg } from './cli/maintenance-commands';
import { StatusLine } from './cli/output';
import {
  explainCommand,
  findCommand,
  pathCommand,
  queueCommand,
  similarCommand,
} from './cli/similarity-commands';

const usage = `timbre — a music player that knows how your music sounds

Usage: timbre <command> [options]

Library
  scan DIR...            add folders to the library / rescan them (incremental)
      --prune            remove tracks whose files are gone (roots must be present)
  list                   list tracks   [--artist A] [--album A] [--genre G] [--text T]
                                       [--missing] [--limit N] [--offset N]
  stats                  library figures
  errors                 files that could not be read   [--analysis: analysis failures]
  import-features FILE.csv  tracks without audio from a Spotify-style feature table (danceability,
                         energy, valence, tempo…): listed, searched, clustered, not played

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
      --where QUERY      cluster a subset: genre:jazz artist:"Kevin MacLeod" album:… title:…
                         folder:/music/x year:1990-1999 source:imported|audio, free words = search
  clusters               the active run's clusters: size, name, tags, features, tracks
  clusters TRACK         why TRACK is in its cluster (the features that put it there)
  map                    2-D map coordinates of every track [--method umap|pca|tsne]
  export --csv FILE      the run's tracks with cluster, strength and map coordinates as CSV
  export --m3u DIR       one M3U playlist per cluster, named after it, in DIR
      --run ID           a stored run other than the active one

Other
  serve                  run the app in browser mode on 127.0.0.1 [--port N]
                         (same address every launch; --new-address makes a new port and token)
  doctor                 check every database table; restore damaged ones to their newest readable version,
                         or rebuild them (the catalog by rescanning its folders, keeping every id)
  ffmpeg [PATH|auto]     show or set the ffmpeg Timbre runs (auto: PATH, then the bundled one)

Global options
  --home DIR             data folder (default: $TIMBRE_HOME or ~/.local/share/timbre)
  --json                 machine-readable output (JSON; progress as JSON lines on stderr)
  -h, --help             this help

One process at a time may write a data folder (scan, analyze, serve, the app); a second one exits
with code 75. Reading commands (list, stats, errors, similar, queue, path, explain, find, clusters,
map, export) run beside it.
`;

/** A reading command on a data folder that holds no library (none made yet, or a mistyped --home). */
class NoLibraryError extends Error {
  constructor(home: string) {
    super(
      `there is no Timbre library in ${home} (nothing has been scanned there). ` +
        'Scan your music with `timbre scan DIR`, or give the data folder with --home.',
    );
  }
}

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
  'export',
]);

/** Writers with nothing to do without a library: they make no data folder either. */
const NEEDS_LIBRARY = new Set(['analyze', 'analyse', 'cluster']);

/** Every command that runs on an open service, by name. */
const COMMANDS: Record<string, Command> = {
  scan: scanCommand,
  list: listCommand,
  stats: statsCommand,
  errors: errorsCommand,
  analyze: analyzeCommand,
  analyse: analyzeCommand,
  similar: similarCommand,
  queue: queueCommand,
  path: pathCommand,
  explain: explainCommand,
  ffmpeg: ffmpegCommand,
  find: findCommand,
  cluster: clusterCommand,
  clusters: clustersCommand,
  map: mapCommand,
  export: exportCommand,
  'import-features': importFeaturesCommand,
};

/** The --home given, if any (for messages after parsing failed or finished). */
function homeOf(argv: string[]): string | undefined {
  const i = argv.findIndex((a) => a === '--home' || a.startsWith('--home='));
  if (i < 0) return undefined;
  return argv[i].startsWith('--home=') ? argv[i].slice('--home='.length) : argv[i + 1];
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv);
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
    const port = intOption(values, 'port');
    if (port !== undefined && port > 65535) throw new UsageError(`--port must be 0 to 65535, got ${port}`);
    const problem = homeProblem(resolveHome(values.home));
    if (problem) throw new UsageError(problem);
    const { runBrowserMode } = await import('./browser/main');
    await runBrowserMode({
      home: values.home,
      port,
      newAddress: values['new-address'],
      command: 'timbre serve',
    });
    return 0;
  }
  const implementation = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!implementation && command !== 'doctor') throw new UsageError(`unknown command "${command}"`);
  // Usage errors first, whatever the state of the data folder.
  implementation?.check?.(values, args);
  const home = resolveHome(values.home);
  const problem = homeProblem(home);
  if (problem) throw new UsageError(problem);
  // A command that only looks never makes a data folder: a mistyped --home stays a mistake.
  const noLibrary = !existsSync(homeLayout(home).database);
  if (!implementation) return doctorCommand(home, values.json);
  if (noLibrary && command === 'ffmpeg' && args.length === 0) return showFfmpeg('', values.json);
  if (noLibrary && (READ_ONLY.has(command) || NEEDS_LIBRARY.has(command))) throw new NoLibraryError(home);

  const service = await createService({
    home: values.home,
    mode: 'cli',
    access: READ_ONLY.has(command) ? 'read' : 'write',
    command: `timbre ${command}`,
  });
  const status = new StatusLine();
  try {
    return await implementation.run({ service, values, args, status });
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
    if (err instanceof DatabaseDamagedError || err instanceof NoLibraryError) {
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
    // A write the disk refused, from Lance (whose text names rustc sources): in words, no stack.
    if (writeErrorCode(err)) {
      process.stderr.write(`timbre: ${writeProblem(err)} while writing to ${resolveHome(homeOf(argv))}\n`);
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
