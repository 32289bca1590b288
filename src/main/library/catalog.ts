/**
 * The library catalog: scans folders into the `tracks` and `scan_errors` tables and answers
 * queries from an in-memory copy kept consistent with every write (one writer: this process).
 */
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { makeArrowTable } from '@lancedb/lancedb';
import type {
  LibraryStats,
  ScanErrorRecord,
  ScanProgress,
  ScanSummary,
  Track,
  TrackId,
  TrackPage,
  TrackQuery,
} from '../../shared/types';
import { Database, sqlString, type Table } from '../store/db';
import { ReadPool } from './read-pool';
import type { ReadResult, TrackInfo } from './reader';
import {
  rowToScanError,
  rowToTrack,
  scanErrorsSchema,
  scanErrorsSpec,
  TRACKS,
  trackToRow,
  tracksSchema,
  tracksSpec,
} from './schema';
import { walk, type WalkEntry } from './walker';

export interface ScanOptions {
  /** Remove rows of files that are gone (instead of marking them missing). */
  prune?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: ScanProgress) => void;
  /** Files read at once (default 12). */
  concurrency?: number;
  /** Per-file read limit (default 10 s). */
  fileTimeoutMs?: number;
  /** Extra environment for the tag reader processes (fault injection in tests). */
  readerEnv?: Record<string, string>;
  /** Minimum time between progress reports (default 200 ms; the final report always comes). */
  progressIntervalMs?: number;
}

const ROOTS_KEY = 'library.roots';
const WRITE_BATCH = 1000;
const DELETE_BATCH = 500;
const PROGRESS_INTERVAL_MS = 200;
/** Reasons that may go away without the file changing: retried on every scan. */
const TRANSIENT = /^(timed out|permission denied|file vanished)/;

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

function newId(taken: (id: string) => boolean): string {
  for (;;) {
    const id = randomBytes(9).toString('base64url');
    if (!taken(id)) return id;
  }
}

