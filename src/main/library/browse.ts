/**
 * The browse queries over the catalog: the sortable, searchable track table, albums and artists,
 * and distinct values for the filters' suggestions. Everything is derived from the catalog's
 * in-memory tracks and rebuilt lazily when the catalog's revision moves (one writer: this process).
 */
import { createHash } from 'node:crypto';
import { basename, dirname } from 'node:path';
import type {
  AlbumDetail,
  AlbumSummary,
  ArtistDetail,
  ArtistSummary,
  SortOrder,
  TrackSortKey,
  ValueCount,
  ValueField,
} from '../../shared/browse-types';
import type { Track, TrackPage } from '../../shared/types';
import { fold, searchWords } from './fold';

export interface TrackSource {
  /** Grows with every change to the tracks. */
  readonly revision: number;
  allTracks(opts: { includeMissing?: boolean }): Promise<Track[]>;
}

export interface TrackListQuery {
  text?: string;
  /** Substring filters, folded like the search ("björk" and "bjork" match "Björk"). */
  artist?: string;
  album?: string;
  genre?: string;
  root?: string;
  includeMissing?: boolean;
  sort?: TrackSortKey;
  order?: SortOrder;
  offset?: number;
  limit?: number;
}

export interface PageQuery {
  text?: string;
  offset?: number;
  limit?: number;
}

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
const VARIOUS = 'Various Artists';
const UNKNOWN_ARTIST = 'Unknown Artist';

/** Missing numbers sort last in both directions would surprise; they sort as "smallest + 1". */
const cmpNum = (a: number | null, b: number | null) => (a ?? Infinity) - (b ?? Infinity);
const byName = (a: string, b: string) => collator.compare(a, b);

const inAlbumOrder = (a: Track, b: Track) =>
  cmpNum(a.discNo, b.discNo) ||
  cmpNum(a.trackNo, b.trackNo) ||
  byName(a.title, b.title) ||
  byName(a.path, b.path);

const SORTERS: Record<TrackSortKey, (a: Track, b: Track) => number> = {
  artist: (a, b) => byName(a.artist, b.artist) || byName(a.album, b.album) || inAlbumOrder(a, b),
  album: (a, b) => byName(a.album, b.album) || byName(a.albumArtist, b.albumArtist) || inAlbumOrder(a, b),
  title: (a, b) => byName(a.title, b.title) || byName(a.artist, b.artist) || byName(a.path, b.path),
  added: (a, b) => b.addedAt - a.addedAt || byName(a.path, b.path),
  duration: (a, b) => a.duration - b.duration || byName(a.path, b.path),
  path: (a, b) => byName(a.path, b.path),
  trackNo: (a, b) => cmpNum(a.trackNo, b.trackNo) || SORTERS.album(a, b),
  discNo: (a, b) => cmpNum(a.discNo, b.discNo) || SORTERS.album(a, b),
  year: (a, b) => cmpNum(a.year, b.year) || SORTERS.artist(a, b),
  genre: (a, b) => byName(a.genres[0] ?? '\uffff', b.genres[0] ?? '\uffff') || SORTERS.artist(a, b),
  format: (a, b) => byName(a.format, b.format) || SORTERS.artist(a, b),
};

/**
 * Whether the track names an album artist of its own: the catalog fills a missing album artist
 * with the track artist, so only one that differs is known to come from the tags.
 */
const hasAlbumArtist = (t: Track): boolean =>
  !!t.albumArtist.trim() && fold(t.albumArtist) !== fold(t.artist);

/**
 * What groups tracks into one album: its name and its album artist when one is tagged. Without one
 * (a compilation tagged track by track: "Battle for Wesnoth" by three composers), tracks of the
 * same album name group when they sit in one folder or in sibling folders (Wesnoth/<composer>/),
 * so that two artists' "Greatest Hits" in their own folders stay apart.
 */
function albumKey(t: Track): string {
  const album = fold(t.album.trim());
  if (hasAlbumArtist(t)) return `${album}\u0000${fold(t.albumArtist.trim())}`;
  return `${album}\u0001${dirname(dirname(t.path))}`;
}

