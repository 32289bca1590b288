/**
 * A damaged database: a data file of a table deleted or cut short (a failing disk, a sync tool, a
 * hand "cleanup") makes every read of that table fail with Lance's own text. Opening turns that
 * into words and a next step (`timbre doctor`); the doctor reads every table in full, and a table
 * that cannot be read is restored to its newest version that can (Lance keeps earlier versions
 * until they are cleaned up), which becomes the latest. A table with no readable version is
 * reported, never replaced by an empty one.
 */
import * as lancedb from '@lancedb/lancedb';
import { existsSync } from 'node:fs';
import { homeLayout } from '../home/folder';
import { markedVersion, recordVersion } from './watermark';

type Table = lancedb.Table;

/** What a Lance read error means, in words (its own text names rustc sources and object stores). */
export function lanceProblem(err: unknown): string {
  const text = String((err as Error)?.message ?? err);
  if (/not found|No such file/i.test(text)) return 'a data file is missing';
  if (/Invalid range|unexpected end|truncat|out of range/i.test(text)) return 'a data file is cut short';
  if (/corrupt|checksum|invalid/i.test(text)) return 'a data file is corrupt';
  return 'it cannot be read';
}

export class DatabaseDamagedError extends Error {
  constructor(
    readonly table: string,
    readonly problem: string,
  ) {
    super(
      `the library database is damaged: table "${table}" cannot be read (${problem}). ` +
        'Run `timbre doctor` to restore its newest readable version; nothing has been changed.',
    );
    this.name = 'DatabaseDamagedError';
  }
}

/** Rethrows a read error of `table` as a DatabaseDamagedError. */
export function damaged(table: string, err: unknown): DatabaseDamagedError {
  return err instanceof DatabaseDamagedError ? err : new DatabaseDamagedError(table, lanceProblem(err));
}

/** Reads every row of the table's current version: null when it can, else what is wrong. */
async function readProblem(table: Table): Promise<string | null> {
  try {
    await table.query().toArrow();
    return null;
  } catch (err) {
    return lanceProblem(err);
  }
}

export interface TableReport {
  name: string;
  state: 'ok' | 'restored' | 'damaged';
  rows?: number;
  /** For 'restored': the version now current was this older one. */
  restoredVersion?: number;
  /** For 'restored' and 'damaged': what was wrong. */
  problem?: string;
}

export interface DoctorReport {
  tables: TableReport[];
}

async function heal(table: Table, name: string, uri: string): Promise<TableReport> {
  const problem = await readProblem(table);
  if (!problem) {
    const rows = await table.countRows();
    const version = await table.version();
    const mark = markedVersion(uri, name);
    if (mark === undefined || version >= mark) return { name, state: 'ok', rows };
    // Its newest manifest is lost and Lance opens an older version. Keep that one if it holds
    // something; an empty one is never put in place of a library that existed.
    const lost = `its newest version (${mark}) is lost`;
    if (rows === 0) return { name, state: 'damaged', problem: `${lost}, and the version left is empty` };
    recordVersion(uri, name, version, true);
    return { name, state: 'restored', rows, restoredVersion: version, problem: lost };
  }
  const versions = (await table.listVersions()).map((v) => v.version).sort((a, b) => b - a);
  const current = versions[0];
  for (const v of versions) {
    if (v === current) continue;
    try {
      await table.checkout(v);
      if (await readProblem(table)) continue;
      const rows = await table.countRows();
      // Makes this version the latest (a new version on top: nothing is deleted).
      await table.restore();
      return { name, state: 'restored', rows, restoredVersion: v, problem };
    } catch {
      // this version is damaged too: try an older one
    }
  }
  await table.checkoutLatest().catch(() => undefined);
  return { name, state: 'damaged', problem };
}

/** Checks every table of a home's database and restores what it can. */
export async function doctor(home: string): Promise<DoctorReport> {
  const uri = homeLayout(home).database;
  if (!existsSync(uri)) return { tables: [] };
  const connection = await lancedb.connect(uri);
  try {
    const tables: TableReport[] = [];
    for (const name of await connection.tableNames()) {
      let table: Table;
      try {
        table = await connection.openTable(name);
      } catch (err) {
        tables.push({ name, state: 'damaged', problem: lanceProblem(err) });
        continue;
      }
      try {
        tables.push(await heal(table, name, uri));
      } finally {
        table.close();
      }
    }
    return { tables };
  } finally {
    connection.close();
  }
}

/** One line per table for people. */
export function doctorLines(report: DoctorReport): string[] {
  if (report.tables.length === 0) return ['No database yet: nothing to check.'];
  return report.tables.map((t) => {
    if (t.state === 'ok') return `ok        ${t.name} (${t.rows} rows)`;
    if (t.state === 'restored')
      return `restored  ${t.name}: ${t.problem}; back to version ${t.restoredVersion} (${t.rows} rows). Rescan and analyse to bring back what was newer.`;
    return `damaged   ${t.name}: ${t.problem}, and no earlier version can be read. It was left as it is; move the data folder aside and rescan to start over.`;
  });
}
