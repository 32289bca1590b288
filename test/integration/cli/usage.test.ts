/** Usage errors and data folders that cannot be used: the same checks and words for every command, serve included. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTimbre, type CliResult } from '../../helpers/cli';
import { projectRoot } from '../../../src/main/project-root';

const dir = mkdtempSync(join(tmpdir(), 'timbre-usage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const timbre = (args: string[], timeoutMs = 20_000): Promise<CliResult> =>
  runTimbre(args, { home: join(dir, 'home'), timeoutMs });

describe('timbre usage', () => {
  it('--version prints the version', async () => {
    const version = (
      JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string }
    ).version;
    const r = await timbre(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`timbre ${version}`);
  });

  it('--port out of range is a usage error', async () => {
    const r = await timbre(['serve', '--port', '99999']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--port/);
    expect(r.stderr).toMatch(/65535/);
  });

  it('serve checks the data folder like the other commands', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    for (const home of [file, '/proc/self/x']) {
      const serve = await timbre(['serve', '--home', home], 15_000);
      const list = await timbre(['list', '--home', home]);
      expect(serve.code).toBe(2);
      expect(serve.stderr.split('\n')[0]).toBe(list.stderr.split('\n')[0]);
    }
  });

  it('a reading command on a data folder that does not exist says so and creates nothing', async () => {
    const home = join(dir, 'typo', 'no-such-home');
    const commands = [['list'], ['stats'], ['errors'], ['similar', 'x'], ['clusters'], ['map']];
    // Writers that need a library to work on make no folder either.
    commands.push(['analyze'], ['cluster']);
    for (const args of commands) {
      const r = await timbre([...args, '--home', home], 60_000);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/there is no Timbre library in .*no-such-home.*timbre scan DIR/s);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(join(dir, 'typo')), args.join(' ')).toBe(false);
    }
    // Nothing to check or show there either, and nothing made.
    const doctor = await timbre(['doctor', '--home', home], 60_000);
    expect(doctor.code).toBe(0);
    expect(doctor.stdout).toMatch(/nothing to check/);
    const ffmpeg = await timbre(['ffmpeg', '--home', home], 60_000);
    expect(ffmpeg.code).toBe(0);
    expect(ffmpeg.stdout).toMatch(/ffmpeg setting: auto/);
    expect(existsSync(join(dir, 'typo'))).toBe(false);
  }, 600_000);

  it('a usage error is one whatever the data folder holds: exit 2 before "no library"', async () => {
    const home = join(dir, 'typo', 'no-such-home');
    const cases: [string[], RegExp][] = [
      [['similar', 'x', '-k', '0'], /^timbre: -k: /],
      [['similar'], /^timbre: similar needs one track/],
      [['list', '--limit', '0'], /^timbre: --limit: /],
      [['errors', '--analysis', '--offset=-1'], /^timbre: --offset needs a whole number/],
      [['queue', 'x', '--length', '0'], /^timbre: --length: /],
      [['queue', 'x', '--radio', '--length', '0'], /^timbre: --length: /],
      [['queue'], /^timbre: queue needs seed tracks/],
      [['path', 'a', 'b', '--steps', '0'], /^timbre: --steps: /],
      [['find'], /^timbre: find needs words/],
      [['cluster', '--k', '1'], /^timbre: -k: /],
      [['cluster', '--algo', 'hdbscan', '--k', '5'], /k applies to kmeans, gmm and agglomerative only/],
      [['map', '--method', 'spiral'], /^timbre: --method: /],
      [['analyze', '--workers', '0'], /^timbre: --workers must be at least 1/],
      [['export'], /^timbre: export needs either --csv FILE or --m3u DIR/],
    ];
    for (const [args, words] of cases) {
      const r = await timbre([...args, '--home', home], 60_000);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(words);
      expect(r.stderr).not.toMatch(/no Timbre library/);
    }
    expect(existsSync(join(dir, 'typo'))).toBe(false);
  }, 600_000);
});
