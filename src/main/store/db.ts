/**
 * The shared LanceDB connection: versioned tables with forward-only migrations.
 *
 * Every table registered here has its schema version stored in the `meta` table under the key
 * `schema_version:<table>`. Opening a database whose table is older runs the table's migrations in
 * order (n → n+1); nothing is ever dropped. A table newer than the code refuses to open.
 */
import { mkdirSync } from 'node:fs';
import * as lancedb from '@lancedb/lancedb';
import { Field, Schema, Utf8 } from 'apache-arrow';
import { homeLayout } from '../home/folder';

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
    const names = await connection.tableNames();
    const metaTable = names.includes(META)
      ? await connection.openTable(META)
      : await connection.createEmptyTable(META, metaSchema);
    const db = new Database(connection, uri, metaTable);
    const rows = (await metaTable.query().toArray()) as { key: string; value: string }[];
    for (const r of rows) db.metaCache.set(r.key, r.value);
    return db;
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
      table = await this.connection.createEmptyTable(spec.name, spec.schema);
      await this.setMeta(`schema_version:${spec.name}`, String(latest));
    } else {
      table = await this.connection.openTable(spec.name);
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
