/** `timbre export`: a clustering run as a CSV file, or as one M3U playlist per cluster in a folder. */
import { mkdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { writePlaylist } from '../library/playlist';
import { call, UsageError, type Command, type CommandContext, type Values } from './common';
import { printJson } from './output';

const isDir = async (path: string): Promise<boolean | null> => {
  const info = await stat(path).catch(() => null);
  return info ? info.isDirectory() : null;
};

function exportCheck(values: Values, args: string[]): void {
  const csv = values.csv;
  const m3u = values.m3u;
  if (args.length > 0) throw new UsageError(`export takes no arguments (got "${args.join(' ')}")`);
  if ((csv === undefined) === (m3u === undefined)) {
    throw new UsageError('export needs either --csv FILE or --m3u DIR');
  }
  if (csv === '' || m3u === '') throw new UsageError(`${csv === '' ? '--csv' : '--m3u'} needs a path`);
  if (values.run === '') throw new UsageError('--run needs a run id (see `timbre clusters --json`)');
}

async function exportRun({ service, values }: CommandContext): Promise<number> {
  const csv = values.csv;
  const m3u = values.m3u;
  const runId = values.run;
  const written: { path: string; tracks: number }[] = [];

  if (csv !== undefined) {
    const path = resolve(csv);
    if ((await isDir(path)) === true) throw new UsageError(`--csv wants a file name, ${csv} is a folder`);
    if ((await isDir(dirname(path))) !== true) {
      throw new UsageError(`--csv: the folder ${dirname(path)} does not exist`);
    }
    const { files } = await call(service, 'clusters.export', { kind: 'csv', runId });
    await writePlaylist(path, files[0].content);
    written.push({ path, tracks: files[0].tracks });
  } else {
    const dir = resolve(m3u as string);
    const kind = await isDir(dir);
    if (kind === false) throw new UsageError(`--m3u wants a folder, ${m3u} is a file`);
    const { files } = await call(service, 'clusters.export', { kind: 'playlists', runId });
    if (kind === null) await mkdir(dir, { recursive: true });
    for (const f of files) {
      const path = join(dir, f.fileName);
      await writePlaylist(path, f.content);
      written.push({ path, tracks: f.tracks });
    }
  }

  if (values.json) printJson({ files: written });
  else for (const w of written) console.log(`${w.path}\t${w.tracks} tracks`);
  return 0;
}

export const exportCommand: Command = { check: exportCheck, run: exportRun };
