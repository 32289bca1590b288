/**
 * A write that fails (a full disk) stops the analysis and the figures say what is stored, not
 * what was computed: in the engine, with a results store whose writes start failing the way Lance
 * fails on ENOSPC, and in `timbre analyze` on a data folder on a real, tiny tmpfs that fills up.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AnalysisEngine } from '../../../src/main/analysis/engine';
import { ResultsStore } from '../../../src/main/analysis/results-store';
import { Catalog } from '../../../src/main/library/catalog';
import { projectRoot } from '../../../src/main/project-root';
import { fixtureLibraryDir } from '../../helpers/shared';

const dirs: string[] = [];
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts) spawnSync('umount', [m]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** What Lance throws when the disk is full (its text, as seen on a full tmpfs here). */
const lanceEnospc = () =>
  Object.assign(
    new Error(
      'lance error: LanceError(IO): No space left on device (os error 28), /usr/local/cargo/registry/src/' +
        'index.crates.io-1949cf8c6b5b557f/lance-file-8.0.0/src/writer.rs:389:9  Caused by: No space left on device (os error 28)',
    ),
    { code: 'GenericFailure' },
  );

describe('analysis when writes fail', () => {
  it('stops at the first failed write, and stored counts match the database', async () => {
    const home = mkdtempSync(join(tmpdir(), 'timbre-wfail-'));
    dirs.push(home);
    const catalog = await Catalog.open(home);
    await catalog.scan([join(fixtureLibraryDir, 'Obsidian Shell'), join(fixtureLibraryDir, 'Nexuiz')]);
    const store = await ResultsStore.open(catalog.db);
    // The first batch is written; every write after it fails as on a full disk.
    const write = store.write.bind(store);
    let writes = 0;
    store.write = (results, errors) =>
      writes++ === 0 ? write(results, errors) : Promise.reject(lanceEnospc());
    const engine = new AnalysisEngine({
      home,
      catalog,
      store,
      workers: 1,
      model: 'none',
      batchSize: 1,
      flushIntervalMs: 10,
    });
    engine.start();
    const end = await engine.whenIdle();
    const counts = await store.counts();
    expect(end.total).toBe(4);
    expect(end.stored).toBe(counts.analysed);
    expect(end.storedFailed).toBe(counts.failed);
    expect(end.stored + end.storedFailed).toBe(1);
    expect(end.error).toBe(`disk full (ENOSPC) while writing results to ${join(home, 'db')}`);
    expect(engine.lastError?.message).toBe(end.error);
    // Stopped, not carried on: what was not stored is still pending.
    expect((await engine.summary()).pending).toBe(4 - counts.analysed - counts.failed);
    await catalog.close();
  }, 180_000);

  // A real full disk: needs root to mount a tmpfs (the test machine is), else there is nothing to run.
  const canMount = process.getuid?.() === 0 && process.platform === 'linux';
  /** A 4 MB tmpfs with a data folder in it, and how to run the CLI on it. */
  const smallDisk = () => {
    const mount = mkdtempSync(join(tmpdir(), 'timbre-tmpfs-'));
    dirs.push(mount);
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mount]).status).toBe(0);
    mounts.push(mount);
    const home = join(mount, 'home');
    return {
      mount,
      home,
      env: { ...process.env, TIMBRE_HOME: home },
      cli: join(projectRoot(), 'bin', 'timbre.mjs'),
    };
  };
  it.skipIf(!canMount)(
    '`timbre analyze` on a full disk prints what was stored, says why, and exits 1',
    async () => {
      const { mount, home, env, cli } = smallDisk();
      const scan = spawnSync(process.execPath, [cli, 'scan', fixtureLibraryDir], { env, timeout: 120_000 });
      expect(scan.status, String(scan.stderr)).toBe(0);
      // Leaves room for the lock and a few result batches, not for all of them.
      const { bavail, bsize } = statfsSync(mount);
      const filler = join(mount, 'filler');
      writeFileSync(filler, Buffer.alloc(Math.max(0, bavail * bsize - 48 * 1024)));
      const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [cli, 'analyze', '--model', 'none', '--workers', '1'], {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr });
        });
      });
      expect(r.code, r.stderr).toBe(1);
      const line = /Analysed (\d+) of (\d+) tracks(?:, (\d+) failed)?; stopped: (.*)/.exec(r.stdout);
      expect(line, r.stdout + r.stderr).not.toBeNull();
      expect(line![4]).toMatch(/^disk full \(ENOSPC\) while writing results to /);
      expect(r.stdout + r.stderr).not.toMatch(/rustc|cargo|LanceError/);
      // What it printed is what the database holds (read with the filler gone).
      rmSync(filler);
      const catalog = await Catalog.open(home);
      const store = await ResultsStore.open(catalog.db);
      const counts = await store.counts();
      await catalog.close();
      expect(Number(line![1])).toBe(counts.analysed);
      expect(Number(line![3] ?? 0)).toBe(counts.failed);
      expect(counts.analysed).toBeLessThan(Number(line![2]));
    },
    400_000,
  );

  it.skipIf(!canMount)(
    '`timbre scan` on a full disk says how many tracks the library holds, and exits 1',
    async () => {
      const { mount, home, env, cli } = smallDisk();
      const first = spawnSync(process.execPath, [cli, 'scan', join(fixtureLibraryDir, 'Obsidian Shell')], {
        env,
        timeout: 120_000,
      });
      expect(first.status, String(first.stderr)).toBe(0);
      const { bavail, bsize } = statfsSync(mount);
      const filler = join(mount, 'filler');
      writeFileSync(filler, Buffer.alloc(Math.max(0, bavail * bsize - 8 * 1024)));
      const r = spawnSync(process.execPath, [cli, 'scan', fixtureLibraryDir], { env, timeout: 240_000 });
      const out = String(r.stdout) + String(r.stderr);
      expect(r.status, out).toBe(1);
      expect(out).toMatch(/disk full \(ENOSPC\) while writing to /);
      expect(out).not.toMatch(/rustc|cargo|LanceError|\n\s+at /);
      rmSync(filler);
      const catalog = await Catalog.open(home);
      const held = catalog.size;
      await catalog.close();
      const said = /The library holds (\d+) tracks \((\d+) before this scan\)/.exec(out);
      expect(said, out).not.toBeNull();
      expect(Number(said![1])).toBe(held);
      expect(Number(said![2])).toBe(2);
      expect(held).toBeLessThan(12);
    },
    400_000,
  );
});
