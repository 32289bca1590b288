import { describe, expect, it } from 'vitest';
import { formatM3u, isPlaylistPath, parseM3u } from '../../../src/main/library/playlist';
import type { Track } from '../../../src/shared/types';

describe('M3U', () => {
  it('reads what other players write: relative paths, file URLs, CRLF, a BOM, comments, streams', () => {
    const text =
      '\uFEFF#EXTM3U\r\n#EXTINF:200,A - B\r\nsub/one.mp3\r\n\r\n../two.flac\r\n' +
      'file:///music/three%20%C3%BC.ogg\r\nhttp://radio.example/stream\r\nC:\\music\\four.mp3\r\n/abs/five.mp3\r\n';
    expect(parseM3u(text, '/music/lists')).toEqual([
      '/music/lists/sub/one.mp3',
      '/music/two.flac',
      '/music/three ü.ogg',
      '/music/lists/C:/music/four.mp3',
      '/abs/five.mp3',
    ]);
  });

  it('writes extended M3U with duration and names, one absolute path a line', () => {
    const t = { path: '/m/a.mp3', artist: 'X', title: 'Line\nbreak', duration: 61.6 } as Track;
    expect(formatM3u([t])).toBe('#EXTM3U\n#EXTINF:62,X - Line break\n/m/a.mp3\n');
    expect(parseM3u(formatM3u([t]), '/elsewhere')).toEqual(['/m/a.mp3']);
  });

  it('takes only absolute .m3u/.m3u8 paths', () => {
    expect(isPlaylistPath('/a/b.m3u')).toBe(true);
    expect(isPlaylistPath('/a/b.M3U8')).toBe(true);
    expect(isPlaylistPath('b.m3u')).toBe(false);
    expect(isPlaylistPath('/a/b.txt')).toBe(false);
  });
});