const albumIdOf = (key: string): string => createHash('sha1').update(key).digest('base64url').slice(0, 16);

interface AlbumGroup {
  summary: AlbumSummary;
  tracks: Track[];
  artists: string[];
}

interface ArtistGroup {
  name: string;
  tracks: Track[];
  albumIds: Set<string>;
}

/** Albums and artists of one revision (built on the first album or artist query). */
interface Groups {
  albums: Map<string, AlbumGroup>;
  albumOf: Map<Track, string>;
  albumList: AlbumSummary[];
  artists: Map<string, ArtistGroup>;
  artistList: ArtistSummary[];
}

/** Everything derived from one revision of the catalog. */
interface Derived {
  revision: number;
  includeMissing: boolean;
  tracks: Track[];
  sorted: Map<TrackSortKey, Track[]>;
  groups: Groups | null;
}

function buildAlbums(tracks: Track[]): { albums: Map<string, AlbumGroup>; albumOf: Map<Track, string> } {
  const groups = new Map<string, Track[]>();
  for (const t of tracks) {
    const key = albumKey(t);
    const list = groups.get(key);
    if (list) list.push(t);
    else groups.set(key, [t]);
  }
  const albums = new Map<string, AlbumGroup>();
  const albumOf = new Map<Track, string>();
  for (const [key, list] of groups) {
    list.sort(inAlbumOrder);
    const id = albumIdOf(key);
    const first = list[0];
    const artists: string[] = [];
    const seen = new Set<string>();
    for (const t of list) {
      const f = fold(t.artist);
      if (!seen.has(f)) {
        seen.add(f);
        artists.push(t.artist);
      }
    }
    const tagged = list.find(hasAlbumArtist);
    const artist = tagged ? tagged.albumArtist.trim() : artists.length === 1 ? artists[0] : VARIOUS;
    const genres = [...new Set(list.flatMap((t) => t.genres))].slice(0, 5);
    const years = list.map((t) => t.year).filter((y): y is number => y !== null);
    const cover = list.find((t) => t.hasCover) ?? first;
    const summary: AlbumSummary = {
      id,
      title: first.album.trim() || basename(dirname(first.path)),
      albumArtist: tagged ? tagged.albumArtist.trim() : null,
      artist,
      year: years.length > 0 ? Math.min(...years) : null,
      trackCount: list.length,
      duration: list.reduce((s, t) => s + t.duration, 0),
      genres,
      coverTrackId: cover.id,
      coverVersion: cover.updatedAt,
      addedAt: Math.max(...list.map((t) => t.addedAt)),
    };
    albums.set(id, { summary, tracks: list, artists });
    for (const t of list) albumOf.set(t, id);
  }
  return { albums, albumOf };
}

/** The names a track is listed under as an artist: its artists and its album artist. */
function artistNames(t: Track): string[] {
  const names = new Set<string>();
  names.add(t.artist || UNKNOWN_ARTIST);
  for (const a of t.artists) if (a.trim()) names.add(a.trim());
  if (t.albumArtist.trim()) names.add(t.albumArtist.trim());
  return [...names];
}

function buildArtists(tracks: Track[], albumOf: Map<Track, string>): Map<string, ArtistGroup> {
  const artists = new Map<string, ArtistGroup>();
  for (const t of tracks) {
    for (const name of artistNames(t)) {
      const key = fold(name);
      let group = artists.get(key);
      if (!group) {
        group = { name, tracks: [], albumIds: new Set() };
        artists.set(key, group);
      }
      group.tracks.push(t);
      const albumId = albumOf.get(t);
      if (albumId) group.albumIds.add(albumId);
    }
  }
  return artists;
}

function page<T>(list: T[], q: PageQuery, match?: (x: T) => boolean): { total: number; items: T[] } {
  const offset = Math.max(0, q.offset ?? 0);
  const limit = Math.max(0, q.limit ?? 200);
  const hits = match ? list.filter(match) : list;
  return { total: hits.length, items: hits.slice(offset, offset + limit) };
}

