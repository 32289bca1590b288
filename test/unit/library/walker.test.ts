import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCandidateFile, isSkippedDir, walk } from '../../../src/main/library/walker';

let dir: string;

function touch(path: string, bytes = 10): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, Buffer.alloc(bytes, 1));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'timbre-walker-'));
  const lib = join(dir, 'lib');
  touch(join(lib, 'Artist', 'Album', '01 Song.mp3'));
  touch(join(lib, 'Artist', 'Album', '02 Song.FLAC'));
  touch(join(lib, 'Artist', 'Album', 'cover.jpg'));
  touch(join(lib, 'Artist', 'Album', 'notes.txt'));
  touch(join(lib, 'Artist', 'Album', '._01 Song.mp3')); // macOS resource fork
  touch(join(lib, 'Tracker', 'tune.XM'));
  touch(join(lib, 'Tracker', 'tune.mod'));
  touch(join(lib, 'Tracker', 'tune.it'));
  touch(join(lib, 'Tracker', 'tune.S3M'));
  touch(join(lib, 'mixed', 'a.Opus'));
  touch(join(lib, 'mixed', 'b.m4b'));
  touch(join(lib, 'mixed', 'c.wv'));
  touch(join(lib, 'mixed', 'd.webm'));
  touch(join(lib, 'mixed', 'e.mp3.part'));
  touch(join(lib, '.hidden', 'secret.mp3'));
  touch(join(lib, '$RECYCLE.BIN', 'deleted.mp3'));
  touch(join(lib, 'System Volume Information', 'x.mp3'));
  touch(join(lib, 'lost+found', 'y.mp3'));
  touch(join(lib, '@eaDir', 'thumb.mp3'));
  touch(join(lib, '.Trash-1000', 'files', 'z.mp3'));
  // A loop: lib/Artist/Album/loop -> lib, and a second link to the same folder.
  symlinkSync(lib, join(lib, 'Artist', 'Album', 'loop'));
  symlinkSync(join(lib, 'Artist'), join(lib, 'Artist again'));
  // A folder outside the root, reachable only through a link: followed once.
  touch(join(dir, 'outside', 'linked.ogg'));
  symlinkSync(join(dir, 'outside'), join(lib, 'linked-folder'));
  // A linked file and a dangling link.
  touch(join(dir, 'elsewhere.wav'));
  symlinkSync(join(dir, 'elsewhere.wav'), join(lib, 'link.wav'));
  symlinkSync(join(dir, 'nowhere.mp3'), join(lib, 'dangling.mp3'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('walker', () => {
  it('walks recursively, follows links once, skips hidden and system folders, filters extensions', async () => {
    const lib = join(dir, 'lib');
    const res = await walk(lib);
    const found = res.files.map((f) => relative(lib, f.path)).sort();
    expect(found).toEqual(
      [
        'Artist/Album/01 Song.mp3',
        'Artist/Album/02 Song.FLAC',
        'Tracker/tune.XM',
        'Tracker/tune.it',
        'Tracker/tune.mod',
        'Tracker/tune.S3M',
        'link.wav',
        'linked-folder/linked.ogg',
        'mixed/a.Opus',
        'mixed/b.m4b',
        'mixed/c.wv',
        'mixed/d.webm',
      ].sort(),
    );
    for (const f of res.files) {
      expect(f.root).toBe(lib);
      expect(f.size).toBe(10);
      expect(f.mtimeMs).toBeGreaterThan(0);
    }
  });

  it('terminates on a symlink loop within a time bound', async () => {
    const t0 = performance.now();
    await walk(join(dir, 'lib'));
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('shares visited folders across roots of one scan', async () => {
    const visited = new Set<string>();
    const a = await walk(join(dir, 'lib'), { visited });
    const b = await walk(join(dir, 'lib', 'Artist'), { visited });
    expect(a.files.length).toBeGreaterThan(0);
    expect(b.files).toEqual([]);
  });

  it('keeps a file reached through a symbolic link once, hard links as separate files', async () => {
    const root = join(dir, 'dedup');
    touch(join(root, 'a', 'x.flac'));
    // A link beside the real file, met first (shallower): the real path is kept.
    symlinkSync(join(root, 'a', 'x.flac'), join(root, 'linkfile.flac'));
    // A link to a link, and a link reached through a linked folder.
    symlinkSync(join(root, 'linkfile.flac'), join(root, 'a', 'link-to-link.flac'));
    symlinkSync(join(root, 'a'), join(root, 'a-again'));
    // Two links to one file outside the root: the first by depth, then by name.
    touch(join(dir, 'outside-dedup.ogg'));
    mkdirSync(join(root, 'b'));
    symlinkSync(join(dir, 'outside-dedup.ogg'), join(root, 'b', 'one.ogg'));
    symlinkSync(join(dir, 'outside-dedup.ogg'), join(root, 'two.ogg'));
    // A hard link is a file of its own (bench/scan builds its library from hard links).
    linkSync(join(root, 'a', 'x.flac'), join(root, 'b', 'hard.flac'));

    const visited = new Set<string>();
    const res = await walk(root, { visited });
    expect(res.files.map((f) => relative(root, f.path)).sort()).toEqual([
      'a/x.flac',
      'b/hard.flac',
      'two.ogg',
    ]);
    // A second root of the same scan holding a link to a file already kept adds nothing.
    const other = join(dir, 'dedup-other');
    mkdirSync(other);
    symlinkSync(join(root, 'a', 'x.flac'), join(other, 'again.flac'));
    touch(join(other, 'own.mp3'));
    const res2 = await walk(other, { visited });
    expect(res2.files.map((f) => relative(other, f.path))).toEqual(['own.mp3']);
  });

  it('classifies names', () => {
    expect(isCandidateFile('x.MP3')).toBe(true);
    expect(isCandidateFile('x.aiff')).toBe(true);
    expect(isCandidateFile('x.s3m')).toBe(true);
    expect(isCandidateFile('x.txt')).toBe(false);
    expect(isCandidateFile('.x.mp3')).toBe(false);
    expect(isCandidateFile('mp3')).toBe(false);
    for (const name of [
      '.git',
      '$RECYCLE.BIN',
      '$Recycle.Bin',
      'System Volume Information',
      'lost+found',
      '@eaDir',
      '.Trash-1000',
    ]) {
      expect(isSkippedDir(name), name).toBe(true);
    }
    expect(isSkippedDir('Music')).toBe(false);
  });
});
