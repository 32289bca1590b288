/**
 * A damaged database (a data file of the tracks table deleted or cut short): opening says so in
 * words with what to do (no raw Lance text), and the doctor restores the newest readable version.
 */
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/main/library/catalog';
import { DatabaseDamagedError, doctor } from '../../../src/main/store/doctor';
import { fixtureLibraryDir } from '../../helpers/shared';

const base = mkdtempSync(join(tmpdir(), 'timbre-damage-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** A home whose tracks table has two versions with data: the first scan, then one more file. */
async function homeWithHistory(name: string): Promise<{ home: string; dataDir: string; firstCount: number }> {
  const home = join(base, name);
  const lib = join(base, `${name}-lib`);
  cpSync(join(fixtureLibraryDir, 'Obsidian Shell'), join(lib, 'Obsidian Shell'), { recursive: true });
  const catalog = await Catalog.open(home);
  await catalog.scan([lib]);
  const firstCount = (await catalog.allTracks()).length;
  cpSync(join(fixtureLibraryDir, 'Nexuiz'), join(lib, 'Nexuiz'), { recursive: true });
  await catalog.scan([lib]);
  await catalog.close();
  return { home, dataDir: join(home, 'db', 'tracks.lance', 'data'), firstCount };
}

const newest = (dir: string) =>
  readdirSync(dir)
    .map((n) => join(dir, n))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];

describe('a damaged tracks table', () => {
  for (const damage of ['deleted', 'truncated'] as const) {
    it(`a ${damage} data file: words on open, then the doctor restores a readable version`, async () => {
      const { home, dataDir } = await homeWithHistory(damage);
      const file = newest(dataDir);
      if (damage === 'deleted') unlinkSync(file);
      else truncateSync(file, 10);
      const err = await Catalog.open(home).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DatabaseDamagedError);
      expect(String((err as Error).message)).toMatch(/timbre doctor/);
      expect(String((err as Error).message)).not.toMatch(/rustc|LanceError/);

      const report = await doctor(home);
      const tracks = report.tables.find((t) => t.name === 'tracks');
      expect(tracks?.state).toBe('restored');
      const catalog = await Catalog.open(home);
      try {
        expect((await catalog.allTracks({ includeMissing: true })).length).toBeGreaterThan(0);
      } finally {
        await catalog.close();
      }
      expect((await doctor(home)).tables.every((t) => t.state === 'ok')).toBe(true);
    });
  }
});

describe('a lost newest manifest', () => {
  it('is detected on open instead of showing an older (empty) catalog', async () => {
    const { home } = await homeWithHistory('manifest');
    const versions = join(home, 'db', 'tracks.lance', '_versions');
    // Lance names manifests by (2^64 - 1 - version): the newest sorts first.
    const manifests = readdirSync(versions)
      .filter((n) => n.endsWith('.manifest'))
      .sort();
    unlinkSync(join(versions, manifests[0]));
    const err = await Catalog.open(home).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DatabaseDamagedError);
    expect(String((err as Error).message)).toMatch(/newest version is lost/);
    // The doctor keeps the older version, which is not empty, and the catalog opens again.
    const report = await doctor(home);
    expect(report.tables.find((t) => t.name === 'tracks')).toMatchObject({ state: 'restored' });
    const catalog = await Catalog.open(home);
    try {
      expect((await catalog.allTracks({ includeMissing: true })).length).toBeGreaterThan(0);
    } finally {
      await catalog.close();
    }
  });
});