export class LibraryBrowser {
  private derived: Derived | null = null;
  private readonly searchText = new WeakMap<Track, string>();

  constructor(private readonly source: TrackSource) {}

  private async current(includeMissing = false): Promise<Derived> {
    const d = this.derived;
    if (d && d.revision === this.source.revision && d.includeMissing === includeMissing) return d;
    const revision = this.source.revision;
    const tracks = await this.source.allTracks({ includeMissing });
    const next: Derived = { revision, includeMissing, tracks, sorted: new Map(), groups: null };
    // Only the default view is kept: a one-off "include missing" query must not evict it.
    if (!includeMissing) this.derived = next;
    return next;
  }

  /** The current revision's albums and artists (the table does not need them: built on demand). */
  private async grouped(): Promise<Groups> {
    const d = await this.current();
    if (d.groups) return d.groups;
    const { albums, albumOf } = buildAlbums(d.tracks);
    const albumList = [...albums.values()]
      .map((a) => a.summary)
      .sort((a, b) => byName(a.artist, b.artist) || cmpNum(a.year, b.year) || byName(a.title, b.title));
    const artists = buildArtists(d.tracks, albumOf);
    const artistList = [...artists.values()]
      .map((g) => this.artistSummary(g, albums))
      .sort((a, b) => byName(a.name, b.name));
    d.groups = { albums, albumOf, albumList, artists, artistList };
    return d.groups;
  }

  private artistSummary(g: ArtistGroup, albums: Map<string, AlbumGroup>): ArtistSummary {
    const albumSummaries = [...g.albumIds].map((id) => albums.get(id)?.summary).filter((a) => !!a);
    const withCover = g.tracks.find((t) => t.hasCover) ?? g.tracks[0];
    const cover = albumSummaries.find((a) => a.coverTrackId === withCover.id) ?? albumSummaries[0];
    return {
      name: g.name,
      albumCount: g.albumIds.size,
      trackCount: g.tracks.length,
      coverTrackId: cover?.coverTrackId ?? withCover.id,
      coverVersion: cover?.coverVersion ?? withCover.updatedAt,
    };
  }

  private searchable(t: Track): string {
    let s = this.searchText.get(t);
    if (s === undefined) {
      s = fold([t.title, t.artist, ...t.artists, t.album, t.albumArtist, ...t.genres, t.path].join('\u0000'));
      this.searchText.set(t, s);
    }
    return s;
  }

  private sortedBy(d: Derived, key: TrackSortKey): Track[] {
    let list = d.sorted.get(key);
    if (!list) {
      list = [...d.tracks].sort(SORTERS[key]);
      d.sorted.set(key, list);
    }
    return list;
  }

  /** One page of the track table: every search word and every filter must match (folded substrings). */
  async list(q: TrackListQuery = {}): Promise<TrackPage> {
    const d = await this.current(q.includeMissing ?? false);
    const offset = Math.max(0, q.offset ?? 0);
    const limit = Math.max(0, q.limit ?? 1000);
    const words = searchWords(q.text);
    const artist = q.artist?.trim() ? fold(q.artist.trim()) : '';
    const album = q.album?.trim() ? fold(q.album.trim()) : '';
    const genre = q.genre?.trim() ? fold(q.genre.trim()) : '';
    const root = q.root;
    const match = (t: Track): boolean =>
      (!root || t.root === root) &&
      (!artist || artistNames(t).some((a) => fold(a).includes(artist))) &&
      (!album || fold(t.album).includes(album)) &&
      (!genre || t.genres.some((g) => fold(g).includes(genre))) &&
      (words.length === 0 || words.every((w) => this.searchable(t).includes(w)));
    const all = this.sortedBy(d, q.sort ?? 'artist');
    const desc = q.order === 'desc';
    const n = all.length;
    let total = 0;
    const tracks: Track[] = [];
    for (let i = 0; i < n; i++) {
      const t = all[desc ? n - 1 - i : i];
      if (!match(t)) continue;
      if (total >= offset && tracks.length < limit) tracks.push(t);
      total++;
    }
    return { total, offset, tracks };
  }

