/**
 * The shared LanceDB connection: versioned tables with forward-only migrations.
 *
 * Every table registered here has its schema version stored in the `meta` table under the key
 * `schema_version:<table>`. Opening a database whose table is older runs the table's migrations in
 * order (n → n+1); nothing is ever dropped. A table newer than the code refuses to open.
 *
 * Every table is checked as it is opened (store/doctor.ts): one that cannot be read, one gone
 * that existed, or one older than the newest version it reached (a lost manifest, watermark.ts)
 * stops the open with words instead of answering from less than there is.
 */
import { mkdirSync } from 'node:fs';
import * as lancedb from '@lancedb/lancedb';
import { Field, Schema, Utf8 } from 'apache-arrow';
import { homeLayout } from '../home/folder';
import { damaged, DatabaseDamagedError } from './doctor';
import { checkVersion, markedVersion, recordVersion } from './watermark';

if (!process.env.LANCEDB_LOG) process.env.LANCEDB_LOG = 'error';

export type Connection = lancedb.Connection;
export type Table = lancedb.Table;

export interface MigrationContext {
  db: Database;
  connection: Connection;
  table: Table;
  /** The version being migrated from (the migration produces `from + 1`). */
  from: number;
}

export type Migration = (ctx: MigrationContext) => Promise<void>;

export interface TableSpec {
  name: string;
  /** The schema of the latest version (used when the table is created). */
  schema: Schema;
  /** Latest version; a fresh table starts here. Defaults to 1. */
  version?: number;
  /** `migrations[n]` upgrades version n to n + 1; one is needed for every n in [1, version). */
  migrations?: Record<number, Migration>;
}

const META = 'meta';
const SCHEMA_KEY = 'schema_version:';
const metaSchema = new Schema([new Field('key', new Utf8(), false), new Field('value', new Utf8(), false)]);

const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

export class Database {
  private readonly tables = new Map<string, Table>();
  private readonly specs = new Map<string, TableSpec>();
  private metaCache = new Map<string, string>();

  private constructor(
    readonly connection: Connection,
    readonly uri: string,
    private readonly metaTable: Table,
  ) {}

  /** Opens (creating if needed) the database of a Timbre home folder. */
  static async open(home: string): Promise<Database> {
    return Database.openUri(homeLayout(home).database);
  }

  static async openUri(uri: string): Promise<Database> {
    mkdirSync(uri, { recursive: true });
    const connection = await lancedb.connect(uri);
    try {
      const names = await connection.tableNames();
      // The meta table holds every table's schema version and the library's roots: one gone while
      // other tables remain (or that the watermark knows) is damage, not a new database.
      if (!names.includes(META) && (names.length > 0 || markedVersion(uri, META) !== undefined))
        throw new DatabaseDamagedError(META, 'its folder is missing');
      const metaTable = names.includes(META)
        ? await connection.openTable(META).catch((e: unknown) => {
            throw damaged(META, e);
          })
        : await connection.createEmptyTable(META, metaSchema);
      const db = new Database(connection, uri, metaTable);
      try {
        await db.verify(META, metaTable);
        const rows = (await metaTable.query().toArray()) as { key: string; value: string }[];
        for (const r of rows) db.metaCache.set(r.key, r.value);
      } catch (e) {
        db.close();
        throw damaged(META, e);
      }
      // Every table the meta table knows must be there, lazily opened ones (results) included.
      const lost = db.knownTables().find((name) => !names.includes(name));
      if (lost) {
        db.close();
        throw new DatabaseDamagedError(lost, 'its folder is missing');
      }
      return db;
    } catch (e) {
      if (connection.isOpen()) connection.close();
      throw e;
    }
  }

  /**
   * The open check of one table: not older than it has been, and its data files there and whole
   * (one narrow column is read over every fragment: a deleted or cut file fails it, cheaply). Then
   * its version is the new watermark; from the first open on, so a lost manifest is caught early.
   */
  private async verify(name: string, table: Table): Promise<void> {
    const version = await table.version();
    checkVersion(this.uri, name, version);
    try {
      const first = (await table.schema()).fields[0]?.name;
      if (first) await table.query().select([first]).toArrow();
    } catch (e) {
      throw damaged(name, e);
    }
    recordVersion(this.uri, name, version);
  }

  /** Records the version every open table has reached (after writes; a lag only delays detection). */
  async markVersions(): Promise<void> {
    const open: [string, Table][] = [[META, this.metaTable], ...this.tables];
    for (const [name, table] of open) {
      if (table.isOpen()) recordVersion(this.uri, name, await table.version());
    }
  }

