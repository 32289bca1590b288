import { describe as suite, expect, it } from 'vitest';
import {
  cleanTag,
  namesFromFolders,
  titleFromFileName,
  UNKNOWN_ALBUM,
  UNKNOWN_ARTIST,
} from '../../../src/main/library/fallbacks';
import { describe } from '../../../src/main/library/reader';

const stream = {
  format: 'MPEG',
  codec: 'MPEG 1 Layer 3',
  duration: 1,
  sampleRate: 44100,
  channels: 2,
  bitrate: 128000,
};

suite('fallbacks', () => {
  it('takes the title from the file name without extension and leading track number', () => {
    expect(titleFromFileName('/m/01 Awakening.flac')).toBe('Awakening');
    expect(titleFromFileName('/m/01 - Awakening.flac')).toBe('Awakening');
    expect(titleFromFileName('/m/01. Awakening.flac')).toBe('Awakening');
    expect(titleFromFileName('/m/07_Awakening.flac')).toBe('Awakening');
    expect(titleFromFileName('/m/1-02 Awakening.flac')).toBe('Awakening');
    expect(titleFromFileName('/m/Awakening.flac')).toBe('Awakening');
    expect(titleFromFileName('/m/blkrbt - Desert.opus')).toBe('blkrbt - Desert');
    expect(titleFromFileName('/m/Sorcerer ♪ Ünïcødé 曲.ogg')).toBe('Sorcerer ♪ Ünïcødé 曲');
    expect(titleFromFileName('/m/1999.mp3')).toBe('1999'); // a number alone stays
    expect(titleFromFileName('/m/05.mp3')).toBe('05');
  });

  it('takes artist and album from folders', () => {
    expect(namesFromFolders('/lib/Artist/Album/01 x.mp3', '/lib')).toEqual({
      artist: 'Artist',
      album: 'Album',
    });
    expect(namesFromFolders('/lib/Genre/Artist/Album/01 x.mp3', '/lib')).toEqual({
      artist: 'Artist',
      album: 'Album',
    });
    expect(namesFromFolders('/lib/Compilation/01 x.mp3', '/lib')).toEqual({
      artist: 'Compilation',
      album: 'Compilation',
    });
    expect(namesFromFolders('/lib/01 x.mp3', '/lib')).toEqual({
      artist: UNKNOWN_ARTIST,
      album: UNKNOWN_ALBUM,
    });
  });

  it('treats placeholder tag values as missing', () => {
    expect(cleanTag('unknown')).toBe('');
    expect(cleanTag(' Unknown Artist ')).toBe('');
    expect(cleanTag('<unknown>')).toBe('');
    expect(cleanTag('')).toBe('');
    expect(cleanTag(undefined)).toBe('');
    expect(cleanTag('The Unknown')).toBe('The Unknown');
    expect(cleanTag('  Maxstack ')).toBe('Maxstack');
  });

  it('fills a row without tags from the path', () => {
    const entry = { path: '/lib/Some Artist/Some Album/03 - A Song.mp3', root: '/lib', size: 10, mtimeMs: 1 };
    const t = describe(entry, 'fp', stream, null);
    expect(t).toMatchObject({
      title: 'A Song',
      artist: 'Some Artist',
      artists: ['Some Artist'],
      album: 'Some Album',
      albumArtist: 'Some Artist',
      trackNo: null,
      discNo: null,
      year: null,
      genres: [],
      hasCover: false,
      musicbrainz: {},
      fingerprint: 'fp',
    });
    const bare = describe({ ...entry, path: '/lib/x.mp3' }, 'fp', stream, null);
    expect(bare).toMatchObject({ title: 'x', artist: UNKNOWN_ARTIST, album: UNKNOWN_ALBUM });
  });

  it('prefers tags, falls back per field, and ignores placeholder artists', () => {
    const entry = { path: '/lib/Folder A/Folder B/01 file.mp3', root: '/lib', size: 10, mtimeMs: 1 };
    const common = {
      title: 'Real Title',
      artist: 'unknown',
      artists: ['unknown'],
      album: 'Real Album',
      albumartist: undefined,
      track: { no: 4, of: 10 },
      disk: { no: 2, of: 2 },
      year: 2001,
      genre: ['Rock', 'rock ', 'Rock'],
      picture: [{ format: 'image/jpeg', data: new Uint8Array(1) }],
      musicbrainz_recordingid: 'rec-1',
      musicbrainz_albumid: 'alb-1',
      musicbrainz_artistid: ['art-1'],
    } as unknown as Parameters<typeof describe>[3];
    const t = describe(entry, 'fp', stream, common);
    expect(t).toMatchObject({
      title: 'Real Title',
      artist: 'Folder A',
      album: 'Real Album',
      trackNo: 4,
      discNo: 2,
      year: 2001,
      hasCover: true,
      musicbrainz: { recordingId: 'rec-1', albumId: 'alb-1', artistId: 'art-1' },
    });
    expect(t.genres).toEqual(['Rock', 'rock']);
  });
});
