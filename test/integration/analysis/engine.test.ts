/**
 * The analysis engine with real worker processes (child_process.fork of the TypeScript worker),
 * real decoding, features and MusiCNN on the fixture library.
 *
 * Fault injection: TIMBRE_WORKER_CRASH_ON / TIMBRE_WORKER_HANG_ON (honoured by worker.ts, for tests
 * only) make a worker abort (a real native crash) or hang on the track whose path contains the value.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { AnalysisEngine, type AnalysisEngineOptions } from '../../../src/main/analysis/engine';
import { ResultsStore } from '../../../src/main/analysis/results-store';
import { Catalog } from '../../../src/main/library/catalog';
import type { AnalysisProgress, Track } from '../../../src/shared/types';
import type { TrackAnalysisResult } from '../../../src/main/analysis/types';
import { isAlive } from '../../helpers/processes';
import { fixtureLibraryDir, fixtureOddDir, musicnnDir } from '../../helpers/shared';

const here = dirname(fileURLToPath(import.meta.url));
const homes: string[] = [];

afterAll(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

interface Ctx {
  home: string;
  catalog: Catalog;
  store: ResultsStore;
  tracks: Track[];
}

async function scannedHome(roots: string[]): Promise<Ctx> {
  const home = mkdtempSync(join(tmpdir(), 'timbre-engine-'));
  homes.push(home);
  const catalog = await Catalog.open(home);
  await catalog.scan(roots);
  const store = await ResultsStore.open(catalog.db);
  return { home, catalog, store, tracks: await catalog.allTracks() };
}

function engineFor(ctx: Ctx, opts: Partial<AnalysisEngineOptions> = {}): AnalysisEngine {
  return new AnalysisEngine({
    home: ctx.home,
    catalog: ctx.catalog,
    store: ctx.store,
    modelsDir: musicnnDir,
    ...opts,
  });
}

const byPath = (ctx: Ctx, part: string): Track => {
  const t = ctx.tracks.find((x) => x.path.includes(part));
  if (!t) throw new Error(`no track ${part}`);
  return t;
};

function waitFor(
  engine: AnalysisEngine,
  test: (p: AnalysisProgress) => boolean,
  timeoutMs = 60_000,
): Promise<AnalysisProgress> {
  return new Promise((resolve, reject) => {
    const now = engine.status();
    if (test(now)) return resolve(now);
    const timer = setTimeout(
      () => reject(new Error(`timed out waiting; last ${JSON.stringify(engine.status())}`)),
      timeoutMs,
    );
    const listener = (p: AnalysisProgress) => {
      if (!test(p)) return;
      clearTimeout(timer);
      engine.off('progress', listener);
      resolve(p);
    };
    engine.on('progress', listener);
  });
}

async function gone(pids: number[], timeoutMs = 10_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (pids.every((p) => !isAlive(p))) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe('AnalysisEngine on the fixtures', () => {
  let ctx: Ctx;
  let version: string;
  let corruptId: string;

  it('analyses every good file with MusiCNN on 2 workers and records the broken ones with reasons', async () => {
    // A file that was fine when scanned and is garbage by analysis time (plus the odd fixtures).
    const changed = mkdtempSync(join(tmpdir(), 'timbre-engine-changed-'));
    homes.push(changed);
    const victim = join(changed, 'changed since scan.mp3');
    copyFileSync(join(fixtureLibraryDir, 'Tracker', 'TecnoballZ', 'Tecno Winn.mp3'), victim);
    ctx = await scannedHome([fixtureLibraryDir, fixtureOddDir, changed]);
    writeFileSync(victim, Buffer.alloc(50_000, 0x5a));
    corruptId = byPath(ctx, 'changed since scan').id;

    const engine = engineFor(ctx, { workers: 2, model: 'msd' });
    const events: AnalysisProgress[] = [];
    engine.on('progress', (p) => events.push(p));
    const written: string[] = [];
    engine.on('written', (ids: string[]) => written.push(...ids));
    const started = engine.start();
    expect(started.state).toBe('running');
    const end = await engine.whenIdle();
    expect(engine.lastError).toBeNull();
    // Every result was announced once it was in the database (what the similarity cache waits for).
    expect(written.length).toBe(end.done - end.failed);
    expect(new Set(written).size).toBe(written.length);

    version = engine.currentVersion!;
    expect(version).toMatch(/^f.+\+msd@[0-9a-f]{12}\+p\d+$/);
    expect(end.state).toBe('idle');
    expect(end.model).toBe('msd');
    expect(end.modelNote).toBeUndefined();
    expect(end.total).toBe(ctx.tracks.length);
    expect(end.done).toBe(end.total);
    expect(Math.max(...events.map((e) => e.workers))).toBe(2);
    expect(events.some((e) => e.current.length === 2)).toBe(true);
    expect(events.some((e) => e.tracksPerMinute > 0 && e.etaSeconds !== null)).toBe(true);
    expect(events.every((e) => e.state === 'running' || e.state === 'idle')).toBe(true);

    const versions = await ctx.store.versions();
    const failed = await ctx.store.errors({ limit: 100 });
    // Every good fixture is analysed at this version, with an embedding.
    const library = ctx.tracks.filter((t) => t.path.startsWith(fixtureLibraryDir));
    expect(library.length).toBe(12);
    for (const t of library) expect(versions.get(t.id), t.path).toBe(version);
    const all = await ctx.store.loadAll();
    expect(all.embedding?.model).toBe('msd');
    expect(all.embedding?.dim).toBe(200);
    for (const t of library) expect(all.embedding!.present[all.ids.indexOf(t.id)], t.path).toBe(1);
    // Every other track either has results or a failure with a reason; the changed file failed.
    for (const t of ctx.tracks) {
      const failure = failed.errors.find((e) => e.trackId === t.id);
      expect(versions.get(t.id) === version || (failure && failure.reason.length > 0), t.path).toBeTruthy();
    }
    const corrupt = failed.errors.find((e) => e.trackId === corruptId);
    expect(corrupt?.analysisVersion).toBe(version);
    expect(corrupt?.reason).toMatch(/invalid|error|header|no audio/i);
    expect(end.failed).toBe(failed.total);
    expect(failed.errors.every((e) => !e.path.startsWith(fixtureLibraryDir))).toBe(true);

    // MusiCNN says the metal track is metal.
    const info = await ctx.store.getTrackInfo(byPath(ctx, 'Farewell').id);
    expect(info?.tags.msd.slice(0, 3).map((t) => t.tag)).toContain('metal');
    expect((await ctx.store.counts(version)).analysed).toBe(versions.size);

    const stats = engine.runStats();
    expect(Object.keys(stats.workerPeakRssKb).length).toBeGreaterThanOrEqual(2);
    expect(stats.decodeMs).toBeGreaterThan(0);
    expect(stats.embeddingMs).toBeGreaterThan(0);
  }, 170_000);

  it('does nothing on a second run: nothing analysed or failed at this version is redone', async () => {
    const engine = engineFor(ctx, { workers: 2, model: 'msd' });
    const summary = await engine.summary();
    expect(summary).toEqual({
      version,
      model: 'msd',
      modelNote: undefined,
      analysed: (await ctx.store.versions()).size,
      failed: (await ctx.store.errors()).total,
      pending: 0,
    });
    expect(summary.analysed + summary.failed).toBe(ctx.tracks.length);
    engine.start();
    const end = await engine.whenIdle();
    expect(end.total).toBe(0);
    expect(end.done).toBe(0);
  });

  it('re-queues exactly the tracks whose stored version is stale', async () => {
    const all = await ctx.store.loadAll();
    const stale = [byPath(ctx, 'Desert').id, byPath(ctx, 'Northerners').id];
    const before = new Map((await ctx.store.versions()).entries());
    const analysedAt = async (id: string) => (await ctx.store.getTrackInfo(id))!.analysedAt;
    const untouched = byPath(ctx, 'Farewell').id;
    const untouchedAt = await analysedAt(untouched);
    // Rewrite two rows as if an older analysis version had made them.
    const rows: TrackAnalysisResult[] = stale.map((id) => {
      const i = all.ids.indexOf(id);
      const dF = all.featureNames.length;
      return {
        trackId: id,
        analysisVersion: 'f0+old',
        features: {
          scalars: all.scalars[i],
          vector: all.features.slice(i * dF, (i + 1) * dF),
          names: all.featureNames,
        },
        embeddings: [],
        timings: { decodeMs: 0, featuresMs: 0, embeddingMs: 0 },
      };
    });
    await ctx.store.write(rows);
    // A failure recorded at an older version is retried too (and here fails again).
    const failures = await ctx.store.failedVersions();
    const corrupt = byPath(ctx, 'changed since scan');
    await ctx.store.write(
      [],
      [{ trackId: corrupt.id, path: corrupt.path, reason: 'old', analysisVersion: 'f0+old', at: 1 }],
    );

    const engine = engineFor(ctx, { workers: 2, model: 'msd' });
    expect((await engine.summary()).pending).toBe(3);
    expect((await engine.summary({ model: 'none' })).pending).toBe(ctx.tracks.length);
    engine.start();
    const end = await engine.whenIdle();
    expect(end.total).toBe(3);
    expect(end.failed).toBe(1);
    const after = await ctx.store.versions();
    for (const id of stale) expect(after.get(id)).toBe(version);
    expect(after.size).toBe(before.size);
    expect(await analysedAt(untouched)).toBe(untouchedAt);
    expect(await ctx.store.failedVersions()).toEqual(failures);
    expect((await ctx.store.errors()).errors.find((e) => e.trackId === corruptId)?.reason).not.toBe('old');
    await ctx.catalog.close();
  }, 120_000);
});

describe('AnalysisEngine faults', () => {
  it('a crashing worker costs one track and a hanging one is killed at the timeout; features only without a model', async () => {
    const ctx = await scannedHome([
      join(fixtureLibraryDir, 'Obsidian Shell'),
      join(fixtureLibraryDir, 'Nexuiz'),
    ]);
    expect(ctx.tracks.length).toBe(4);
    // One worker, tracks longest first: Elveszett (crash), Desert (hang), Thru the Mirror, Farewell.
    const engine = engineFor(ctx, {
      workers: 1,
      model: 'no-such-model',
      workerEnv: { TIMBRE_WORKER_CRASH_ON: 'Elveszett', TIMBRE_WORKER_HANG_ON: 'Desert' },
      trackTimeoutMs: () => 8_000,
    });
    // A model that does not exist at all (a typo) stops the run with the reason, touching nothing.
    engine.start();
    const refused = await engine.whenIdle();
    expect(refused).toMatchObject({ total: 0, done: 0 });
    expect(refused.error).toMatch(/^There is no model "no-such-model"/);
    expect((await engine.summary()).pending).toBe(4);

    engine.start({ model: 'none' });
    const end = await engine.whenIdle();
    expect(engine.lastError).toBeNull();
    expect(end.error).toBeUndefined();
    expect(end.model).toBeNull();
    expect(end.modelNote).toBe('Model set to "none": analysing features only');
    expect(engine.currentVersion).toMatch(/\+none$/);
    expect(end.total).toBe(4);
    expect(end.done).toBe(4);
    expect(end.failed).toBe(2);

    const errors = (await ctx.store.errors()).errors;
    const crash = errors.find((e) => e.path.includes('Elveszett'));
    expect(crash?.reason).toMatch(/^worker crashed: signal SIGABRT/);
    const hang = errors.find((e) => e.path.includes('Desert'));
    expect(hang?.reason).toBe('timed out after 8 s (worker killed)');
    const versions = await ctx.store.versions();
    expect(versions.get(byPath(ctx, 'Farewell').id)).toBe(engine.currentVersion);
    expect(versions.get(byPath(ctx, 'Thru the Mirror').id)).toBe(engine.currentVersion);
    const all = await ctx.store.loadAll();
    expect(all.embedding).toBeNull();
    // The worker was respawned after each loss: three processes served this run.
    expect(Object.keys(engine.runStats().workerPeakRssKb).length).toBe(3);

    // The crashing track is not retried at this version.
    const again = engineFor(ctx, {
      workers: 2,
      model: 'none',
      workerEnv: { TIMBRE_WORKER_CRASH_ON: 'Elveszett' },
    });
    again.start();
    const end2 = await again.whenIdle();
    expect(end2.total).toBe(0);
    expect(end2.modelNote).toBe('Model set to "none": analysing features only');
    await ctx.catalog.close();
  }, 120_000);

  it('goes on with features only when the model resolves but no worker can load it', async () => {
    const ctx = await scannedHome([join(fixtureLibraryDir, 'Obsidian Shell')]);
    const broken = join(ctx.home, 'broken.onnx');
    writeFileSync(broken, 'this is not an ONNX model');
    const engine = engineFor(ctx, {
      workers: 2,
      resolveModel: () =>
        Promise.resolve({
          id: 'msd',
          name: 'MusiCNN MSD (corrupt cache)',
          kind: 'musicnn-mel',
          origin: 'builtin',
          onnxPath: broken,
          sampleRate: 16_000,
          input: '',
          outputs: { embedding: 'embeddings' },
          embeddingDim: 200,
          pooling: 'mean+std',
          tags: [],
          patchFrames: 187,
          bands: 96,
        }),
    });
    engine.start();
    const end = await engine.whenIdle();
    expect(engine.lastError).toBeNull();
    expect(end.model).toBeNull();
    expect(end.modelNote).toMatch(/^The msd model could not be loaded \(.+\): analysing features only$/);
    expect(engine.currentVersion).toMatch(/\+none$/);
    expect(end.failed).toBe(0);
    expect(end.done).toBe(ctx.tracks.length);
    const versions = await ctx.store.versions();
    for (const t of ctx.tracks) expect(versions.get(t.id)).toBe(engine.currentVersion);
    expect((await ctx.store.loadAll()).embedding).toBeNull();
    await ctx.catalog.close();
  }, 120_000);

  it('analyses prioritized tracks first: asked before the run, and while it runs', async () => {
    const ctx = await scannedHome([join(fixtureLibraryDir, 'Wesnoth'), join(fixtureLibraryDir, 'Maxstack')]);
    // Equal durations: the queue would go in path order; ask for the last two first, one at a time.
    const [, , , second, first] = [...ctx.tracks].sort((a, b) => a.path.localeCompare(b.path));
    const engine = engineFor(ctx, { workers: 1, model: 'none', flushIntervalMs: 100 });
    expect(engine.prioritize([first.id])).toBe(false); // nothing queued yet: the next run puts it first
    engine.start();
    const started = await waitFor(engine, (p) => p.current.length > 0);
    expect(started.current).toEqual([first.path]);
    expect(engine.prioritize([second.id])).toBe(true);
    const next = await waitFor(engine, (p) => p.current.length > 0 && p.current[0] !== first.path);
    expect(next.current).toEqual([second.path]);
    await engine.close();
  });

  it('pauses (in-flight tracks finish), resumes, cancels (workers gone, finished work kept) and resumes later', async () => {
    const ctx = await scannedHome([join(fixtureLibraryDir, 'Wesnoth'), join(fixtureLibraryDir, 'Maxstack')]);
    expect(ctx.tracks.length).toBe(5);
    const engine = engineFor(ctx, { workers: 1, model: 'none', flushIntervalMs: 100 });
    engine.start();
    await waitFor(engine, (p) => p.done >= 1);
    const paused = engine.pause();
    expect(paused.state).toBe('paused');
    const settled = await waitFor(engine, (p) => p.current.length === 0);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(engine.status().done).toBe(settled.done);
    expect(engine.status().state).toBe('paused');
    expect(settled.done).toBeLessThanOrEqual(paused.done + 1);

    expect(engine.resume().state).toBe('running');
    await waitFor(engine, (p) => p.done >= settled.done + 1);
    const pids = Object.keys(engine.runStats().workerPeakRssKb).map(Number);
    const cancelled = await engine.cancel();
    expect(cancelled.state).toBe('idle');
    expect(cancelled.done).toBeLessThan(5);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    const stored = (await ctx.store.counts()).analysed;
    expect(stored).toBe(cancelled.done - cancelled.failed);

    engine.start();
    const end = await engine.whenIdle();
    expect(end.total).toBe(5 - stored);
    expect((await ctx.store.counts(engine.currentVersion!)).analysed).toBe(5);
    await ctx.catalog.close();
  }, 120_000);

  it('survives a SIGKILL of the main process: flushed tracks are not redone, the rest completes', async () => {
    const ctx = await scannedHome([fixtureLibraryDir]);
    await ctx.catalog.close();
    const script = join(here, 'run-engine.ts');
    const run = (killAfterFlushed: number | null) =>
      new Promise<{ lines: Record<string, unknown>[]; signal: NodeJS.Signals | null }>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', script, ctx.home, musicnnDir, '2', 'none', '2', '200'],
          {
            stdio: ['ignore', 'pipe', 'inherit'],
          },
        );
        const lines: Record<string, unknown>[] = [];
        let buf = '';
        child.stdout.on('data', (chunk: Buffer) => {
          buf += chunk.toString();
          let nl;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = JSON.parse(buf.slice(0, nl)) as Record<string, unknown>;
            buf = buf.slice(nl + 1);
            lines.push(line);
            const stored = Number(line.analysed ?? 0) + Number(line.failed ?? 0);
            if (killAfterFlushed !== null && line.event === 'flushed' && stored >= killAfterFlushed)
              child.kill('SIGKILL');
          }
        });
        child.on('error', reject);
        child.on('close', (_code, signal) => resolve({ lines, signal }));
      });

    const first = await run(4);
    expect(first.signal).toBe('SIGKILL');
    expect(first.lines.some((l) => l.event === 'idle')).toBe(false);
    // Its orphaned workers notice the lost IPC channel and exit.
    const orphans = [...new Set(first.lines.flatMap((l) => (l.workers as number[] | undefined) ?? []))];
    expect(orphans.length).toBeGreaterThanOrEqual(2);
    expect(await gone(orphans)).toBe(true);

    const catalog = await Catalog.open(ctx.home);
    let store = await ResultsStore.open(catalog.db);
    const kept = await store.versions();
    expect(kept.size).toBeGreaterThanOrEqual(4);
    expect(kept.size).toBeLessThan(12);
    const keptAt = new Map<string, number>();
    for (const id of kept.keys()) keptAt.set(id, (await store.getTrackInfo(id))!.analysedAt);
    catalog.close();

    const second = await run(null);
    expect(second.signal).toBeNull();
    const idle = second.lines.find((l) => l.event === 'idle') as {
      progress: AnalysisProgress;
      error: string | null;
    };
    expect(idle.error).toBeNull();
    expect(idle.progress.total).toBe(12 - kept.size);

    const catalog2 = await Catalog.open(ctx.home);
    store = await ResultsStore.open(catalog2.db);
    const finalVersions = await store.versions();
    expect(finalVersions.size).toBe(12);
    for (const [id, at] of keptAt) expect((await store.getTrackInfo(id))!.analysedAt, id).toBe(at);
    await catalog2.close();
  }, 150_000);
});

describe('AnalysisEngine and changed files', () => {
  it('re-analyses a file rewritten with other audio (and a replaced broken file), not a moved one', async () => {
    const music = mkdtempSync(join(tmpdir(), 'timbre-engine-changed-'));
    homes.push(music);
    const rewritten = join(music, 'rewritten.ogg');
    const moved = join(music, 'moved.mp3');
    const broken = join(music, 'broken.flac');
    copyFileSync(join(fixtureLibraryDir, 'Obsidian Shell', 'M.A.R.S', 'Farewell.ogg'), rewritten);
    copyFileSync(join(fixtureLibraryDir, 'Wesnoth', 'Mattias Westlund', 'Breaking the Chains.mp3'), moved);
    copyFileSync(join(fixtureLibraryDir, 'Maxstack', 'Singularity', '01 Awakening.flac'), broken);
    const ctx = await scannedHome([music]);
    // Broken after the scan: its analysis fails.
    writeFileSync(broken, Buffer.alloc(40_000, 0x5a));
    const engine = engineFor(ctx, { workers: 1, model: 'none' });
    engine.start();
    expect(await engine.whenIdle()).toMatchObject({ done: 3, failed: 1 });
    const info = async (path: string) => {
      const t = (await ctx.catalog.allTracks()).find((x) => x.path === path)!;
      return { id: t.id, at: (await ctx.store.getTrackInfo(t.id))?.analysedAt ?? null };
    };
    const before = { rewritten: await info(rewritten), moved: await info(moved) };
    expect((await engine.summary()).pending).toBe(0);

    // New audio under the same name, the broken file repaired, the other file renamed.
    await new Promise((r) => setTimeout(r, 20));
    copyFileSync(join(fixtureLibraryDir, 'Nexuiz', 'blkrbt - Desert.opus'), rewritten);
    copyFileSync(join(fixtureLibraryDir, 'Maxstack', 'Singularity', '01 Awakening.flac'), broken);
    const movedTo = join(music, 'renamed.mp3');
    renameSync(moved, movedTo);
    expect(await ctx.catalog.scan([music])).toMatchObject({ moved: 1 });
    expect((await engine.summary()).pending).toBe(2);
    engine.start();
    expect(await engine.whenIdle()).toMatchObject({ total: 2, done: 2, failed: 0 });
    const after = { rewritten: await info(rewritten), moved: await info(movedTo) };
    expect(after.rewritten.id).toBe(before.rewritten.id);
    expect(after.rewritten.at).toBeGreaterThan(before.rewritten.at!);
    expect(after.moved).toEqual(before.moved);
    expect((await ctx.store.errors()).total).toBe(0);
    await ctx.catalog.close();
  }, 120_000);
});
