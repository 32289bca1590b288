/** Library commands: scan, list, stats, errors. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { skipsLine } from '../library/skips';
import { writeErrorCode, writeProblem } from '../store/write-error';
import type { Request } from '../../shared/contract';
import {
  call,
  checkRequest,
  intOption,
  onInterrupt,
  UsageError,
  type Command,
  type CommandContext,
  type Values,
} from './common';
import { formatDuration, printJson, scanLine, similarFromLine, trackLine } from './output';

/** `timbre scan DIR...`: add or rescan folders; 130 when cancelled. */
function scanCheck(_values: Values, args: string[]): void {
  if (args.length === 0) throw new UsageError('scan needs at least one folder');
}

async function scanRun({ service, values, args, status }: CommandContext): Promise<number> {
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
  const before = service.catalog.size;
  let summary;
  try {
    summary = await call(service, 'library.scan', { roots, prune: values.prune });
  } catch (err) {
    // A write that failed (a full disk): say what the library holds now, not what was read.
    if (!writeErrorCode(err)) throw err;
    status.clear();
    console.log(
      `Scan stopped: ${writeProblem(err)} while writing to ${service.catalog.db.uri}. ` +
        `The library holds ${service.catalog.size} tracks (${before} before this scan); scan again once there is room.`,
    );
    return 1;
  } finally {
    release();
    unsubscribe();
  }
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

/** `timbre list`: tracks, filtered. */
const listRequest = (values: Values, args: string[]): Request<'library.list'> => ({
  artist: values.artist,
  album: values.album,
  genre: values.genre,
  text: values.text ?? (args.length ? args.join(' ') : undefined),
  includeMissing: values.missing,
  limit: intOption(values, 'limit') ?? 100_000,
  offset: intOption(values, 'offset') ?? 0,
});

async function listRun({ service, values, args }: CommandContext): Promise<number> {
  const page = await call(service, 'library.list', listRequest(values, args));
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

/** `timbre stats`: library figures. */
async function statsRun({ service, values }: CommandContext): Promise<number> {
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
      console.log(`  ${m.model.padEnd(12)}${m.analysed} of ${stats.tracks} analysed, ${m.failed} failed`);
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

/** `timbre errors`: files that could not be read (or analysed, with --analysis). */
const errorsRequest = (values: Values): Request<'library.errors'> => ({
  limit: intOption(values, 'limit') ?? 100_000,
  offset: intOption(values, 'offset') ?? 0,
});

async function errorsRun({ service, values }: CommandContext): Promise<number> {
  const { limit, offset } = errorsRequest(values);
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

export const scanCommand: Command = { check: scanCheck, run: scanRun };
export const listCommand: Command = {
  check: (values, args) => checkRequest('library.list', listRequest(values, args)),
  run: listRun,
};
export const statsCommand: Command = { run: statsRun };
export const errorsCommand: Command = {
  check: (values) =>
    checkRequest(values.analysis ? 'analysis.errors' : 'library.errors', errorsRequest(values)),
  run: errorsRun,
};