const isUnder = (path: string, dir: string): boolean =>
  path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);

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
      return catalog;
    } catch (e) {
      db.close();
      throw e;
    }
  }

  private async load(): Promise<void> {
    for (const row of await readRows(this.tracksTable)) {
      const t = rowToTrack(row);
      this.tracks.set(t.id, t);
      this.byPath.set(t.path, t.id);
    }
    for (const row of await readRows(this.errorsTable)) {
      const e = rowToScanError(row);
      this.scanErrors.set(e.path, e);
    }
  }

  // ---------------------------------------------------------------- writes (DB first, then cache)

  private invalidate(): void {
    this.sorted.clear();
  }

  private async upsertTracks(rows: Track[], fresh: boolean): Promise<void> {
    if (rows.length === 0) return;
    const data = makeArrowTable(rows.map(trackToRow), { schema: tracksSchema });
    if (fresh) await this.tracksTable.add(data);
    else
      await this.tracksTable.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(data);
    for (const t of rows) {
      const old = this.tracks.get(t.id);
      if (old && old.path !== t.path && this.byPath.get(old.path) === t.id) this.byPath.delete(old.path);
      this.tracks.set(t.id, t);
      this.byPath.set(t.path, t.id);
    }
    this.invalidate();
  }

  private async deleteTracks(ids: TrackId[]): Promise<void> {
    for (let i = 0; i < ids.length; i += DELETE_BATCH) {
      const chunk = ids.slice(i, i + DELETE_BATCH);
      await this.tracksTable.delete(`id IN (${chunk.map(sqlString).join(', ')})`);
      for (const id of chunk) {
        const t = this.tracks.get(id);
        if (t && this.byPath.get(t.path) === id) this.byPath.delete(t.path);
        this.tracks.delete(id);
      }
    }
    if (ids.length > 0) this.invalidate();
  }

  private async upsertErrors(rows: ScanErrorRecord[]): Promise<void> {
    if (rows.length === 0) return;
    const data = makeArrowTable(rows as unknown as Record<string, unknown>[], { schema: scanErrorsSchema });
    await this.errorsTable.mergeInsert('path').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(data);
    for (const e of rows) this.scanErrors.set(e.path, e);
  }

  private async deleteErrors(paths: string[]): Promise<void> {
    for (let i = 0; i < paths.length; i += DELETE_BATCH) {
      const chunk = paths.slice(i, i + DELETE_BATCH);
      await this.errorsTable.delete(`path IN (${chunk.map(sqlString).join(', ')})`);
      for (const p of chunk) this.scanErrors.delete(p);
    }
  }

  // ---------------------------------------------------------------- scan

  async scan(rootsIn: string[], opts: ScanOptions = {}): Promise<ScanSummary> {
    if (this.scanning) throw new Error('a scan is already running');
    this.scanning = true;
    try {
      return await this.runScan(rootsIn, opts);
    } finally {
      this.scanning = false;
    }
  }

  private async runScan(rootsIn: string[], opts: ScanOptions): Promise<ScanSummary> {
    // No roots: rescan the remembered ones.
    const roots = [...new Set((rootsIn.length > 0 ? rootsIn : await this.roots()).map((r) => resolve(r)))];
    // Remember the roots (union with earlier ones). A new root must be a folder: a mistyped path
    // is refused rather than remembered for good (a known root that is gone is kept: unmounted).
    const known = await this.roots();
    const added = roots.filter((r) => !known.includes(r));
    const notFolders: string[] = [];
    for (const r of added) {
      if (
        !(await stat(r).then(
          (st) => st.isDirectory(),
          () => false,
        ))
      )
        notFolders.push(r);
    }
    if (notFolders.length > 0) {
      throw new Error(
        `not a folder: ${notFolders.join(', ')} (nothing was scanned; check the path${notFolders.length > 1 ? 's' : ''})`,
      );
    }
    const started = performance.now();
    const concurrency = Math.max(1, opts.concurrency ?? 12);
    const signal = opts.signal;
    const p: ScanProgress = {
      phase: 'walking',
      roots,
      found: 0,
      processed: 0,
      unchanged: 0,
      added: 0,
      updated: 0,
      moved: 0,
      failed: 0,
      missing: 0,
      removed: 0,
      rate: 0,
      elapsedMs: 0,
    };
    let lastReport = 0;
    const timing = (now: number) => {
      p.elapsedMs = Math.round(now - started);
      p.rate = now > started ? Math.round((p.processed / (now - started)) * 10000) / 10 : 0;
    };
    const report = (force = false) => {
      if (!opts.onProgress) return;
      const now = performance.now();
      if (!force && now - lastReport < (opts.progressIntervalMs ?? PROGRESS_INTERVAL_MS)) return;
      lastReport = now;
      timing(now);
      try {
        opts.onProgress({ ...p });
      } catch {
        // a listener's failure must not stop the scan
      }
    };
    report(true);

    await this.db.setMeta(ROOTS_KEY, JSON.stringify([...known, ...added]));

    // 1. Walk every root; decide which roots are reachable.
    const found = new Map<string, WalkEntry>();
    const unavailableRoots: string[] = [];
    const availableRoots: string[] = [];
    const unreadableDirs: string[] = [];
    const visited = new Set<string>();
    for (const root of roots) {
      if (signal?.aborted) break;
      const isDir = await stat(root).then(
        (st) => st.isDirectory(),
        () => false,
      );
      if (!isDir) {
        unavailableRoots.push(root);
        continue;
      }
      const base = p.found;
      const res = await walk(root, {
        signal,
        visited,
        onFound: (n) => {
          p.found = base + n;
          report();
        },
      });
      const hadTracks = () => {
        for (const t of this.tracks.values()) if (t.root === root) return true;
        return false;
      };
      if (res.files.length === 0 && hadTracks()) {
        // Empty while it had tracks: an unmounted drive or an emptied mount point. Touch nothing.
        unavailableRoots.push(root);
        continue;
      }
      availableRoots.push(root);
      unreadableDirs.push(...res.unreadableDirs);
      for (const f of res.files) if (!found.has(f.path)) found.set(f.path, f);
      p.found = found.size;
    }
    const walkComplete = !signal?.aborted;

    // 2. Sort found files into unchanged and to-read.
    p.phase = 'reading';
    const toRead: WalkEntry[] = [];
    const restore: Track[] = [];
    for (const f of found.values()) {
      const id = this.byPath.get(f.path);
      const t = id ? this.tracks.get(id) : undefined;
      if (t && t.size === f.size && t.mtimeMs === f.mtimeMs) {
        // Unchanged file; only its status or root (a root added above it) may need a write.
        if (t.status === 'missing' || t.root !== f.root)
          restore.push({ ...t, root: f.root, status: 'ok', updatedAt: Date.now() });
        else {
          p.unchanged++;
          p.processed++;
        }
        continue;
      }
      const err = this.scanErrors.get(f.path);
      if (!t && err && err.size === f.size && err.mtimeMs === f.mtimeMs && !TRANSIENT.test(err.reason)) {
        p.unchanged++;
        p.processed++;
        continue;
      }
      toRead.push(f);
    }
    if (restore.length > 0) {
      await this.upsertTracks(restore, false);
      p.updated += restore.length;
      p.processed += restore.length;
    }
    report();

    // Tracks whose file was not found in a reachable root: candidates for moves, then missing.
    const isReachable = (path: string) =>
      availableRoots.some((r) => isUnder(path, r)) && !unreadableDirs.some((d) => isUnder(path, d));
    const vanishedByFp = new Map<string, Track[]>();
    const vanished = new Set<TrackId>();
    if (walkComplete) {
      for (const t of this.tracks.values()) {
        if (found.has(t.path) || !isReachable(t.path)) continue;
        vanished.add(t.id);
        const list = vanishedByFp.get(t.fingerprint);
        if (list) list.push(t);
        else vanishedByFp.set(t.fingerprint, [t]);
      }
    }
    /** Tracks outside the reachable roots by fingerprint (built on first use). */
    let fingerprintIndex: Map<string, Track[]> | undefined;
    const othersWith = (fingerprint: string): Track[] => {
      if (!fingerprintIndex) {
        fingerprintIndex = new Map();
        for (const t of this.tracks.values()) {
          if (vanished.has(t.id) || isReachable(t.path)) continue;
          const list = fingerprintIndex.get(t.fingerprint);
          if (list) list.push(t);
          else fingerprintIndex.set(t.fingerprint, [t]);
        }
      }
      return fingerprintIndex.get(fingerprint) ?? [];
    };
    const claimed = new Set<TrackId>();
    const claimMove = async (info: TrackInfo): Promise<Track | undefined> => {
      const local = vanishedByFp.get(info.fingerprint)?.find((t) => !claimed.has(t.id));
      if (local) {
        claimed.add(local.id);
        return local;
      }
      for (const t of othersWith(info.fingerprint)) {
        if (claimed.has(t.id) || found.has(t.path)) continue;
        // Outside this scan's roots: a move only when the old file is really gone.
        const gone = await stat(t.path).then(
          () => false,
          (e: NodeJS.ErrnoException) => e.code === 'ENOENT',
        );
        if (gone && !claimed.has(t.id)) {
          claimed.add(t.id);
          return t;
        }
      }
      return undefined;
    };

    // 3. Read changed and new files, a few at a time; write in batches.
    const pendingNew: Track[] = [];
    const pendingUpdate: Track[] = [];
    const pendingErrors: ScanErrorRecord[] = [];
    const clearedErrors: string[] = [];
    const lostTracks: TrackId[] = [];
    const flush = async (force: boolean) => {
      if (force || pendingNew.length >= WRITE_BATCH) await this.upsertTracks(pendingNew.splice(0), true);
      if (force || pendingUpdate.length >= WRITE_BATCH)
        await this.upsertTracks(pendingUpdate.splice(0), false);
      if (force || pendingErrors.length >= WRITE_BATCH) await this.upsertErrors(pendingErrors.splice(0));
      if (force || clearedErrors.length >= WRITE_BATCH) await this.deleteErrors(clearedErrors.splice(0));
      if (force && lostTracks.length > 0) await this.deleteTracks(lostTracks.splice(0));
    };
    /** Ids given to new tracks not yet written (the catalog's own ids are in `this.tracks`). */
    const issued = new Set<TrackId>();
    const taken = (id: string) => this.tracks.has(id) || issued.has(id);
    let wrote = restore.length > 0;

    const handle = async (entry: WalkEntry, res: ReadResult) => {
      const now = Date.now();
      p.processed++;
      p.currentPath = entry.path;
      if (!res.ok) {
        p.failed++;
        pendingErrors.push({
          path: entry.path,
          root: entry.root,
          reason: res.reason,
          size: entry.size,
          mtimeMs: entry.mtimeMs,
          at: now,
        });
        // A catalogued file that became unreadable leaves the catalog; one that failed for a
        // passing reason keeps its row (and id): it differs from the file, so the next scan retries.
        const id = this.byPath.get(entry.path);
        if (id && !TRANSIENT.test(res.reason)) lostTracks.push(id);
        return;
      }
      if (this.scanErrors.has(entry.path)) clearedErrors.push(entry.path);
      const existingId = this.byPath.get(entry.path);
      const existing = existingId ? this.tracks.get(existingId) : undefined;
      if (existing) {
        pendingUpdate.push({
          ...res.info,
          id: existing.id,
          status: 'ok',
          addedAt: existing.addedAt,
          updatedAt: now,
        });
        p.updated++;
        return;
      }
      const moved = await claimMove(res.info);
      if (moved) {
        vanished.delete(moved.id);
        pendingUpdate.push({
          ...res.info,
          id: moved.id,
          status: 'ok',
          addedAt: moved.addedAt,
          updatedAt: now,
        });
        p.moved++;
        return;
      }
      const id = newId(taken);
      issued.add(id);
      pendingNew.push({ ...res.info, id, status: 'ok', addedAt: now, updatedAt: now });
      p.added++;
    };

    let next = 0;
    let writing: Promise<void> = Promise.resolve();
    // Tags are read in a helper process: a file that hangs or crashes the parser costs that file.
    // One process reading `concurrency` files at once keeps up with the catalog writes (measured:
    // 897 files/s with one, 829 with two, which also cost another ~100 MB).
    const readers = new ReadPool({
      processes: 1,
      perProcess: concurrency,
      timeoutMs: opts.fileTimeoutMs,
      env: opts.readerEnv,
    });
    const workers = Array.from({ length: Math.min(concurrency, toRead.length) }, async () => {
      while (next < toRead.length && !signal?.aborted) {
        const entry = toRead[next++];
        const res = await readers.read(entry);
        await handle(entry, res);
        wrote = true;
        if (
          pendingNew.length >= WRITE_BATCH ||
          pendingUpdate.length >= WRITE_BATCH ||
          pendingErrors.length >= WRITE_BATCH
        ) {
          // One batch write at a time; readers keep going meanwhile.
          writing = writing.then(() => flush(false));
          await writing;
        }
        report();
      }
    });
    await Promise.all(workers).finally(() => readers.close());
    await writing;
    p.phase = 'writing';
    p.currentPath = undefined;
    report(true);
    await flush(true);

    // 4. Files gone: errors removed; tracks marked missing (or pruned) — only after a full walk.
    const cancelled = !!signal?.aborted || !walkComplete || next < toRead.length;
    if (!cancelled) {
      const goneErrors = [...this.scanErrors.keys()].filter((path) => !found.has(path) && isReachable(path));
      if (goneErrors.length > 0) {
        await this.deleteErrors(goneErrors);
        wrote = true;
      }
      const gone = [...vanished].map((id) => this.tracks.get(id)).filter((t): t is Track => !!t);
      if (opts.prune) {
        if (gone.length > 0) {
          await this.deleteTracks(gone.map((t) => t.id));
          p.removed += gone.length;
          wrote = true;
        }
      } else {
        const now = Date.now();
        const newlyMissing = gone
          .filter((t) => t.status !== 'missing')
          .map((t) => ({ ...t, status: 'missing' as const, updatedAt: now }));
        if (newlyMissing.length > 0) {
          await this.upsertTracks(newlyMissing, false);
          wrote = true;
        }
        p.missing = gone.length;
      }
    }
    if (wrote) {
      // Compact the fragments the batched writes left; drop versions older than a minute.
      const cleanupOlderThan = new Date(Date.now() - 60_000);
      await this.tracksTable.optimize({ cleanupOlderThan });
      await this.errorsTable.optimize({ cleanupOlderThan });
    }

    p.phase = cancelled ? 'cancelled' : 'done';
    p.currentPath = undefined;
    report(true);
    timing(performance.now());
    const summary: ScanSummary = { ...p, unavailableRoots };
    delete (summary as ScanProgress).currentPath;
    return summary;
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

  async getByPath(path: string): Promise<Track | null> {
    const id = this.byPath.get(resolve(path));
    return (id && this.tracks.get(id)) || null;
  }

  async allTracks(opts: { includeMissing?: boolean } = {}): Promise<Track[]> {
    return this.sortedBy('path').filter((t) => opts.includeMissing || t.status === 'ok');
  }

  async stats(): Promise<LibraryStats> {
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
      analysed: 0,
      analysisFailed: 0,
      analysisPending: 0,
      analysisModel: null,
      similarityModel: null,
      similarityTracks: 0,
      models: [],
      schemaVersion: this.db.tableVersion(TRACKS),
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
    this.db.close();
  }
}
