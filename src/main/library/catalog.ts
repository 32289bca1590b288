/**
 * The library catalog: scans folders into the `tracks` and `scan_errors` tables and answers
 * queries from an in-memory copy kept consistent with every write (one writer: this process).
 */
import { resolve } from 'node:path';
import { makeArrowTable } from '@lancedb/lancedb';
import type {
  LibraryStats,
  ScanErrorRecord,
  ScanSummary,
  Track,
  TrackId,
  TrackPage,
  TrackQuery,
} from '../../shared/types';
import { Database, sqlString, type Table } from '../store/db';
import {
  rowToScanError,
  rowToTrack,
  scanErrorToRow,
  scanErrorsSchema,
  scanErrorsSpec,
  SCAN_ERRORS,
  TRACKS,
  trackToRow,
  tracksSchema,
  tracksSpec,
} from './schema';
import { runScan, type ScanOptions, type ScanTarget } from './scan';
import { parseSkips } from './skips';
import { pathKey } from '../store/raw-path';
import { damaged } from '../store/doctor';
import { IdentityLedger } from './identities';
import { IMPORTED_PATH_PREFIX, isImported } from '../../shared/imported';

export type { ScanOptions } from './scan';

const ROOTS_KEY = 'library.roots';
/** The skips of the last finished scan (JSON `ScanSkip[]`), shown by the stats. */
export const LAST_SKIPS_KEY = 'library.lastScanSkipped';
const DELETE_BATCH = 500;

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

/** All rows of a table as plain objects, read column by column (much faster than row proxies). */
async function readRows(table: Table): Promise<Record<string, unknown>[]> {
  const arrow = await table.query().toArrow();
  const rows: Record<string, unknown>[] = Array.from({ length: arrow.numRows }, () => ({}));
  for (const field of arrow.schema.fields) {
    const col = arrow.getChild(field.name);
    if (!col) continue;
    let i = 0;
    for (const v of col) rows[i++][field.name] = v;
  }
  return rows;
}

/** Library figures the catalog knows (the service adds the analysis figures). */
export type CatalogStats = Omit<
  LibraryStats,
  | 'analysed'
  | 'analysisFailed'
  | 'analysisPending'
  | 'analysisModel'
  | 'analysisModelNote'
  | 'similarityModel'
  | 'similarityTracks'
  | 'models'
>;

type SortKey = NonNullable<TrackQuery['sort']>;

const cmpNullable = (a: number | null, b: number | null) => (a ?? Infinity) - (b ?? Infinity);
const SORTERS: Record<SortKey, (a: Track, b: Track) => number> = {
  artist: (a, b) =>
    collator.compare(a.artist, b.artist) ||
    collator.compare(a.album, b.album) ||
    cmpNullable(a.discNo, b.discNo) ||
    cmpNullable(a.trackNo, b.trackNo) ||
    collator.compare(a.title, b.title) ||
    collator.compare(a.path, b.path),
  album: (a, b) =>
    collator.compare(a.album, b.album) ||
    collator.compare(a.albumArtist, b.albumArtist) ||
    cmpNullable(a.discNo, b.discNo) ||
    cmpNullable(a.trackNo, b.trackNo) ||
    collator.compare(a.path, b.path),
  title: (a, b) =>
    collator.compare(a.title, b.title) ||
    collator.compare(a.artist, b.artist) ||
    collator.compare(a.path, b.path),
  added: (a, b) => b.addedAt - a.addedAt || collator.compare(a.path, b.path),
  duration: (a, b) => a.duration - b.duration || collator.compare(a.path, b.path),
  path: (a, b) => collator.compare(a.path, b.path),
};

export class Catalog {
  private readonly tracks = new Map<TrackId, Track>();
  private readonly byPath = new Map<string, TrackId>();
  private readonly scanErrors = new Map<string, ScanErrorRecord>();
  private readonly sorted = new Map<SortKey, Track[]>();
  private readonly searchText = new WeakMap<Track, string>();
  private scanning = false;
  private changes = 0;

  private ledger!: IdentityLedger;

  private constructor(
    readonly db: Database,
    private readonly tracksTable: Table,
    private readonly errorsTable: Table,
  ) {}

