import { describe, expect, it } from 'vitest';
import { fold, searchWords } from '../../../src/main/library/fold';
import { LibraryBrowser, type TrackSource } from '../../../src/main/library/browse';
import type { Track } from '../../../src/shared/types';
import { makeTrack } from '../../helpers/synthetic';

let n = 0;
function track(p: Partial<Track>): Track {
  n++;
  // Numbered ids and add times (each track distinct, in the order made); no album unless given.
  return makeTrack(`t${n}`, {
    path: `/music/${p.album ?? 'x'}/${n}.flac`,
    fingerprint: `f${n}`,
    title: `Song ${n}`,
    artists: [p.artist ?? 'A'],
    artist: 'A',
    album: '',
    albumArtist: '',
    addedAt: n,
    updatedAt: n,
    ...p,
  });
}

class Source implements TrackSource {
  revision = 1;
  constructor(public tracks: Track[]) {}
  async allTracks(opts: { includeMissing?: boolean }) {
    return this.tracks.filter((t) => opts.includeMissing || t.status === 'ok');
  }
}

const lib = () => [
  track({ title: 'Sorcerer ♪ Ünïcødé 曲', artist: 'Pingus Crew', album: 'Pingus', trackNo: 2, year: 2004 }),
  track({
    title: 'Intro',
    artist: 'Björk',
    album: 'Homogenic',
    trackNo: 1,
    discNo: 1,
    year: 1997,
    genres: ['Electronic'],
  }),
  track({
    title: 'Bachelorette',
    artist: 'Björk',
    album: 'Homogenic',
    trackNo: 2,
    discNo: 1,
    year: 1997,
    genres: ['Electronic'],
    hasCover: true,
  }),
  track({
    title: 'All Is Full of Love',
    artist: 'Björk',
    album: 'Homogenic',
    trackNo: 1,
    discNo: 2,
    year: 1997,
  }),
  track({
    title: 'Army of Me',
    artist: 'Björk',
    album: 'Post',
    trackNo: 1,
    year: 1995,
    genres: ['Electronic Rock'],
  }),
  track({
    title: 'One',
    artist: 'X',
    albumArtist: 'X',
    album: 'Battle',
    trackNo: 3,
    path: '/music/Battle/X/1.flac',
  }),
  track({
    title: 'Two',
    artist: 'Y',
    albumArtist: 'Y',
    album: 'Battle',
    trackNo: 1,
    path: '/music/Battle/Y/2.flac',
  }),
  track({
    title: 'Hits A',
    artist: 'P',
    albumArtist: 'P',
    album: 'Greatest Hits',
    path: '/music/P/Greatest Hits/1.flac',
  }),
  track({
    title: 'Hits B',
    artist: 'Q',
    albumArtist: 'Q',
    album: 'Greatest Hits',
    path: '/music/Q/Greatest Hits/1.flac',
  }),
  track({ title: 'Gone', artist: 'Z', album: 'Gone', status: 'missing' }),
];

describe('fold', () => {
  it('ignores case and accents, including letters that do not decompose', () => {
    expect(fold('Ünïcødé')).toBe('unicode');
    expect(fold('BJÖRK')).toBe('bjork');
    expect(fold('Straße Æon Łódź')).toBe('strasse aeon lodz');
    expect(searchWords('Mattias Westlund - Breaking')).toEqual(['mattias', 'westlund', 'breaking']);
  });
});

