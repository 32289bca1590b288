/**
 * Types of the browse views (albums, artists, sortable table, filter suggestions, folder picker).
 * Plain data only: these cross process boundaries.
 */
import type { Track, TrackId } from './types';

/** Columns the library table can be sorted by (server-side, so it works on any size of library). */
export const trackSortKeys = [
  'artist',
  'album',
  'title',
  'added',
  'duration',
  'path',
  'trackNo',
  'discNo',
  'year',
  'genre',
  'format',
] as const;
export type TrackSortKey = (typeof trackSortKeys)[number];
export type SortOrder = 'asc' | 'desc';

export interface AlbumSummary {
  /** Stable for the same album name and album artist (a short hash). */
  id: string;
  title: string;
  /** The album artist, else the one artist of all its tracks, else "Various Artists". */
  artist: string;
  /** The album artist tag when the tracks have one (not a fallback to the track artist). */
  albumArtist: string | null;
  year: number | null;
  trackCount: number;
  /** Seconds. */
  duration: number;
  genres: string[];
  /** The track whose cover stands for the album (one with an embedded picture when any has). */
  coverTrackId: TrackId;
  /** Changes when the cover's track changes: part of the cover URL so caches stay right. */
  coverVersion: number;
  addedAt: number;
}

export interface AlbumDetail extends AlbumSummary {
  /** In disc, then track number order. */
  tracks: Track[];
  /** Other artists on the album (a compilation), in order of appearance. */
  artists: string[];
}

export interface ArtistSummary {
  name: string;
  albumCount: number;
  trackCount: number;
  coverTrackId: TrackId;
  coverVersion: number;
}

export interface ArtistDetail extends ArtistSummary {
  /** Newest first (by year, then title). */
  albums: AlbumSummary[];
  /**
   * The artist's tracks to start from. Timbre keeps no play counts yet, so "top" means: one
   * per album first (the album's opening track), then the rest, in album order.
   */
  topTracks: Track[];
}

export type ValueField = 'artist' | 'album' | 'genre';

export interface ValueCount {
  value: string;
  count: number;
}

export interface DirEntry {
  name: string;
  path: string;
}

export interface DirListing {
  /** The folder listed (absolute, resolved). */
  path: string;
  /** Its parent; null at the top of the file system. */
  parent: string | null;
  /** Sub-folders (hidden ones left out), sorted by name. */
  dirs: DirEntry[];
  /** Places to start from: the user's home folder and the top of the file system. */
  places: DirEntry[];
}