  static async open(home: string): Promise<Catalog> {
    const db = await Database.open(home);
    try {
      const tracksTable = await db.registerTable(tracksSpec);
      const errorsTable = await db.registerTable(scanErrorsSpec);
      const catalog = new Catalog(db, tracksTable, errorsTable);
      await catalog.load();
      catalog.ledger = await IdentityLedger.open(db, catalog.tracks);
      return catalog;
    } catch (e) {
      db.close();
      throw e;
    }
  }

  private async load(): Promise<void> {
    // A damaged table says so in words (store/doctor.ts), not in Lance's text.
    const trackRows = await readRows(this.tracksTable).catch((e: unknown) => {
      throw damaged(TRACKS, e);
    });
    const errorRows = await readRows(this.errorsTable).catch((e: unknown) => {
      throw damaged(SCAN_ERRORS, e);
    });
    for (const row of trackRows) {
      const t = rowToTrack(row);
      this.tracks.set(t.id, t);
      this.byPath.set(pathKey(t), t.id);
    }
    for (const row of errorRows) {
      const e = rowToScanError(row);
      this.scanErrors.set(pathKey(e), e);
    }
  }

  // ---------------------------------------------------------------- writes (DB first, then cache)

  private invalidate(): void {
    this.sorted.clear();
    this.changes++;
  }

  /** Ids of a lost catalog that the next scan can give back to their files (after a rebuild). */
  get formerIds(): number {
    return this.ledger.formerCount;
  }

  /** Ids given back to their files by scans since open. */
  get idsGivenBack(): number {
    return this.ledger.givenBack;
  }

  /** Tracks in the catalog (missing ones included): what is stored, since writes go to the database first. */
  get size(): number {
    return this.tracks.size;
  }

  /** Grows with every write to the tracks: lets derived views (albums, sorted lists) know when to rebuild. */
  get revision(): number {
    return this.changes;
  }

  private async upsertTracks(rows: Track[], fresh: boolean): Promise<void> {
    if (rows.length === 0) return;
    const data = makeArrowTable(rows.map(trackToRow), { schema: tracksSchema });
    if (fresh) await this.tracksTable.add(data);
    else
      await this.tracksTable.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(data);
    await this.ledger.put(rows, fresh);
    for (const t of rows) {
      const old = this.tracks.get(t.id);
      if (old && pathKey(old) !== pathKey(t) && this.byPath.get(pathKey(old)) === t.id)
        this.byPath.delete(pathKey(old));
      this.tracks.set(t.id, t);
      this.byPath.set(pathKey(t), t.id);
    }
    this.invalidate();
  }

  private async deleteTracks(ids: TrackId[]): Promise<void> {
    for (let i = 0; i < ids.length; i += DELETE_BATCH) {
      const chunk = ids.slice(i, i + DELETE_BATCH);
      await this.tracksTable.delete(`id IN (${chunk.map(sqlString).join(', ')})`);
      await this.ledger.delete(chunk);
      for (const id of chunk) {
        const t = this.tracks.get(id);
        if (t && this.byPath.get(pathKey(t)) === id) this.byPath.delete(pathKey(t));
        this.tracks.delete(id);
      }
    }
    if (ids.length > 0) this.invalidate();
  }

  private async upsertErrors(rows: ScanErrorRecord[]): Promise<void> {
    if (rows.length === 0) return;
    const data = makeArrowTable(rows.map(scanErrorToRow), { schema: scanErrorsSchema });
    await this.errorsTable.mergeInsert('path').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(data);
    for (const e of rows) this.scanErrors.set(pathKey(e), e);
  }

  /** `paths` are error keys (`pathKey`). */
  private async deleteErrors(paths: string[]): Promise<void> {
    for (let i = 0; i < paths.length; i += DELETE_BATCH) {
      const chunk = paths.slice(i, i + DELETE_BATCH);
      await this.errorsTable.delete(`path IN (${chunk.map(sqlString).join(', ')})`);
      for (const p of chunk) this.scanErrors.delete(p);
    }
  }

