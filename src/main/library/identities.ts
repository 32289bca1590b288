/**
 * The identity ledger: which id each catalogued file has (its path key, size, modification time
 * and content fingerprint), in a small table of its own beside `tracks`. Everything else Timbre
 * keeps (analysis results, cluster members, playlists) names tracks by id only, so when the tracks
 * table is lost beyond restoring and is rebuilt by rescanning, this is what lets each file get its
 * old id back instead of a new one that orphans all of it.
 *
 * It is written with every write to the tracks (same rows, same batches) and holds exactly their
 * ids; ids it holds that the catalog does not are the ones a rebuild gives back, each once.
 */
import { makeArrowTable } from '@lancedb/lancedb';
import { Schema } from 'apache-arrow';
import type { Track, TrackId } from '../../shared/types';
import { float64Field, readNumber, readText, textField } from '../store/columns';
import { sqlString, type Database, type Table, type TableSpec } from '../store/db';
import { pathKey, type PathRef } from '../store/raw-path';

export const TRACK_IDS = 'track_ids';

const schema = new Schema([
  textField('id'),
  textField('pathKey'),
  float64Field('size'),
  float64Field('mtimeMs'),
  textField('fingerprint'),
]);

export const identitiesSpec: TableSpec = { name: TRACK_IDS, schema, version: 1 };

type Identity = {
  id: TrackId;
  pathKey: string;
  size: number;
  mtimeMs: number;
  fingerprint: string;
};

const BATCH = 500;
const toRow = (t: Track): Identity => ({
  id: t.id,
  pathKey: pathKey(t),
  size: t.size,
  mtimeMs: t.mtimeMs,
  fingerprint: t.fingerprint,
});

export class IdentityLedger {
  /** Ids the ledger holds that the catalog lacks (after a rebuild), by path key and fingerprint. */
  private readonly formerByPath = new Map<string, Identity>();
  private readonly formerByFingerprint = new Map<string, Identity[]>();
  private readonly given = new Set<TrackId>();

  private constructor(private readonly table: Table) {}

  /**
   * Opens the ledger for a catalog holding `tracks`. A ledger younger than the catalog (a library
   * from before it) is filled from the catalog once.
   */
  static async open(db: Database, tracks: ReadonlyMap<TrackId, Track>): Promise<IdentityLedger> {
    const table = await db.registerTable(identitiesSpec);
    const ledger = new IdentityLedger(table);
    const rows = await table.countRows();
    if (rows === 0 && tracks.size > 0) await ledger.put([...tracks.values()], true);
    // Fewer rows than tracks: a ledger restored to an older version, or a write cut short between
    // the two tables. Filled in from the catalog (an upsert: the rows it has are kept).
    else if (rows < tracks.size) await ledger.put([...tracks.values()], false);
    else if (rows > tracks.size) await ledger.loadFormer(tracks);
    return ledger;
  }

  /** Ids given back to their files since the catalog was opened. */
  get givenBack(): number {
    return this.given.size;
  }

  /** Number of ids the catalog lost that a rescan can give back. */
  get formerCount(): number {
    return this.formerByPath.size;
  }

  private async loadFormer(tracks: ReadonlyMap<TrackId, Track>): Promise<void> {
    const arrow = await this.table.query().toArrow();
    const col = (name: string) => arrow.getChild(name)?.toArray() as unknown[];
    const [ids, keys, sizes, mtimes, fps] = ['id', 'pathKey', 'size', 'mtimeMs', 'fingerprint'].map(col);
    for (let i = 0; i < arrow.numRows; i++) {
      const id = readText(ids[i]);
      if (tracks.has(id)) continue;
      const row: Identity = {
        id,
        pathKey: readText(keys[i]),
        size: readNumber(sizes[i]),
        mtimeMs: readNumber(mtimes[i]),
        fingerprint: readText(fps[i]),
      };
      this.formerByPath.set(row.pathKey, row);
      const list = this.formerByFingerprint.get(row.fingerprint) ?? [];
      list.push(row);
      this.formerByFingerprint.set(row.fingerprint, list);
    }
  }

  /**
   * The id a newly found file had before the catalog was lost: the same path with the same
   * content (fingerprint, or size and time), else the same content elsewhere. Each id is given once.
   */
  formerId(file: PathRef & { size: number; mtimeMs: number; fingerprint: string }): TrackId | undefined {
    if (this.formerByPath.size === 0) return undefined;
    const here = this.formerByPath.get(pathKey(file));
    const same =
      here &&
      !this.given.has(here.id) &&
      (here.fingerprint === file.fingerprint || (here.size === file.size && here.mtimeMs === file.mtimeMs));
    const found = same
      ? here
      : this.formerByFingerprint.get(file.fingerprint)?.find((r) => !this.given.has(r.id));
    if (!found) return undefined;
    this.given.add(found.id);
    return found.id;
  }

  /** Records these tracks' identities (with the same write of the tracks). */
  async put(rows: Track[], fresh: boolean): Promise<void> {
    if (rows.length === 0) return;
    // A rebuild's new tracks carry ids the ledger holds already: those rows are updates.
    const append = fresh && this.given.size === 0;
    for (let i = 0; i < rows.length; i += 10_000) {
      const data = makeArrowTable(rows.slice(i, i + 10_000).map(toRow), { schema });
      if (append) await this.table.add(data);
      else await this.table.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(data);
    }
  }

  async delete(ids: TrackId[]): Promise<void> {
    for (let i = 0; i < ids.length; i += BATCH) {
      await this.table.delete(
        `id IN (${ids
          .slice(i, i + BATCH)
          .map(sqlString)
          .join(', ')})`,
      );
    }
  }

  async optimize(cleanupOlderThan: Date): Promise<void> {
    await this.table.optimize({ cleanupOlderThan });
  }
}
