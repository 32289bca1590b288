import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDirs } from '../../../src/main/library/folders';
import { ApiError } from '../../../src/shared/contract';

describe('listDirs (the folder picker)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'timbre-dirs-'));
    for (const d of ['Music 10', 'Music 2', '.hidden', 'ábc']) mkdirSync(join(dir, d));
    writeFileSync(join(dir, 'song.mp3'), '');
    symlinkSync(join(dir, 'Music 2'), join(dir, 'linked'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists sub-folders only (links to folders too), not files or hidden ones, in natural order', async () => {
    const listing = await listDirs(dir);
    expect(listing.dirs.map((d) => d.name)).toEqual(['ábc', 'linked', 'Music 2', 'Music 10']);
    expect(listing.dirs[2].path).toBe(join(dir, 'Music 2'));
    expect(listing.parent).toBe(dirname(dir));
    expect(listing.places.map((p) => p.path)).toEqual([homedir(), '/']);
  });

  it('starts at the home folder, stops at the top, refuses what is not a folder', async () => {
    expect((await listDirs()).path).toBe(homedir());
    expect((await listDirs('/')).parent).toBeNull();
    await expect(listDirs(join(dir, 'song.mp3'))).rejects.toBeInstanceOf(ApiError);
    await expect(listDirs(join(dir, 'nope'))).rejects.toThrow(/is not a folder/);
  });
});
