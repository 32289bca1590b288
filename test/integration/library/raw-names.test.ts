/**
 * Nothing under a root disappears silently: names that are not UTF-8 become tracks (stored
 * losslessly, shown readably, playable), and every file that is not a track or an error is a
 * skip counted with its reason (special files, dangling links, link loops, …).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Schema } from 'apache-arrow';
import { Catalog } from '../../../src/main/library/catalog';
import { Database } from '../../../src/main/store/db';
import { tracksSchema, trackToRow } from '../../../src/main/library/schema';
import { fsPath } from '../../../src/main/store/raw-path';
import { walk } from '../../../src/main/library/walker';
import { fixtureLibraryDir } from '../../helpers/shared';

let base: string;
let lib: string;
let catalog: Catalog;
let server: Server;
const flac = join(fixtureLibraryDir, 'Maxstack', 'Singularity', '01 Awakening.flac');
const b = (s: string) => Buffer.from(s, 'latin1');

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'timbre-raw-'));
  lib = join(base, 'lib');
  mkdirSync(lib);
  // A Latin-1 folder and file name: bytes 0xf6 and 0xe9 alone are not UTF-8.
  const folder = Buffer.concat([Buffer.from(lib + '/'), b('Bj\xf6rk')]);
  mkdirSync(folder);
  copyFileSync(flac, Buffer.concat([folder, b('/Caf\xe9.flac')]));
  copyFileSync(flac, join(lib, 'plain.flac'));
  // Things that are not tracks: each must be a counted skip.
  execFileSync('mkfifo', [join(lib, 'pipe.mp3')]);
  // Node removes a socket's file when the server closes: keep it listening for the tests.
  server = createServer();
  await new Promise<void>((ok) => server.listen(join(lib, 'socket.mp3'), ok));
  symlinkSync(join(lib, 'nowhere.mp3'), join(lib, 'dangling.mp3'));
  symlinkSync(join(lib, 'loop-b.mp3'), join(lib, 'loop-a.mp3'));
  symlinkSync(join(lib, 'loop-a.mp3'), join(lib, 'loop-b.mp3'));
  writeFileSync(join(lib, 'notes.txt'), 'not audio');
  catalog = await Catalog.open(join(base, 'home'));
});

afterAll(async () => {
  server.close();
  await catalog.close();
  rmSync(base, { recursive: true, force: true });
});

describe('names that are not UTF-8', () => {
  it('the walk keeps the raw bytes and a readable form', async () => {
    const res = await walk(lib);
    const raw = res.files.find((f) => f.path.endsWith('.flac') && f.path.includes('Bj'));
    expect(raw).toBeDefined();
    expect(raw?.path).toBe(join(lib, 'Björk', 'Café.flac'));
    expect(fsPath(raw!)).toEqual(Buffer.concat([Buffer.from(lib + '/'), b('Bj\xf6rk/Caf\xe9.flac')]));
  });

  it('a scan makes it a track whose path reads well and whose bytes open the real file', async () => {
    const s = await catalog.scan([lib]);
    expect(s).toMatchObject({ found: 2, added: 2, failed: 0 });
    const t = (await catalog.allTracks()).find((x) => x.path.includes('Björk'));
    expect(t).toBeDefined();
    expect(t?.path).toBe(join(lib, 'Björk', 'Café.flac'));
    expect(t?.pathBytes).toBeTruthy();
    expect(t?.duration).toBeGreaterThan(0);
  });

  it('survives a reopen and an unchanged rescan keeps its id', async () => {
    const before = (await catalog.allTracks()).find((x) => x.path.includes('Björk'));
    await catalog.close();
    catalog = await Catalog.open(join(base, 'home'));
    const after = (await catalog.allTracks()).find((x) => x.path.includes('Björk'));
    expect(after?.pathBytes).toBe(before?.pathBytes);
    const s = await catalog.scan([lib]);
    expect(s).toMatchObject({ unchanged: 2, added: 0, updated: 0, moved: 0, missing: 0 });
    expect((await catalog.allTracks()).find((x) => x.path.includes('Björk'))?.id).toBe(before?.id);
  });
});

describe('skips are counted with their reason', () => {
  it('special files, dangling links, link loops and other files are reported', async () => {
    const s = await catalog.scan([lib]);
    const by = Object.fromEntries(s.skipped.map((k) => [k.reason, k.count]));
    expect(by['special file (FIFO, socket or device)']).toBe(2);
    expect(by['dangling link']).toBe(1);
    expect(by['link loop']).toBe(2);
    expect(by['not an audio file']).toBe(1);
    for (const k of s.skipped) expect(k.examples.length).toBeGreaterThan(0);
    // The stats show the last scan's skips (`timbre stats`, the Scan screen).
    expect((await catalog.stats()).skipped).toEqual(s.skipped);
  });
});

describe('a rescan tells the truth about unreadable files', () => {
  it('known unreadable files that did not change still count as unreadable', async () => {
    const bad = join(base, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'a.flac'), Buffer.alloc(4096, 7));
    writeFileSync(join(bad, 'b.mp3'), Buffer.alloc(4096, 9));
    const first = await catalog.scan([bad]);
    expect(first).toMatchObject({ failed: 2, unreadable: 2 });
    const again = await catalog.scan([bad]);
    expect(again.unreadable).toBe(2);
  });
});

describe('a catalog from before raw names', () => {
  it('gains the pathBytes column and keeps its rows', async () => {
    const home = join(base, 'old-home');
    const db = await Database.open(home);
    const v1 = new Schema(tracksSchema.fields.filter((f) => f.name !== 'pathBytes'));
    const table = await db.registerTable({ name: 'tracks', schema: v1, version: 1 });
    const old = await Catalog.open(join(base, 'home'));
    const rows = (await old.allTracks()).filter((t) => !t.pathBytes).map(trackToRow);
    await old.close();
    await table.add(rows.map(({ pathBytes: _drop, ...r }) => r));
    db.close();
    const migrated = await Catalog.open(home);
    try {
      expect(migrated.db.tableVersion('tracks')).toBe(2);
      expect((await migrated.allTracks()).map((t) => t.id).sort()).toEqual(rows.map((r) => r.id).sort());
      const s = await migrated.scan([lib]);
      expect(s).toMatchObject({ added: 1, failed: 0 });
    } finally {
      await migrated.close();
    }
  });
});
