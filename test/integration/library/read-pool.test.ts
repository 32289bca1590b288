/**
 * The tag reader processes: the same rows as reading in-process, and a file that hangs the parser
 * in a synchronous loop or crashes it costs only that file. Fault injection: TIMBRE_READER_HANG_ON
 * / TIMBRE_READER_CRASH_ON (honoured by read-worker.ts, for tests only).
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/main/library/catalog';
import { ReadPool } from '../../../src/main/library/read-pool';
import { readTrack, type ReadResult } from '../../../src/main/library/reader';
import type { WalkEntry } from '../../../src/main/library/walker';
import { childPids, isAlive } from '../../helpers/processes';
import { fixtureLibraryDir } from '../../helpers/shared';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Eight real files under distinct names, two of them the hostile ones. */
function library(): { root: string; entries: WalkEntry[] } {
  const root = mkdtempSync(join(tmpdir(), 'timbre-readers-'));
  dirs.push(root);
  const sources = [
    join(fixtureLibraryDir, 'Nexuiz', 'blkrbt - Desert.opus'),
    join(fixtureLibraryDir, 'Obsidian Shell', 'M.A.R.S', 'Farewell.ogg'),
    join(fixtureLibraryDir, 'Wesnoth', 'Mattias Westlund', 'Breaking the Chains.mp3'),
    join(fixtureLibraryDir, 'Maxstack', 'Singularity', '01 Awakening.flac'),
  ];
  const names = ['a.opus', 'b.ogg', 'hang-me.mp3', 'c.flac', 'd.opus', 'crash-me.ogg', 'e.mp3', 'f.flac'];
  names.forEach((name, i) => copyFileSync(sources[i % sources.length], join(root, name)));
  const entries = readdirSync(root).map((name) => {
    const path = join(root, name);
    const st = statSync(path);
    return { path, root, size: st.size, mtimeMs: st.mtimeMs };
  });
  return { root, entries };
}

describe('ReadPool', () => {
  it('gives the same rows as reading in this process, and leaves no process behind', async () => {
    const { entries } = library();
    const pool = new ReadPool({ processes: 2, perProcess: 3 });
    const viaPool = await Promise.all(entries.map((e) => pool.read(e)));
    const pids = childPids();
    expect(pids.length).toBeGreaterThan(0);
    pool.close();
    const here = await Promise.all(entries.map((e) => readTrack(e)));
    expect(viaPool).toEqual(here);
    expect(viaPool.every((r) => r.ok)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(pids.filter(isAlive)).toEqual([]);
  }, 60_000);

  it('a file that hangs the parser in a synchronous loop or crashes it costs that file only', async () => {
    const { entries } = library();
    const pool = new ReadPool({
      processes: 2,
      perProcess: 4,
      timeoutMs: 2_000,
      env: { TIMBRE_READER_HANG_ON: 'hang-me', TIMBRE_READER_CRASH_ON: 'crash-me' },
    });
    const t0 = Date.now();
    const results = new Map<string, ReadResult>();
    await Promise.all(entries.map(async (e) => results.set(e.path, await pool.read(e))));
    pool.close();
    // The hang costs its time limit twice at most (once with others in hand, once alone).
    expect(Date.now() - t0).toBeLessThan(30_000);
    for (const [path, result] of results) {
      if (path.includes('hang-me')) {
        expect(result).toEqual({
          ok: false,
          reason: 'the tag reader stalled on this file for 4 s and was stopped',
        });
      } else if (path.includes('crash-me')) {
        expect(result.ok).toBe(false);
        expect(!result.ok && result.reason).toMatch(
          /^the tag reader crashed on this file \(signal SIGABRT\)$/,
        );
      } else {
        expect(result.ok, path).toBe(true);
      }
    }
  }, 60_000);

  it('reads in this process when the reader processes cannot start', async () => {
    const { entries } = library();
    const pool = new ReadPool({ entry: { path: join(tmpdir(), 'no-such-reader.js'), execArgv: [] } });
    const results = await Promise.all(entries.map((e) => pool.read(e)));
    pool.close();
    expect(results.every((r) => r.ok)).toBe(true);
  }, 60_000);
});

describe('a scan with a hostile file', () => {
  it('records the file that hung the reader and does not retry it while it is unchanged', async () => {
    const { root } = library();
    const home = mkdtempSync(join(tmpdir(), 'timbre-readers-home-'));
    dirs.push(home);
    const catalog = await Catalog.open(home);
    const options = {
      fileTimeoutMs: 2_000,
      readerEnv: { TIMBRE_READER_HANG_ON: 'hang-me', TIMBRE_READER_CRASH_ON: 'crash-me' },
    };
    const first = await catalog.scan([root], options);
    expect(first).toMatchObject({ added: 6, failed: 2 });
    const errors = (await catalog.errors()).errors.map((e) => e.reason).sort();
    expect(errors).toEqual([
      'the tag reader crashed on this file (signal SIGABRT)',
      'the tag reader stalled on this file for 4 s and was stopped',
    ]);
    const t0 = Date.now();
    const again = await catalog.scan([root], options);
    expect(again).toMatchObject({ added: 0, unchanged: 8 });
    expect(Date.now() - t0).toBeLessThan(5_000);
    await catalog.close();
  }, 60_000);
});