  /**
   * The file at a track's path is no longer the catalogued one (seen when playing it): the track
   * is missing until a scan reads what is there now. False when there was nothing to mark.
   */
  async markMissing(id: TrackId): Promise<boolean> {
    const t = this.tracks.get(id);
    if (!t || t.status === 'missing' || this.scanning) return false;
    await this.upsertTracks([{ ...t, status: 'missing', updatedAt: Date.now() }], false);
    return true;
  }

  /**
   * Puts the tracks of one imported feature table (`root` is its `imported:<path>`), replacing the
   * tracks an earlier import of the same table made that it no longer has. Scans never touch
   * them: their paths lie under no library folder. Returns the ids removed.
   */
  async replaceImported(root: string, tracks: Track[]): Promise<TrackId[]> {
    if (!root.startsWith(IMPORTED_PATH_PREFIX)) throw new Error(`not an imported root: ${root}`);
    if (tracks.some((t) => !isImported(t) || t.root !== root))
      throw new Error('replaceImported takes imported tracks of that table only');
    const keep = new Set(tracks.map((t) => t.id));
    const gone = [...this.tracks.values()].filter((t) => t.root === root && !keep.has(t.id)).map((t) => t.id);
    await this.deleteTracks(gone);
    // A track imported before keeps the time it was first added.
    const rows = tracks.map((t) => {
      const old = this.tracks.get(t.id);
      return old ? { ...t, addedAt: old.addedAt } : t;
    });
    await this.upsertTracks(rows, false);
    return gone;
  }

  // ---------------------------------------------------------------- scan

  async scan(rootsIn: string[], opts: ScanOptions = {}): Promise<ScanSummary> {
    if (this.scanning) throw new Error('a scan is already running');
    this.scanning = true;
    try {
      return await runScan(this.scanTarget(), rootsIn, opts);
    } finally {
      this.scanning = false;
    }
  }

  /** What a scan reads and writes of the catalog. */
  private scanTarget(): ScanTarget {
    return {
      tracks: this.tracks,
      byPath: this.byPath,
      scanErrors: this.scanErrors,
      roots: () => this.roots(),
      rememberRoots: (roots) => this.db.setMeta(ROOTS_KEY, JSON.stringify(roots)),
      upsertTracks: (rows, fresh) => this.upsertTracks(rows, fresh),
      deleteTracks: (ids) => this.deleteTracks(ids),
      upsertErrors: (rows) => this.upsertErrors(rows),
      deleteErrors: (paths) => this.deleteErrors(paths),
      compact: async () => {
        // Drop versions older than a minute.
        const cleanupOlderThan = new Date(Date.now() - 60_000);
        await this.tracksTable.optimize({ cleanupOlderThan });
        await this.errorsTable.optimize({ cleanupOlderThan });
        await this.ledger.optimize(cleanupOlderThan);
        await this.db.markVersions();
      },
      rememberSkips: (skipped) => this.db.setMeta(LAST_SKIPS_KEY, JSON.stringify(skipped)),
      formerId: (file) => this.ledger.formerId(file),
    };
  }

  // ---------------------------------------------------------------- queries

  private searchable(t: Track): string {
    let s = this.searchText.get(t);
    if (s === undefined) {
      s =
        `${t.title}\u0000${t.artist}\u0000${t.artists.join('\u0000')}\u0000${t.album}\u0000${t.path}`.toLowerCase();
      this.searchText.set(t, s);
    }
    return s;
  }

  private sortedBy(key: SortKey): Track[] {
    let list = this.sorted.get(key);
    if (!list) {
      list = [...this.tracks.values()].sort(SORTERS[key]);
      this.sorted.set(key, list);
    }
    return list;
  }

