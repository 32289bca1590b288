import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MoveMatcher } from '../../../src/main/library/moves';
import type { Track } from '../../../src/shared/types';

const dir = mkdtempSync(join(tmpdir(), 'timbre-moves-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const track = (id: string, path: string, fingerprint: string): Track =>
  ({ id, path, fingerprint, root: '/lib', status: 'ok' }) as Track;

const inLib = (path: string): boolean => path.startsWith('/lib/');

describe('MoveMatcher', () => {
  it('takes a track that vanished from a reachable root, each one once, and forgets it as vanished', async () => {
    const tracks = new Map([
      ['a', track('a', '/lib/old/a.flac', 'fp1')],
      ['b', track('b', '/lib/old/b.flac', 'fp1')],
      ['c', track('c', '/lib/c.flac', 'fp2')],
    ]);
    const found = new Map([['/lib/c.flac', {}]]);
    const moves = new MoveMatcher(tracks, found, inLib, true);
    expect([...moves.vanished].sort()).toEqual(['a', 'b']);
    expect((await moves.claim('fp1'))?.id).toBe('a');
    expect((await moves.claim('fp1'))?.id).toBe('b');
    expect(await moves.claim('fp1')).toBeUndefined();
    expect(await moves.claim('fp2')).toBeUndefined(); // c is still where it was
    expect([...moves.vanished]).toEqual([]);
  });

  it('takes a track outside the roots only when its old file is gone', async () => {
    const stillThere = join(dir, 'still-there.flac');
    writeFileSync(stillThere, 'x');
    const tracks = new Map([
      ['kept', track('kept', stillThere, 'fp')],
      ['gone', track('gone', join(dir, 'gone.flac'), 'fp')],
    ]);
    const moves = new MoveMatcher(tracks, new Map(), inLib, true);
    expect(moves.vanished.size).toBe(0);
    expect((await moves.claim('fp'))?.id).toBe('gone');
    expect(await moves.claim('fp')).toBeUndefined();
  });

  it('sees nothing vanished after a walk that did not finish', () => {
    const tracks = new Map([['a', track('a', '/lib/a.flac', 'fp')]]);
    expect(new MoveMatcher(tracks, new Map(), inLib, false).vanished.size).toBe(0);
  });
});
