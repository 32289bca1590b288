/** One writer per data folder, through the CLI: `timbre serve` runs, a second writer is refused. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTimbre, type CliResult } from '../../helpers/cli';
import { homeLockFile, readHomeLock } from '../../../src/main/home/lock';
import { projectRoot } from '../../../src/main/project-root';
import { fixtureLibraryDir, musicnnDir } from '../../helpers/shared';

let dir: string;
let home: string;
let music: string;
let server: ChildProcessWithoutNullStreams | undefined;

const bin = join(projectRoot(), 'bin', 'timbre.mjs');
const env = () => ({ ...process.env, TIMBRE_HOME: home, TIMBRE_MODELS_DIR: musicnnDir });

const timbre = (args: string[]): Promise<CliResult> =>
  runTimbre(args, { home, env: { TIMBRE_MODELS_DIR: musicnnDir } });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'timbre-cli-lock-'));
  home = join(dir, 'home');
  music = join(dir, 'music');
  await cp(join(fixtureLibraryDir, 'Nexuiz', 'blkrbt - Desert.opus'), join(music, 'Desert.opus'));
});

afterAll(async () => {
  if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('timbre with the data folder in use', () => {
  it('refuses a second writer while `timbre serve` runs, lets readers in, and frees the folder on stop', async () => {
    const first = await timbre(['scan', music, '--json']);
    expect(first.code).toBe(0);
    // A finished command leaves no lock behind.
    expect(existsSync(homeLockFile(home))).toBe(false);

    server = spawn(process.execPath, [bin, 'serve', '--port', '0'], { env: env(), stdio: 'pipe' });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      server!.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Open: ')) resolve();
      });
      server!.stderr.on('data', (d: Buffer) => (out += d.toString()));
      server!.on('exit', (code) => reject(new Error(`timbre serve ended (${code}): ${out}`)));
    });
    expect(readHomeLock(home)).toMatchObject({ pid: server.pid, command: 'timbre serve', ready: true });

    const scan = await timbre(['scan', music]);
    expect(scan.code).toBe(75);
    expect(scan.stderr.trim()).toMatch(
      new RegExp(
        `^timbre: Another Timbre process is using .*home \\(pid ${server.pid}, "timbre serve", ` +
          `since \\d\\d:\\d\\d\\)\\. Stop it, or use --home for a separate library\\.$`,
      ),
    );
    const analyze = await timbre(['analyze', '--workers', '1']);
    expect(analyze.code).toBe(75);
    expect(analyze.stderr).not.toMatch(/\n\s+at /); // no stack trace

    const list = await timbre(['list', '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toMatchObject({ total: 1 });
    const stats = await timbre(['stats']);
    expect(stats.code).toBe(0);
    expect(stats.stdout).toMatch(/Tracks\s+1/);
    // The readers left the server's lock as it was.
    expect(readHomeLock(home)?.pid).toBe(server.pid);

    const exited = new Promise<number | null>((resolve) => server!.on('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(homeLockFile(home))).toBe(false);

    const again = await timbre(['scan', music, '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ unchanged: 1 });
  });
});