  async list(q: TrackQuery = {}): Promise<TrackPage> {
    const offset = Math.max(0, q.offset ?? 0);
    const limit = Math.max(0, q.limit ?? 1000);
    // Every word must appear somewhere ("kaufman siege", "Mattias Westlund - Breaking the Chains");
    // a lone dash between words is how people write "artist - title", not a word.
    const words = (q.text ?? '')
      .toLowerCase()
      .split(/\s+/)
      .filter((w) => w !== '' && !/^[-–—]+$/.test(w));
    const eq = (a: string, b: string) => a.toLowerCase() === b;
    const artist = q.artist?.trim().toLowerCase();
    const album = q.album?.trim().toLowerCase();
    const genre = q.genre?.trim().toLowerCase();
    const root = q.root ? resolve(q.root) : undefined;
    const match = (t: Track) =>
      (q.includeMissing || t.status === 'ok') &&
      (!root || t.root === root) &&
      (!artist ||
        eq(t.artist, artist) ||
        eq(t.albumArtist, artist) ||
        t.artists.some((a) => eq(a, artist))) &&
      (!album || eq(t.album, album)) &&
      (!genre || t.genres.some((g) => eq(g, genre))) &&
      (words.length === 0 || words.every((w) => this.searchable(t).includes(w)));
    const all = this.sortedBy(q.sort ?? 'artist');
    let total = 0;
    const tracks: Track[] = [];
    for (const t of all) {
      if (!match(t)) continue;
      if (total >= offset && tracks.length < limit) tracks.push(t);
      total++;
    }
    return { total, offset, tracks };
  }

  async get(id: TrackId): Promise<Track | null> {
    return this.tracks.get(id) ?? null;
  }

  /** Tracks by id in the order asked, unknown ids left out (the catalog is held in memory). */
  getMany(ids: readonly TrackId[]): Track[] {
    const out: Track[] = [];
    for (const id of ids) {
      const t = this.tracks.get(id);
      if (t) out.push(t);
    }
    return out;
  }

  async getByPath(path: string): Promise<Track | null> {
    const wanted = resolve(path);
    const id = this.byPath.get(wanted);
    if (id) return this.tracks.get(id) ?? null;
    // A raw name is keyed by its bytes: look it up by its readable form.
    for (const t of this.tracks.values()) if (t.pathBytes && t.path === wanted) return t;
    return null;
  }

  async allTracks(opts: { includeMissing?: boolean } = {}): Promise<Track[]> {
    return this.sortedBy('path').filter((t) => opts.includeMissing || t.status === 'ok');
  }

  async stats(): Promise<CatalogStats> {
    const artists = new Set<string>();
    const albums = new Set<string>();
    const genres = new Set<string>();
    const formats: Record<string, number> = {};
    let tracks = 0;
    let missing = 0;
    let totalDuration = 0;
    let totalSize = 0;
    for (const t of this.tracks.values()) {
      if (t.status === 'missing') {
        missing++;
        continue;
      }
      tracks++;
      artists.add(t.artist.toLowerCase());
      albums.add(`${t.albumArtist.toLowerCase()}\u0000${t.album.toLowerCase()}`);
      for (const g of t.genres) genres.add(g.toLowerCase());
      totalDuration += t.duration;
      totalSize += t.size;
      formats[t.format] = (formats[t.format] ?? 0) + 1;
    }
    return {
      tracks,
      missing,
      errors: this.scanErrors.size,
      artists: artists.size,
      albums: albums.size,
      genres: genres.size,
      totalDuration,
      totalSize,
      roots: await this.roots(),
      formats,
      schemaVersion: this.db.tableVersion(TRACKS),
      skipped: parseSkips(this.db.getMeta(LAST_SKIPS_KEY)),
    };
  }

  async errors(
    opts: { offset?: number; limit?: number } = {},
  ): Promise<{ total: number; errors: ScanErrorRecord[] }> {
    const all = [...this.scanErrors.values()].sort((a, b) => collator.compare(a.path, b.path));
    const offset = Math.max(0, opts.offset ?? 0);
    const limit = Math.max(0, opts.limit ?? 1000);
    return { total: all.length, errors: all.slice(offset, offset + limit) };
  }

  async roots(): Promise<string[]> {
    const raw = this.db.getMeta(ROOTS_KEY);
    if (!raw) return [];
    try {
      const v = JSON.parse(raw) as unknown;
      return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
    } catch {
      return [];
    }
  }

  async close(): Promise<void> {
    await this.db.markVersions().catch(() => undefined);
    this.db.close();
  }
}
