/**
 * Cover art on real files: an embedded picture (a fixture re-muxed with a picture in a temp
 * folder), a folder image (FOLDER.PNG beside a fixture), a track with neither (placeholder);
 * thumbnails are made once and served from the cache afterwards, over HTTP with ETag/304.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerCover } from '../../../src/main/api/cover-answer';
import { startHttpServer, type RunningHttpServer } from '../../../src/main/api/http-server';
import { createService, type CoreService } from '../../../src/main/api/service';
import { CoverStore } from '../../../src/main/library/covers';
import type { Track } from '../../../src/shared/types';
import { fixtureLibraryDir } from '../../helpers/shared';

/** Width and height of a baseline or progressive JPEG, from its SOF marker. */
function jpegSize(buf: Buffer): { width: number; height: number } {
  expect(buf.subarray(0, 2).toString('hex')).toBe('ffd8');
  let i = 2;
  while (i < buf.length) {
    const marker = buf[i + 1];
    const len = buf.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xc2)
      return { height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7) };
    i += 2 + len;
  }
  throw new Error('no SOF marker');
}

describe('covers', () => {
  let dir: string;
  let service: CoreService;
  let server: RunningHttpServer;
  const byTitle = new Map<string, Track>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'timbre-covers-'));
    const music = join(dir, 'Music');
    for (const d of ['Embedded', 'Folder', 'None']) mkdirSync(join(music, d), { recursive: true });
    const picture = join(dir, 'picture.png');
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'color=c=0x3366cc:s=500x400',
      '-frames:v',
      '1',
      picture,
    ]);
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-i',
      join(fixtureLibraryDir, 'Wesnoth/Mattias Westlund/Breaking the Chains.mp3'),
      '-i',
      picture,
      '-map',
      '0:a',
      '-map',
      '1:v',
      '-c',
      'copy',
      '-id3v2_version',
      '3',
      '-metadata:s:v',
      'comment=Cover (front)',
      join(music, 'Embedded', 'with-picture.mp3'),
    ]);
    copyFileSync(
      join(fixtureLibraryDir, 'Maxstack/Singularity/01 Awakening.flac'),
      join(music, 'Folder', 'a.flac'),
    );
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'color=c=0xcc6633:s=300x600',
      '-frames:v',
      '1',
      join(music, 'Folder', 'FOLDER.PNG'),
    ]);
    copyFileSync(
      join(fixtureLibraryDir, 'Obsidian Shell/M.A.R.S/Farewell.ogg'),
      join(music, 'None', 'b.ogg'),
    );

    service = await createService({ home: join(dir, 'home'), mode: 'cli' });
    await service.handlers['library.scan']({ roots: [music] });
    for (const t of await service.catalog.allTracks()) byTitle.set(t.path.split('/').at(-2)!, t);
    server = await startHttpServer(service, { rendererDir: join(dir, 'no-renderer') });
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await service?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes a square JPEG thumbnail from an embedded picture', async () => {
    const track = byTitle.get('Embedded')!;
    expect(track.hasCover).toBe(true);
    const cover = await service.cover!(track.id, 'grid');
    expect(cover).toMatchObject({ source: 'embedded' });
    expect(jpegSize(readFileSync(cover!.file))).toEqual({ width: 320, height: 320 });
    const small = await service.cover!(track.id, 'small');
    expect(jpegSize(readFileSync(small!.file))).toEqual({ width: 96, height: 96 });
  });

  it('falls back to cover/folder/front images in the folder, whatever their case', async () => {
    const track = byTitle.get('Folder')!;
    expect(track.hasCover).toBe(false);
    const cover = await service.cover!(track.id, 'grid');
    expect(cover).toMatchObject({ source: 'folder' });
    expect(jpegSize(readFileSync(cover!.file))).toEqual({ width: 320, height: 320 });
  });

  it('reads a made thumbnail from the cache, also in a later process', async () => {
    const track = byTitle.get('Embedded')!;
    const first = await service.cover!(track.id, 'grid');
    const mtime = statSync(first!.file).mtimeMs;
    // A fresh store over the same folder, whose ffmpeg cannot run: the cache must answer.
    const later = new CoverStore({
      dir: join(dir, 'home', 'covers'),
      ffmpeg: () => Promise.reject(new Error('ffmpeg must not run for a cached cover')),
    });
    const again = await later.cover(track, 'grid');
    expect(again).toEqual(first);
    expect(statSync(again!.file).mtimeMs).toBe(mtime);
    const folder = await later.cover(byTitle.get('Folder')!, 'grid');
    expect(folder?.source).toBe('folder');
  });

  it('answers a placeholder when there is no cover and 404 for an unknown track', async () => {
    const none = byTitle.get('None')!;
    expect(await service.cover!(none.id, 'grid')).toBeNull();
    const answer = await answerCover(service, {
      method: 'GET',
      rawId: none.id,
      size: 'grid',
      ifNoneMatch: null,
    });
    expect(answer.status).toBe(200);
    expect(answer.headers['Content-Type']).toBe('image/svg+xml');
    expect(answer.headers['X-Timbre-Cover']).toBe('placeholder');
    expect(answer.body?.toString()).toContain('<svg');
    const unknown = await answerCover(service, {
      method: 'GET',
      rawId: 'nope',
      size: 'grid',
      ifNoneMatch: null,
    });
    expect(unknown.status).toBe(404);
  });

  it('serves covers over HTTP with the token, cache headers and 304', async () => {
    const track = byTitle.get('Embedded')!;
    const url = `${server.origin}/cover/${track.id}?size=small&token=${server.token}`;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const etag = res.headers.get('etag');
    expect(etag).toBeTruthy();
    expect(jpegSize(Buffer.from(await res.arrayBuffer()))).toEqual({ width: 96, height: 96 });
    const cached = await fetch(url, { headers: { 'If-None-Match': etag! } });
    expect(cached.status).toBe(304);
    expect((await fetch(`${server.origin}/cover/${track.id}?size=small`)).status).toBe(401);
  });
});
