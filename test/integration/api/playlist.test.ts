/** playlist.save / playlist.open through the service, resolved against a scanned catalog. */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createService, type CoreService } from '../../../src/main/api/service';
import type { Response } from '../../../src/shared/contract';
import type { TrackPage } from '../../../src/shared/types';
import { fixtureLibraryDir } from '../../helpers/shared';

let dir: string;
let service: CoreService | undefined;

afterAll(async () => {
  await service?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('playlists', () => {
  it('saves a queue as M3U and opens it back, in order, saying which entries are not in the library', async () => {
    dir = await mkdtemp(join(tmpdir(), 'timbre-playlist-'));
    const music = join(dir, 'music');
    await cp(join(fixtureLibraryDir, 'Wesnoth'), join(music, 'Wesnoth'), { recursive: true });
    service = await createService({ home: join(dir, 'home'), mode: 'cli' });
    await service.invoke('library.scan', { roots: [music] });
    const page = (await service.invoke('library.list', { sort: 'title' })) as TrackPage;
    expect(page.tracks.length).toBe(3);
    const order = [page.tracks[2], page.tracks[0], page.tracks[1]];

    const file = join(dir, 'mix.m3u8');
    const saved = (await service.invoke('playlist.save', {
      path: file,
      ids: [...order.map((t) => t.id), 'no-such-id'],
    })) as Response<'playlist.save'>;
    expect(saved).toEqual({ path: file, written: 3, skipped: 1 });
    const text = await readFile(file, 'utf8');
    expect(text.startsWith('#EXTM3U\n#EXTINF:30,')).toBe(true);

    const opened = (await service.invoke('playlist.open', { path: file })) as Response<'playlist.open'>;
    expect(opened.tracks.map((t) => t.id)).toEqual(order.map((t) => t.id));
    expect(opened.missing).toEqual([]);

    // Written elsewhere, with relative paths and a file that is not catalogued.
    const other = join(music, 'other.m3u');
    await writeFile(other, `#EXTM3U\r\nWesnoth/Stephen Rozanc/Northerners.flac\r\nnot-here.mp3\r\n`);
    const back = (await service.invoke('playlist.open', { path: other })) as Response<'playlist.open'>;
    expect(back.tracks.map((t) => t.title)).toEqual(['Northerners']);
    expect(back.missing).toEqual([join(music, 'not-here.mp3')]);

    await expect(service.invoke('playlist.open', { path: join(dir, 'none.m3u') })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(
      service.invoke('playlist.save', { path: 'relative.m3u', ids: [order[0].id] }),
    ).rejects.toMatchObject({
      code: 'bad_request',
    });
    await expect(
      service.invoke('playlist.save', { path: join(dir, 'no-dir', 'x.m3u'), ids: [order[0].id] }),
    ).rejects.toThrow(/does not exist/);
  });
});
