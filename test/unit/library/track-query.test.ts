import { describe, expect, it } from 'vitest';
import { parseTrackQuery, tokenize } from '../../../src/main/library/track-query';
import type { Track } from '../../../src/shared/types';
import { makeTrack } from '../../helpers/synthetic';

const track = (over: Partial<Track>): Track => makeTrack('x', over);

describe('track query', () => {
  it('splits fields, quoted values and free words', () => {
    expect(tokenize('genre:jazz artist:"Kevin MacLeod" blue  "so \\"what\\""')).toEqual([
      { field: 'genre', value: 'jazz' },
      { field: 'artist', value: 'Kevin MacLeod' },
      { field: 'text', value: 'blue' },
      { field: 'text', value: 'so "what"' },
    ]);
  });

  it('matches folded substrings like the library search, all terms together', () => {
    const q = parseTrackQuery('artist:"kevin macleod" genre:JAZZ');
    expect(q.matches(track({ artists: ['Kevin MacLeod'], artist: 'Kevin MacLeod', genres: ['Jazz'] }))).toBe(
      true,
    );
    expect(q.matches(track({ artists: ['Kevin MacLeod'], artist: 'Kevin MacLeod', genres: ['Rock'] }))).toBe(
      false,
    );
    expect(parseTrackQuery('bjork').matches(track({ artist: 'Björk', artists: ['Björk'] }))).toBe(true);
    expect(parseTrackQuery('artist:"Kevin Mac"').matches(track({ albumArtist: 'Kevin MacLeod' }))).toBe(true);
  });

  it('folder: is a path prefix on folder boundaries; year: a year or range; source: imported or audio', () => {
    expect(parseTrackQuery('folder:/music/a').matches(track({ path: '/music/a/x.mp3' }))).toBe(true);
    expect(parseTrackQuery('folder:/music/a').matches(track({ path: '/music/ab/x.mp3' }))).toBe(false);
    expect(parseTrackQuery('year:1990-1999').matches(track({ year: 1994 }))).toBe(true);
    expect(parseTrackQuery('year:1990..1999').matches(track({ year: 2001 }))).toBe(false);
    expect(parseTrackQuery('year:1990').matches(track({ year: null }))).toBe(false);
    const imported = track({ format: 'imported', path: 'imported:/t.csv#2', root: 'imported:/t.csv' });
    expect(parseTrackQuery('source:imported').matches(imported)).toBe(true);
    expect(parseTrackQuery('source:audio').matches(imported)).toBe(false);
    expect(parseTrackQuery('folder:/').matches(imported)).toBe(false);
  });

  it('refuses unknown fields, empty values, bad years and unclosed quotes', () => {
    expect(() => parseTrackQuery('colour:red')).toThrow(/unknown query field "colour:"/);
    expect(() => parseTrackQuery('genre:')).toThrow(/needs a value/);
    expect(() => parseTrackQuery('year:nineties')).toThrow(/year: takes/);
    expect(() => parseTrackQuery('artist:"open')).toThrow(/unclosed quote/);
    expect(() => parseTrackQuery('source:vinyl')).toThrow(/source:/);
  });
});
