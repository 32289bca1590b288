import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/main/library/catalog';
import { readTrack } from '../../../src/main/library/reader';
import { walk } from '../../../src/main/library/walker';
import { fixtureLibraryDir, oddCorpusDir } from '../../helpers/shared';

let home: string;
let catalog: Catalog;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'timbre-odd-'));
  catalog = await Catalog.open(home);
});
afterAll(async () => {
  await catalog.close();
  rmSync(home, { recursive: true, force: true });
});

describe('the odd corpus (music-metadata test samples)', () => {
  it('is scanned without a crash, in bounded time, every file a track or an error', async () => {
    const t0 = performance.now();
    const s = await catalog.scan([oddCorpusDir]);
    const ms = performance.now() - t0;
    expect(s.phase).toBe('done');
    expect(ms).toBeLessThan(30_000);
    expect(s.found).toBeGreaterThan(150);
    expect(s.processed).toBe(s.found);
    expect(s.added + s.failed).toBe(s.found);
    const stats = await catalog.stats();
    expect(stats.tracks).toBe(s.added);
    expect(stats.errors).toBe(s.failed);
    // Most of these files are odd but readable.
    expect(s.added).toBeGreaterThan(s.failed * 4);

    const { errors } = await catalog.errors({ limit: 1000 });
    const reason = (name: string) => errors.find((e) => e.path.endsWith(name))?.reason;
    for (const e of errors) expect(e.reason.length).toBeGreaterThan(5);
    expect(reason('matroska/fixture-null.webm')).toMatch(/no audio stream/);
    expect(reason('aiff/Pnossnd.aif')).toMatch(/empty \(0 samples\)/);
    expect(reason('bug-id3v2-unknownframe.mp3')).toMatch(/no audio stream/);
    expect(reason('asf/CWE-835.wma')).toMatch(/^unreadable: /);
    // Readable ones keep their tags.
    const picard = await catalog.getByPath(join(oddCorpusDir, 'MusicBrainz-Picard-tags.flac'));
    expect(picard?.musicbrainz.recordingId).toMatch(/^[0-9a-f-]{36}$/);
    expect(picard?.hasCover).toBe(true);
    expect((await catalog.getByPath(join(oddCorpusDir, 'flac/test-unknown-duration.flac')))?.duration).toBe(
      0,
    );

    // A second scan re-reads nothing (errors of unchanged files are not retried).
    const again = await catalog.scan([oddCorpusDir]);
    expect(again).toMatchObject({ unchanged: s.found, added: 0, failed: 0, updated: 0 });
  });

  it('turns a parse that takes too long into a timeout error', async () => {
    const { files } = await walk(fixtureLibraryDir);
    const big = files.find((f) => f.path.endsWith('.m4a') && f.size > 1_000_000)!;
    const r = await readTrack(big, { timeoutMs: 0.001 });
    expect(r).toEqual({ ok: false, reason: expect.stringMatching(/^timed out/) });
  });

  it('ignores special files such as FIFOs (opening one would block)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'timbre-fifo-'));
    try {
      execFileSync('mkfifo', [join(dir, 'pipe.mp3')]);
      expect((await walk(dir)).files).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