  /** Distinct artists, albums or genres in the whole library whose folded name contains `contains`. */
  async values(
    field: ValueField,
    contains = '',
    limit = 50,
  ): Promise<{ total: number; values: ValueCount[] }> {
    const d = await this.current();
    const counts = new Map<string, ValueCount>();
    const add = (value: string) => {
      if (!value.trim()) return;
      const key = fold(value);
      const entry = counts.get(key);
      if (entry) entry.count++;
      else counts.set(key, { value, count: 1 });
    };
    for (const t of d.tracks) {
      if (field === 'artist') artistNames(t).forEach(add);
      else if (field === 'album') add(t.album);
      else t.genres.forEach(add);
    }
    const needle = fold(contains.trim());
    const hits = [...counts.entries()].filter(([key]) => key.includes(needle));
    // Names that start with the text come first, then the rest; each part by name.
    hits.sort(
      ([ka, a], [kb, b]) =>
        Number(!ka.startsWith(needle)) - Number(!kb.startsWith(needle)) || byName(a.value, b.value),
    );
    return { total: hits.length, values: hits.slice(0, Math.max(0, limit)).map(([, v]) => v) };
  }

  async albums(q: PageQuery & { artist?: string } = {}): Promise<{ total: number; albums: AlbumSummary[] }> {
    const d = await this.grouped();
    const words = searchWords(q.text);
    const artist = q.artist ? d.artists.get(fold(q.artist)) : undefined;
    if (q.artist && !artist) return { total: 0, albums: [] };
    const match =
      words.length === 0 && !artist
        ? undefined
        : (a: AlbumSummary) =>
            (!artist || artist.albumIds.has(a.id)) &&
            words.every((w) => fold(`${a.title}\u0000${a.artist}`).includes(w));
    const { total, items } = page(d.albumList, q, match);
    return { total, albums: items };
  }

  async album(id: string): Promise<AlbumDetail | null> {
    const d = await this.grouped();
    const group = d.albums.get(id);
    if (!group) return null;
    return { ...group.summary, tracks: group.tracks, artists: group.artists };
  }

  async artists(q: PageQuery = {}): Promise<{ total: number; artists: ArtistSummary[] }> {
    const d = await this.grouped();
    const words = searchWords(q.text);
    const match =
      words.length === 0 ? undefined : (a: ArtistSummary) => words.every((w) => fold(a.name).includes(w));
    const { total, items } = page(d.artistList, q, match);
    return { total, artists: items };
  }

  async artist(name: string, topCount = 10): Promise<ArtistDetail | null> {
    const d = await this.grouped();
    const group = d.artists.get(fold(name.trim()));
    if (!group) return null;
    const albums = [...group.albumIds]
      .map((id) => d.albums.get(id))
      .filter((a): a is AlbumGroup => !!a)
      .sort(
        (a, b) => (b.summary.year ?? -1) - (a.summary.year ?? -1) || byName(a.summary.title, b.summary.title),
      );
    const mine = new Set(group.tracks);
    // One track per album first (its opening track), then the rest in album order.
    const firsts: Track[] = [];
    const rest: Track[] = [];
    for (const a of albums) {
      const own = a.tracks.filter((t) => mine.has(t));
      if (own.length > 0) firsts.push(own[0]);
      rest.push(...own.slice(1));
    }
    return {
      ...this.artistSummary(group, d.albums),
      albums: albums.map((a) => a.summary),
      topTracks: [...firsts, ...rest].slice(0, topCount),
    };
  }

  /** The album a track belongs to (for "Show album"). */
  async albumIdOf(trackId: string): Promise<string | null> {
    const [d, g] = [await this.current(), await this.grouped()];
    const t = d.tracks.find((x) => x.id === trackId);
    return (t && g.albumOf.get(t)) ?? null;
  }
}