describe('LibraryBrowser.list', () => {
  it('finds "unicode" in "Ünïcødé" and "bjork" in "Björk"', async () => {
    const b = new LibraryBrowser(new Source(lib()));
    expect((await b.list({ text: 'unicode' })).tracks.map((t) => t.title)).toEqual(['Sorcerer ♪ Ünïcødé 曲']);
    expect((await b.list({ text: 'BJORK army' })).tracks.map((t) => t.title)).toEqual(['Army of Me']);
  });

  it('filters by folded substrings of artist, album and genre', async () => {
    const b = new LibraryBrowser(new Source(lib()));
    expect((await b.list({ artist: 'jör' })).total).toBe(4);
    expect((await b.list({ album: 'homo' })).total).toBe(3);
    expect((await b.list({ genre: 'rock' })).tracks.map((t) => t.title)).toEqual(['Army of Me']);
    expect((await b.list({ artist: 'bjork', genre: 'electronic' })).total).toBe(3);
  });

  it('sorts by any column in both directions, and pages', async () => {
    const b = new LibraryBrowser(new Source(lib()));
    const years = async (order: 'asc' | 'desc') =>
      (await b.list({ sort: 'year', order })).tracks.map((t) => t.year);
    expect(await years('asc')).toEqual([1995, 1997, 1997, 1997, 2004, null, null, null, null]);
    expect(await years('desc')).toEqual([null, null, null, null, 2004, 1997, 1997, 1997, 1995]);
    const titles = (await b.list({ sort: 'title', order: 'desc', offset: 1, limit: 2 })).tracks.map(
      (t) => t.title,
    );
    expect(titles).toEqual(['Sorcerer ♪ Ünïcødé 曲', 'One']);
    expect((await b.list({ sort: 'trackNo', limit: 1 })).tracks[0].trackNo).toBe(1);
  });

  it('rebuilds when the source revision moves', async () => {
    const source = new Source(lib());
    const b = new LibraryBrowser(source);
    expect((await b.list()).total).toBe(9);
    source.tracks.push(track({ title: 'New', album: 'Post', artist: 'Björk' }));
    expect((await b.list()).total).toBe(9);
    source.revision++;
    expect((await b.list()).total).toBe(10);
  });
});

describe('LibraryBrowser albums and artists', () => {
  it('groups albums and lists tracks in disc/track order', async () => {
    const b = new LibraryBrowser(new Source(lib()));
    const { albums, total } = await b.albums();
    expect(total).toBe(6);
    // Two artists' albums of the same name, each in its own folder, stay apart.
    expect(albums.filter((a) => a.title === 'Greatest Hits').map((a) => a.artist)).toEqual(['P', 'Q']);
    const homogenic = albums.find((a) => a.title === 'Homogenic');
    expect(homogenic).toMatchObject({ artist: 'Björk', year: 1997, trackCount: 3 });
    const detail = await b.album(homogenic!.id);
    expect(detail?.tracks.map((t) => t.title)).toEqual(['Intro', 'Bachelorette', 'All Is Full of Love']);
    // The cover comes from the track with an embedded picture.
    expect(detail?.coverTrackId).toBe(detail?.tracks[1].id);
    // A compilation without an album artist, in sibling folders, is one album by "Various Artists".
    const battle = albums.find((a) => a.title === 'Battle');
    expect(battle?.artist).toBe('Various Artists');
    expect((await b.album(battle!.id))?.tracks.map((t) => t.title)).toEqual(['Two', 'One']);
    expect(await b.album('nope')).toBeNull();
  });

  it('gives an artist page with albums newest first and top tracks', async () => {
    const b = new LibraryBrowser(new Source(lib()));
    const a = await b.artist('bjork');
    expect(a?.name).toBe('Björk');
    expect(a?.albums.map((x) => x.title)).toEqual(['Homogenic', 'Post']);
    expect(a?.topTracks.map((t) => t.title).slice(0, 2)).toEqual(['Intro', 'Army of Me']);
    expect(a?.trackCount).toBe(4);
    expect((await b.albums({ artist: 'Björk' })).total).toBe(2);
    expect((await b.artists({ text: 'bjo' })).artists.map((x) => x.name)).toEqual(['Björk']);
  });

  it('suggests distinct values from the whole library, prefix matches first', async () => {
    const b = new LibraryBrowser(new Source(lib()));
    const genres = await b.values('genre', 'ELECTRO');
    expect(genres.values).toEqual([
      { value: 'Electronic', count: 2 },
      { value: 'Electronic Rock', count: 1 },
    ]);
    const albums = await b.values('album', 'o');
    expect(albums.values.map((v) => v.value)).toEqual(['Homogenic', 'Post']);
    // Missing tracks are not suggested.
    expect((await b.values('album', 'gone')).total).toBe(0);
  });
});
