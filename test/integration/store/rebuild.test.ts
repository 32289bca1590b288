/**
 * Damage beyond restoring, and tables other than the catalog:
 * - the tracks table loses every data file and manifest: opening says so (never an empty catalog
 *   over a library that existed), `timbre doctor` sets it aside and rescans, every file gets its
 *   old id back (the identity ledger) and "similar" answers as before without analysing again;
 * - a results table (per model), the cluster tables and the ledger are checked at open too, and
 *   the doctor reports every table;
 * - versions.json (the watermarks) exists from the first open, before any scan.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTimbre, type CliResult } from '../../helpers/cli';
import { createService, type CoreService } from '../../../src/main/api/service';
import { Catalog } from '../../../src/main/library/catalog';
import { DatabaseDamagedError, doctor } from '../../../src/main/store/doctor';
import { fixtureLibraryDir } from '../../helpers/shared';

const base = mkdtempSync(join(tmpdir(), 'timbre-rebuild-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const timbre = (home: string, args: string[]): Promise<CliResult> => runTimbre(args, { home });

/** A scanned, analysed (features only: quick) and clustered home. */
async function analysedHome(name: string): Promise<{ home: string; ids: Map<string, string> }> {
  const home = join(base, name);
  const lib = join(base, `${name}-lib`);
  for (const album of ['Obsidian Shell', 'Nexuiz'])
    cpSync(join(fixtureLibraryDir, album), join(lib, album), { recursive: true });
  const service = await createService({ home, mode: 'cli' });
  try {
    await service.catalog.scan([lib]);
    service.engine.start({ model: 'none', workers: 1 });
    const end = await service.engine.whenIdle();
    expect(end.error).toBeUndefined();
    expect(end.stored).toBe(4);
    const ids = new Map((await service.catalog.allTracks()).map((t) => [t.path, t.id]));
    return { home, ids };
  } finally {
    await service.close();
  }
}

const similarTo = async (service: CoreService, id: string) =>
  (await service.invoke('similar.tracks', { seed: { kind: 'track', id }, k: 3 })) as {
    results: { track: { id: string }; score: number }[];
  };

/** Deletes every file under a table's folder (data files and manifests alike). */
function wipe(dir: string): void {
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) wipe(p);
    else unlinkSync(p);
  }
}

