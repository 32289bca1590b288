import { describe, expect, it } from 'vitest';
import { continuesAlbum, sameAlbum } from '../../../../src/renderer/src/playback/continuity';
import type { Track } from '../../../../src/shared/types';
import { makeTrack } from '../../../helpers/synthetic';

// No album artist by default: sameAlbum then falls back to the folder.
const track = (over: Partial<Track>): Track => makeTrack('x', { albumArtist: '', ...over });

describe('album continuity (no crossfade inside an album)', () => {
  it('is the same album by name and album artist, else by folder', () => {
    expect(sameAlbum(track({}), track({ path: '/music/Artist/Album/y.flac' }))).toBe(true);
    expect(sameAlbum(track({}), track({ path: '/music/Other/Album/y.flac' }))).toBe(false);
    expect(
      sameAlbum(
        track({ albumArtist: 'Various Artists', path: '/m/cd1/a.flac' }),
        track({ albumArtist: 'Various Artists', path: '/m/cd2/b.flac' }),
      ),
    ).toBe(true);
    expect(sameAlbum(track({ album: '' }), track({ album: '' }))).toBe(false);
    expect(sameAlbum(track({}), track({ album: 'Album (Live)' }))).toBe(false);
  });

  it('continues an album only with its next track, across discs too', () => {
    const t = (trackNo: number | null, discNo: number | null = null) => track({ trackNo, discNo });
    expect(continuesAlbum(t(1), t(2))).toBe(true);
    expect(continuesAlbum(t(2), t(1))).toBe(false);
    expect(continuesAlbum(t(1), t(3))).toBe(false);
    expect(continuesAlbum(t(12, 1), t(1, 2))).toBe(true);
    expect(continuesAlbum(t(12, 1), t(2, 2))).toBe(false);
    expect(continuesAlbum(t(null), t(4))).toBe(true);
    expect(continuesAlbum(t(1), track({ trackNo: 2, album: 'Other' }))).toBe(false);
  });
});
