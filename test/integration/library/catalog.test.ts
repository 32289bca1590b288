import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  truncateSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanProgress, Track } from '../../../src/shared/types';
import { Catalog } from '../../../src/main/library/catalog';
import { fixtureLibraryDir, fixtureOddDir } from '../../helpers/shared';

let base: string;
let lib: string;
let home: string;
let catalog: Catalog;

const ids = async (): Promise<Map<string, string>> =>
  new Map((await catalog.allTracks({ includeMissing: true })).map((t) => [t.path, t.id]));
const tracksVersion = () => catalog.db.table('tracks').version();

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'timbre-catalog-'));
  lib = join(base, 'lib');
  home = join(base, 'home');
  cpSync(fixtureLibraryDir, lib, { recursive: true });
  catalog = await Catalog.open(home);
});

afterAll(async () => {
  await catalog.close();
  rmSync(base, { recursive: true, force: true });
});

describe('incremental scan', () => {
  let first: Map<string, string>;

  it('first scan adds every file and reports progress', async () => {
    const seen: ScanProgress[] = [];
    const s = await catalog.scan([lib], { onProgress: (p) => seen.push(p) });
    expect(s).toMatchObject({
      phase: 'done',
      found: 12,
      processed: 12,
      added: 12,
      failed: 0,
      unchanged: 0,
      unavailableRoots: [],
    });
    expect(s.rate).toBeGreaterThan(0);
    expect(seen.at(-1)).toMatchObject({ phase: 'done', processed: 12, added: 12 });
    expect(seen[0].phase).toBe('walking');
    for (let i = 1; i < seen.length; i++)
      expect(seen[i].processed).toBeGreaterThanOrEqual(seen[i - 1].processed);
    first = await ids();
    expect(first.size).toBe(12);
    expect(new Set(first.values()).size).toBe(12);
    expect(await catalog.roots()).toEqual([lib]);
  });

  it('an unchanged rescan only stats: nothing read, nothing written', async () => {
    const v = await tracksVersion();
    const s = await catalog.scan([lib]);
    expect(s).toMatchObject({ processed: 12, unchanged: 12, added: 0, updated: 0, moved: 0, missing: 0 });
    expect(await tracksVersion()).toBe(v);
    expect(await ids()).toEqual(first);
  });

  it('re-reads a touched file and keeps its id', async () => {
    const p = join(lib, 'Wesnoth/Stephen Rozanc/Northerners.flac');
    utimesSync(p, new Date(), new Date(Date.now() + 5000));
    const s = await catalog.scan([lib]);
    expect(s).toMatchObject({ updated: 1, unchanged: 11, added: 0 });
    expect((await catalog.getByPath(p))?.id).toBe(first.get(p));
  });

  it('keeps a catalogued track (and its id) when its re-read fails for a passing reason', async () => {
    const p = join(lib, 'Wesnoth/Stephen Rozanc/Northerners.flac');
    const aside = join(base, 'Northerners.flac');
    utimesSync(p, new Date(), new Date(Date.now() + 10_000));
    // The file vanishes between the walk and its read.
    let s = await catalog.scan([lib], {
      progressIntervalMs: 0,
      onProgress: (pr) => {
        if (pr.phase === 'reading' && pr.processed === 11) renameSync(p, aside);
      },
    });
    expect(s).toMatchObject({ failed: 1, updated: 0, unchanged: 11 });
    expect((await catalog.errors()).errors.map((e) => [e.path, e.reason])).toEqual([
      [p, expect.stringMatching(/^file vanished/)],
    ]);
    expect(await catalog.getByPath(p)).toMatchObject({ id: first.get(p), status: 'ok' });

    renameSync(aside, p);
    s = await catalog.scan([lib]);
    expect(s).toMatchObject({ updated: 1, failed: 0, unchanged: 11 });
    expect((await catalog.errors()).total).toBe(0);
    expect((await catalog.getByPath(p))?.id).toBe(first.get(p));
  });

  it('keeps the id of a renamed file and of a file moved to another folder', async () => {
    const a = join(lib, 'Nexuiz/blkrbt - Desert.opus');
    const a2 = join(lib, 'Nexuiz/Desert (renamed).opus');
    const b = join(lib, 'Maxstack/Singularity/01 Awakening.flac');
    const b2 = join(lib, 'Elsewhere/Deep/01 Awakening.flac');
    renameSync(a, a2);
    mkdirSync(join(lib, 'Elsewhere/Deep'), { recursive: true });
    renameSync(b, b2);
    const s = await catalog.scan([lib]);
    expect(s).toMatchObject({ moved: 2, added: 0, missing: 0 });
    expect((await catalog.getByPath(a2))?.id).toBe(first.get(a));
    expect((await catalog.getByPath(b2))?.id).toBe(first.get(b));
    expect(await catalog.getByPath(a)).toBeNull();
    expect((await catalog.get(first.get(b) as string))?.path).toBe(b2);
    expect((await catalog.stats()).tracks).toBe(12);
  });

  it('adds a copy as a new track: a fingerprint match is not a move while the original exists', async () => {
    const src = join(lib, 'Wesnoth/Mattias Westlund/Breaking the Chains.mp3');
    const copy = join(lib, 'Wesnoth/Mattias Westlund/Breaking the Chains (copy).mp3');
    copyFileSync(src, copy);
    const s = await catalog.scan([lib]);
    expect(s).toMatchObject({ added: 1, moved: 0 });
    const t1 = await catalog.getByPath(src);
    const t2 = await catalog.getByPath(copy);
    expect(t1?.id).toBe(first.get(src));
    expect(t2?.id).not.toBe(t1?.id);
    expect(t2?.fingerprint).toBe(t1?.fingerprint);
  });

  it('marks a deleted file missing, and restores it (same id) when it comes back', async () => {
    const p = join(lib, 'Obsidian Shell/M.A.R.S/Farewell.ogg');
    const aside = join(base, 'Farewell.ogg');
    renameSync(p, aside);
    let s = await catalog.scan([lib]);
    expect(s).toMatchObject({ missing: 1, removed: 0 });
    const missing = await catalog.getByPath(p);
    expect(missing?.status).toBe('missing');
    expect((await catalog.list({ text: 'farewell' })).total).toBe(0);
    expect((await catalog.list({ text: 'farewell', includeMissing: true })).total).toBe(1);
    expect((await catalog.allTracks()).some((t) => t.path === p)).toBe(false);
    expect((await catalog.stats()).missing).toBe(1);

    renameSync(aside, p);
    s = await catalog.scan([lib]);
    expect(s).toMatchObject({ missing: 0, updated: 1 });
    expect(await catalog.getByPath(p)).toMatchObject({ status: 'ok', id: first.get(p) });
  });

  it('records a broken file, clears the error once it is readable, and forgets errors of files gone', async () => {
    const bad = join(lib, 'Nexuiz/broken.flac');
    writeFileSync(bad, 'this is not a flac file');
    let s = await catalog.scan([lib]);
    expect(s).toMatchObject({ failed: 1, added: 0 });
    const errs = await catalog.errors();
    expect(errs.errors.map((e) => [e.path, e.reason])).toEqual([[bad, expect.stringMatching(/unreadable/)]]);

    // Unchanged broken file: not retried.
    s = await catalog.scan([lib]);
    expect(s).toMatchObject({ failed: 0, unchanged: 14 });

    copyFileSync(join(fixtureOddDir, 'one-second.flac'), bad);
    s = await catalog.scan([lib]);
    expect(s).toMatchObject({ added: 1, failed: 0 });
    expect((await catalog.errors()).total).toBe(0);
    expect((await catalog.getByPath(bad))?.duration).toBeCloseTo(1, 2);

    const gone = join(lib, 'Nexuiz/gone.mp3');
    writeFileSync(gone, Buffer.alloc(0));
    await catalog.scan([lib]);
    expect((await catalog.errors()).errors.map((e) => e.reason)).toEqual(['empty file (0 bytes)']);
    unlinkSync(gone);
    await catalog.scan([lib]);
    expect((await catalog.errors()).total).toBe(0);
  });

  it('turns a catalogued file that became unreadable into an error', async () => {
    const p = join(lib, 'Nexuiz/broken.flac');
    truncateSync(p, 10);
    const s = await catalog.scan([lib]);
    expect(s.failed).toBe(1);
    expect(await catalog.getByPath(p)).toBeNull();
    expect((await catalog.errors()).errors[0].path).toBe(p);
    unlinkSync(p);
    await catalog.scan([lib]);
    expect((await catalog.errors()).total).toBe(0);
  });

  it('catalogues tracker modules from their header, with the duration ffmpeg gives', async () => {
    const mod = Buffer.alloc(1084 + 1024);
    mod.write('tiny test tune', 0, 'latin1');
    mod.write('M.K.', 1080, 'latin1');
    mkdirSync(join(lib, 'Modules'), { recursive: true });
    writeFileSync(join(lib, 'Modules', '03 tiny.mod'), mod);
    writeFileSync(join(lib, 'Modules', 'fake.xm'), Buffer.alloc(2000, 7));
    const s = await catalog.scan([lib]);
    expect(s).toMatchObject({ added: 1, failed: 1 });
    expect(await catalog.getByPath(join(lib, 'Modules', '03 tiny.mod'))).toMatchObject({
      format: 'MOD',
      title: 'tiny test tune',
      channels: 2,
      sampleRate: 48000,
      artist: 'Modules',
    });
    // One empty pattern (64 rows at speed 6, 125 BPM) as libopenmpt plays it.
    expect((await catalog.getByPath(join(lib, 'Modules', '03 tiny.mod')))?.duration).toBeCloseTo(7.68, 2);
    expect((await catalog.errors()).errors[0].reason).toMatch(/not an XM module/);
    rmSync(join(lib, 'Modules'), { recursive: true });
    await catalog.scan([lib], { prune: true });
  });

  it('survives a restart: close, reopen, same rows and ids', async () => {
    const before = await catalog.allTracks({ includeMissing: true });
    await catalog.close();
    catalog = await Catalog.open(home);
    const after = await catalog.allTracks({ includeMissing: true });
    expect(after).toEqual(before);
    expect(await catalog.roots()).toEqual([lib]);
    const s = await catalog.scan([lib]);
    expect(s.unchanged).toBe(s.found);
  });

  it('never touches the tracks of a root that is missing or empty', async () => {
    const countOk = async () => (await catalog.stats()).tracks;
    const n = await countOk();
    const moved = join(base, 'lib-unmounted');
    renameSync(lib, moved);
    let s = await catalog.scan([lib], { prune: true });
    expect(s.unavailableRoots).toEqual([lib]);
    expect(s).toMatchObject({ missing: 0, removed: 0 });
    expect(await countOk()).toBe(n);

    mkdirSync(lib); // an empty mount point
    s = await catalog.scan([lib], { prune: true });
    expect(s.unavailableRoots).toEqual([lib]);
    expect(await countOk()).toBe(n);
    expect((await catalog.allTracks()).every((t) => t.status === 'ok')).toBe(true);

    rmSync(lib, { recursive: true });
    renameSync(moved, lib);
    s = await catalog.scan([lib]);
    expect(s).toMatchObject({ unavailableRoots: [], missing: 0, unchanged: n });
  });

  it('prunes missing rows with prune: true', async () => {
    const p = join(lib, 'Wesnoth/Mattias Westlund/Breaking the Chains (copy).mp3');
    unlinkSync(p);
    let s = await catalog.scan([lib]);
    expect(s.missing).toBe(1);
    s = await catalog.scan([lib], { prune: true });
    expect(s).toMatchObject({ removed: 1, missing: 0 });
    expect(await catalog.getByPath(p)).toBeNull();
    expect((await catalog.stats()).missing).toBe(0);
  });

  it('can be cancelled: processed files are kept and the summary says cancelled', async () => {
    const other = join(base, 'other');
    cpSync(fixtureLibraryDir, other, { recursive: true });
    const ac = new AbortController();
    const s = await catalog.scan([other], {
      signal: ac.signal,
      concurrency: 1,
      progressIntervalMs: 0,
      onProgress: (p) => {
        if (p.added >= 2) ac.abort();
      },
    });
    expect(s.phase).toBe('cancelled');
    expect(s.added).toBeGreaterThanOrEqual(2);
    expect(s.added).toBeLessThan(12);
    expect((await catalog.list({ root: other })).total).toBe(s.added);
    const rest = await catalog.scan([other]);
    expect(rest.phase).toBe('done');
    expect(rest.added + rest.moved).toBe(12 - s.added);
    expect((await catalog.list({ root: other })).total).toBe(12);
  });

  it('answers queries: filters, sort, paging', async () => {
    const all = await catalog.list({ limit: 1000 });
    expect(all.total).toBe(24);
    const byArtist = await catalog.list({ artist: 'MAXSTACK', sort: 'title' });
    expect(byArtist.tracks.map((t: Track) => t.title)).toEqual([
      'Awakening',
      'Awakening',
      'Inevitable',
      'Inevitable',
    ]);
    expect((await catalog.list({ album: 'battle for wesnoth' })).total).toBe(6);
    expect((await catalog.list({ genre: 'chiptune' })).total).toBe(6);
    expect((await catalog.list({ text: 'ünïcødé' })).total).toBe(2);
    expect((await catalog.list({ text: 'NEXUIZ' })).total).toBe(4); // path match
    // Words anywhere, in any order; "artist - title" as people type it.
    expect((await catalog.list({ text: 'Mattias Westlund - Breaking the Chains' })).total).toBe(2);
    expect((await catalog.list({ text: 'chains westlund' })).total).toBe(2);
    expect((await catalog.list({ text: 'westlund northerners' })).total).toBe(0);
    const page = await catalog.list({ sort: 'path', offset: 5, limit: 3 });
    expect(page).toMatchObject({ total: 24, offset: 5 });
    expect(page.tracks.map((t) => t.path)).toEqual(
      all.tracks
        .map((t) => t.path)
        .sort((a, b) => a.localeCompare(b))
        .slice(5, 8),
    );
    const dur = (await catalog.list({ sort: 'duration' })).tracks.map((t) => t.duration);
    expect(dur).toEqual([...dur].sort((a, b) => a - b));
    expect(await catalog.get('no-such-id')).toBeNull();
    expect(await catalog.roots()).toEqual([lib, join(base, 'other')]);
  });

  it('refuses two scans at once', async () => {
    const a = catalog.scan([lib]);
    await expect(catalog.scan([lib])).rejects.toThrow(/already running/);
    await a;
  });

  it('follows a file moved into another root when its old root is not part of the scan', async () => {
    const c1 = join(base, 'c1');
    const c2 = join(base, 'c2');
    mkdirSync(c1);
    mkdirSync(c2);
    copyFileSync(join(fixtureOddDir, 'one-second.flac'), join(c1, 'one.flac'));
    expect((await catalog.scan([c1])).added).toBe(1);
    const id = (await catalog.getByPath(join(c1, 'one.flac')))?.id;
    renameSync(join(c1, 'one.flac'), join(c2, 'one again.flac'));
    const s = await catalog.scan([c2]);
    expect(s).toMatchObject({ moved: 1, added: 0 });
    expect(await catalog.getByPath(join(c2, 'one again.flac'))).toMatchObject({ id, root: c2, status: 'ok' });
  });
});
