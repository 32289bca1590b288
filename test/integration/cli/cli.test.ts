/** The command line as a shell user runs it: real processes, real files, exit codes. */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTimbre, type CliResult } from '../../helpers/cli';
import { fixtureLibraryDir, musicnnDir } from '../../helpers/shared';

let home: string;
let music: string;

const timbre = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
  runTimbre(args, { home, env: { TIMBRE_MODELS_DIR: musicnnDir, ...env } });

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'timbre-cli-'));
  home = join(dir, 'home');
  music = join(dir, 'music');
  // Three styles: metal, orchestral, electronic.
  await cp(join(fixtureLibraryDir, 'Obsidian Shell'), join(music, 'Obsidian Shell'), { recursive: true });
  await cp(
    join(fixtureLibraryDir, 'Wesnoth', 'Mattias Westlund'),
    join(music, 'Wesnoth', 'Mattias Westlund'),
    {
      recursive: true,
    },
  );
  await cp(
    join(fixtureLibraryDir, 'Nexuiz', 'blkrbt - Desert.opus'),
    join(music, 'Nexuiz', 'blkrbt - Desert.opus'),
  );
});

afterAll(async () => {
  if (home) await rm(join(home, '..'), { recursive: true, force: true });
});

describe('timbre CLI', () => {
  it('prints usage and exits 2 on a usage error', async () => {
    const bad = await timbre(['frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown command "frobnicate"/);
    const help = await timbre(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: timbre/);
    // A data folder that cannot be one: a clear message, no stack trace, nothing created.
    const file = join(music, 'Nexuiz', 'blkrbt - Desert.opus');
    const badHome = await timbre(['stats', '--home', join(file, 'home')]);
    expect(badHome.code).toBe(2);
    expect(badHome.stderr).toMatch(/is a file, not a folder/);
    expect(badHome.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses to scan a path that is not a folder, and does not remember it', async () => {
    const typo = join(music, 'no such folder');
    const scan = await timbre(['scan', typo]);
    expect(scan.code).toBe(1);
    expect(scan.stderr).toContain(`not a folder: ${typo}`);
    const notDir = await timbre(['scan', join(music, 'Nexuiz', 'blkrbt - Desert.opus')]);
    expect(notDir.code).toBe(1);
    expect((await timbre(['stats'])).stdout).not.toMatch(/no such folder|Desert\.opus/);
  });

  it('scans, lists, filters and reports stats', async () => {
    const scan = await timbre(['scan', music, '--json']);
    expect(scan.code).toBe(0);
    const summary = JSON.parse(scan.stdout) as { added: number; failed: number; phase: string };
    expect(summary).toMatchObject({ added: 4, failed: 0, phase: 'done' });
    // Progress went to stderr as JSON lines.
    expect(scan.stderr.trim().split('\n').length).toBeGreaterThan(0);
    expect(() => JSON.parse(scan.stderr.trim().split('\n')[0])).not.toThrow();

    const list = await timbre(['list', '--artist', 'Obsidian Shell', '--json']);
    const page = JSON.parse(list.stdout) as { total: number; tracks: { title: string }[] };
    expect(page.total).toBe(2);
    expect(page.tracks.map((t) => t.title).sort()).toEqual(['Elveszett Lelkek', 'Farewell']);

    const rescan = await timbre(['scan', music, '--json']);
    expect(JSON.parse(rescan.stdout)).toMatchObject({ unchanged: 4, added: 0 });

    const stats = await timbre(['stats', '--json']);
    expect(JSON.parse(stats.stdout)).toMatchObject({ tracks: 4, artists: 3, errors: 0 });
  }, 300_000); // several CLI processes one after another on a loaded machine

  it('analyses, then answers similar, queue, path and explain', async () => {
    // MusiCNN explicitly: the default (EfficientAT mn04) is not in this test's models folder.
    const analyze = await timbre(['analyze', '--workers', '2', '--model', 'msd', '--json']);
    expect(analyze.code).toBe(0);
    expect(JSON.parse(analyze.stdout)).toMatchObject({ state: 'idle', done: 4, failed: 0, model: 'msd' });

    const similar = await timbre(['similar', 'Farewell', '-k', '3', '--json']);
    expect(similar.code).toBe(0);
    const result = JSON.parse(similar.stdout) as { results: { track: { title: string } }[] };
    // The other metal track of the same album sounds most alike.
    expect(result.results[0].track.title).toBe('Elveszett Lelkek');

    const queue = await timbre(['queue', 'Farewell', '--length', '3']);
    expect(queue.code).toBe(0);
    expect(queue.stdout.trim().split('\n').length).toBeGreaterThanOrEqual(2);

    const explain = await timbre(['explain', 'Farewell', 'Elveszett Lelkek']);
    expect(explain.code).toBe(0);
    expect(explain.stdout).toMatch(/Shared tags: .*metal/);

    const path = await timbre(['path', 'Farewell', 'Desert', '--steps', '3', '--json']);
    const tracks = (JSON.parse(path.stdout) as { tracks: { track: { title: string } }[] }).tracks;
    expect(tracks[0].track.title).toBe('Farewell');
    expect(tracks[tracks.length - 1].track.title).toBe('Desert');

    const missing = await timbre(['similar', 'No Such Song']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no track matches/);
  }, 300_000);

  it('refuses option values the contract does not allow: one line, exit 2, no stack trace', async () => {
    const cases: [string[], RegExp][] = [
      [['similar', 'Farewell', '-k', '9999999999'], /^timbre: -k: .*1000/],
      [['similar', 'Farewell', '-k', '0'], /^timbre: -k: .*>=1/],
      [['similar', 'Farewell', '-k', ''], /^timbre: -k needs a whole number, got ""/],
      [['analyze', '--workers', '100000'], /^timbre: --workers: .*64/],
      [['similar', 'Farewell', '-k', '1e308'], /^timbre: -k: .*1000/],
      [['queue', 'Farewell', '--length', '0'], /^timbre: --length: /],
      [['path', 'Farewell', 'Desert', '--steps', '0'], /^timbre: --steps: /],
    ];
    const runs = await Promise.all(cases.map(([args]) => timbre(args)));
    runs.forEach((run, i) => {
      const [args, message] = cases[i];
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stdout, args.join(' ')).toBe('');
      const lines = run.stderr.trim().split('\n');
      expect(lines[0], args.join(' ')).toMatch(message);
      // The reason and the usual pointer to --help: no stack trace, no RangeError.
      expect(lines.slice(1), args.join(' ')).toEqual(['Run "timbre --help" for usage.']);
    });
  }, 300_000); // seven CLI processes at once on a shared machine
});