describe('rebuilding a catalog that cannot be restored', () => {
  it('keeps every id, so similar answers without analysing again', async () => {
    const { home, ids } = await analysedHome('wiped');
    const seed = [...ids.values()][0];
    let service = await createService({ home, mode: 'cli', access: 'read' });
    const before = await similarTo(service, seed);
    await service.close();
    expect(before.results.length).toBeGreaterThan(0);

    wipe(join(home, 'db', 'tracks.lance'));
    const refused = await createService({ home, mode: 'cli', access: 'read' }).then(
      (s) => s.close().then(() => null),
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(DatabaseDamagedError);
    expect((refused as Error).message).toMatch(/"tracks"/);

    const r = await timbre(home, ['doctor']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/rebuilt +tracks: .*moved to the damaged\/ folder/);
    expect(r.stdout).toMatch(/rescanned 1 folder\(s\): 4 tracks, 4 of them with their former ids/);
    expect(r.stdout).toMatch(/^ok +analysis \(4 rows\)/m);
    expect(readdirSync(join(home, 'damaged')).some((n) => n.startsWith('tracks-'))).toBe(true);

    service = await createService({ home, mode: 'cli' });
    try {
      const after = new Map((await service.catalog.allTracks()).map((t) => [t.path, t.id]));
      expect(after).toEqual(ids);
      expect((await service.engine.summary({ model: 'none' })).pending).toBe(0);
      const answer = (x: Awaited<ReturnType<typeof similarTo>>) =>
        x.results.map((s) => [s.track.id, s.score.toFixed(6)]);
      expect(answer(await similarTo(service, seed))).toEqual(answer(before));
    } finally {
      await service.close();
    }
    expect((await doctor(home)).tables.every((t) => t.state === 'ok')).toBe(true);
  }, 600_000);

  it('a tracks folder deleted outright is refused, not opened empty, and rebuilt the same way', async () => {
    const { home, ids } = await analysedHome('deleted');
    rmSync(join(home, 'db', 'tracks.lance'), { recursive: true });
    await expect(Catalog.open(home)).rejects.toThrow(/"tracks" cannot be read \(its folder is missing\)/);
    const r = await timbre(home, ['doctor']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const catalog = await Catalog.open(home);
    try {
      expect(new Map((await catalog.allTracks()).map((t) => [t.path, t.id]))).toEqual(ids);
    } finally {
      await catalog.close();
    }
  }, 600_000);
});

describe('every table is checked', () => {
  it('versions.json exists from the first open, before any scan', async () => {
    const home = join(base, 'fresh');
    const service = await createService({ home, mode: 'cli' });
    await service.close();
    expect(existsSync(join(home, 'db', 'versions.json'))).toBe(true);
  }, 120_000);

  it('a damaged results table stops the open in words; the doctor reports each table and sets it aside', async () => {
    const { home, ids } = await analysedHome('results');
    // Data files and manifests: no version of it can be read.
    wipe(join(home, 'db', 'analysis.lance'));
    const refused = await createService({ home, mode: 'cli', access: 'read' }).then(
      (s) => s.close().then(() => null),
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(DatabaseDamagedError);
    expect((refused as Error).message).toMatch(/"analysis"/);
    expect((refused as Error).message).not.toMatch(/rustc|LanceError/);

    const r = await timbre(home, ['doctor']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const name of ['meta', 'tracks', 'scan_errors', 'track_ids', 'analysis_errors'])
      expect(r.stdout).toMatch(new RegExp(`^ok +${name} \\(`, 'm'));
    expect(r.stdout).toMatch(/^rebuilt +analysis: .*analysed again/m);
    // The catalog is untouched; the lost results are pending again.
    const service = await createService({ home, mode: 'cli' });
    try {
      expect(new Map((await service.catalog.allTracks()).map((t) => [t.path, t.id]))).toEqual(ids);
      expect((await service.engine.summary({ model: 'none' })).pending).toBe(4);
    } finally {
      await service.close();
    }
  }, 600_000);

  it('a lost newest manifest of a table besides the catalog (the identity ledger) is caught and healed', async () => {
    const home = join(base, 'ledger');
    const lib = join(base, 'ledger-lib');
    cpSync(join(fixtureLibraryDir, 'Obsidian Shell'), join(lib, 'Obsidian Shell'), { recursive: true });
    const versions = join(home, 'db', 'track_ids.lance', '_versions');
    // Lance names manifests by (2^64 - 1 - version): the newest sorts first.
    const manifests = () =>
      readdirSync(versions)
        .filter((n) => n.endsWith('.manifest'))
        .sort();
    let catalog = await Catalog.open(home);
    await catalog.scan([lib]);
    const afterFirstScan = manifests().length;
    cpSync(join(fixtureLibraryDir, 'Nexuiz'), join(lib, 'Nexuiz'), { recursive: true });
    await catalog.scan([lib]);
    const ids = new Map((await catalog.allTracks()).map((t) => [t.path, t.id]));
    await catalog.close();
    // Every version since the first scan is lost: the ledger left knows 2 of the 4 tracks.
    const all = manifests();
    for (const m of all.slice(0, all.length - afterFirstScan)) unlinkSync(join(versions, m));
    await expect(Catalog.open(home)).rejects.toThrow(
      /"track_ids" cannot be read \(its newest version is lost/,
    );
    const report = await doctor(home);
    expect(report.tables.find((t) => t.name === 'track_ids')?.state).toMatch(/restored|set-aside/);
    expect(report.tables.filter((t) => t.name !== 'track_ids').every((t) => t.state === 'ok')).toBe(true);
    // Opening fills in what the older ledger lacks: a later rebuild still finds every id.
    catalog = await Catalog.open(home);
    await catalog.close();
    rmSync(join(home, 'db', 'tracks.lance'), { recursive: true });
    const r = await timbre(home, ['doctor']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    catalog = await Catalog.open(home);
    try {
      expect(new Map((await catalog.allTracks()).map((t) => [t.path, t.id]))).toEqual(ids);
    } finally {
      await catalog.close();
    }
  }, 600_000);
});