  /**
   * Drops a table and creates it empty with another schema (stored rows that cannot live in it):
   * its version starts over, on purpose, so the watermark is reset with it.
   */
  async recreateTable(name: string, schema: Schema): Promise<Table> {
    this.tables.get(name)?.close();
    await this.connection.dropTable(name);
    const table = await this.connection.createEmptyTable(name, schema);
    recordVersion(this.uri, name, await table.version(), true);
    if (this.tables.has(name)) this.tables.set(name, table);
    return table;
  }

  /** Tables this database has had (a schema version recorded in meta). */
  knownTables(): string[] {
    return [...this.metaCache.keys()]
      .filter((k) => k.startsWith(SCHEMA_KEY))
      .map((k) => k.slice(SCHEMA_KEY.length));
  }

  /** Forgets a table that is gone for good (the doctor, after moving a damaged one aside). */
  async forgetTable(name: string): Promise<void> {
    await this.metaTable.delete(`key = ${sqlString(SCHEMA_KEY + name)}`);
    this.metaCache.delete(SCHEMA_KEY + name);
  }

  getMeta(key: string): string | undefined {
    return this.metaCache.get(key);
  }

  async setMeta(key: string, value: string): Promise<void> {
    if (this.metaCache.get(key) === value) return;
    await this.metaTable
      .mergeInsert('key')
      .whenMatchedUpdateAll()
      .whenNotMatchedInsertAll()
      .execute([{ key, value }]);
    this.metaCache.set(key, value);
  }

  /** Stored schema version of a registered table (0 when unknown). */
  tableVersion(name: string): number {
    return Number(this.metaCache.get(`schema_version:${name}`) ?? 0);
  }

  /**
   * Creates the table if missing, or migrates it up to `spec.version`. Idempotent: registering
   * the same table twice returns the open table.
   */
  async registerTable(spec: TableSpec): Promise<Table> {
    const existing = this.tables.get(spec.name);
    if (existing) return existing;
    if (spec.name === META) throw new Error(`table name "${META}" is reserved`);
    const latest = spec.version ?? 1;
    const names = await this.connection.tableNames();
    let table: Table;
    if (!names.includes(spec.name)) {
      // Known to the meta table or the watermark: it existed, and its folder is gone.
      if (this.tableVersion(spec.name) > 0 || markedVersion(this.uri, spec.name) !== undefined)
        throw new DatabaseDamagedError(spec.name, 'its folder is missing');
      table = await this.connection.createEmptyTable(spec.name, spec.schema);
      await this.setMeta(`schema_version:${spec.name}`, String(latest));
    } else {
      table = await this.connection.openTable(spec.name).catch((e: unknown) => {
        throw damaged(spec.name, e);
      });
      // A table created before versioning existed counts as version 1.
      let current = this.tableVersion(spec.name) || 1;
      if (current > latest) {
        throw new Error(
          `table "${spec.name}" has schema version ${current}, newer than this Timbre understands (${latest})`,
        );
      }
      while (current < latest) {
        const migrate = spec.migrations?.[current];
        if (!migrate) throw new Error(`no migration for table "${spec.name}" from version ${current}`);
        await migrate({ db: this, connection: this.connection, table, from: current });
        // A migration may have recreated the table: reopen it.
        table = await this.connection.openTable(spec.name);
        current += 1;
        await this.setMeta(`schema_version:${spec.name}`, String(current));
      }
      // Records version 1 for a table from before versioning (setMeta skips an unchanged value).
      await this.setMeta(`schema_version:${spec.name}`, String(current));
    }
    try {
      await this.verify(spec.name, table);
    } catch (e) {
      table.close();
      throw e;
    }
    this.tables.set(spec.name, table);
    this.specs.set(spec.name, spec);
    return table;
  }

  /** A registered table. */
  table(name: string): Table {
    const t = this.tables.get(name);
    if (!t) throw new Error(`table "${name}" is not registered`);
    return t;
  }

  /** Registered table specs (the migrations registry). */
  get registry(): ReadonlyMap<string, TableSpec> {
    return this.specs;
  }

  close(): void {
    for (const t of this.tables.values()) if (t.isOpen()) t.close();
    this.tables.clear();
    if (this.metaTable.isOpen()) this.metaTable.close();
    if (this.connection.isOpen()) this.connection.close();
  }
}

export { sqlString };
