/**
 * A damaged database: a data file of a table deleted or cut short (a failing disk, a sync tool, a
 * hand "cleanup") makes every read of that table fail with Lance's own text. Opening turns that
 * into words and a next step (`timbre doctor`); the doctor reads every table in full, and a table
 * that cannot be read is restored to its newest version that can (Lance keeps earlier versions
 * until they are cleaned up), which becomes the latest. A table with no readable version is
 * reported, never replaced by an empty one.
 */
import * as lancedb from '@lancedb/lancedb';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { homeLayout } from '../home/folder';
import { forgetVersion, markedVersion, recordVersion } from './watermark';

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
  /**
   * 'restored': back to an older version; 'set-aside': no version could be read (or its folder is
   * gone) and what it holds can be made again, so it was moved aside, to be rebuilt; 'damaged':
   * neither (left as it is).
   */
  state: 'ok' | 'restored' | 'set-aside' | 'damaged';
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

const META = 'meta';
const SCHEMA_KEY = 'schema_version:';

/**
 * What a table holds can be made again: the catalog and its errors by rescanning the folders (ids
 * come back from the identity ledger), the ledger from the catalog, results by analysing again,
 * cluster runs by clustering again. Only `meta` (the roots, every table's schema version) is not.
 */
const derivable = (name: string): boolean => name !== META;

/** Where a damaged table is moved: beside the database, never deleted. */
export const damagedFolder = (home: string): string => join(home, 'damaged');

/**
 * Moves a table that cannot be read out of the database (kept under `damaged/`) and forgets it,
 * so the next open makes it anew (empty) and its owner rebuilds it.
 */
async function setAside(home: string, uri: string, meta: Table | null, name: string): Promise<void> {
  const dir = join(uri, `${name}.lance`);
  if (existsSync(dir)) {
    mkdirSync(damagedFolder(home), { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    renameSync(dir, join(damagedFolder(home), `${name}-${stamp}.lance`));
  }
  await meta?.delete(`key = '${(SCHEMA_KEY + name).replace(/'/g, "''")}'`);
  forgetVersion(uri, name);
}

/** Checks every table of a home's database (and every table it should have); restores what it can. */
export async function doctor(home: string): Promise<DoctorReport> {
  const uri = homeLayout(home).database;
  if (!existsSync(uri)) return { tables: [] };
  const connection = await lancedb.connect(uri);
  let meta: Table | null = null;
  try {
    const tables: TableReport[] = [];
    const names = await connection.tableNames();
    // meta first: it names the tables that should be there.
    const order = [...names.filter((n) => n === META), ...names.filter((n) => n !== META)];
    for (const name of order) {
      let table: Table;
      let report: TableReport;
      try {
        table = await connection.openTable(name);
      } catch (err) {
        report = { name, state: 'damaged', problem: lanceProblem(err) };
        tables.push(await settle(report));
        continue;
      }
      try {
        report = await heal(table, name, uri);
      } finally {
        table.close();
      }
      tables.push(await settle(report));
      if (name === META && report.state !== 'damaged') meta = await connection.openTable(META);
    }
    // Tables meta knows that are gone altogether.
    if (meta) {
      const rows = (await meta.query().toArray()) as { key: string }[];
      for (const { key } of rows) {
        const name = key.startsWith(SCHEMA_KEY) ? key.slice(SCHEMA_KEY.length) : null;
        if (!name || names.includes(name)) continue;
        tables.push(await settle({ name, state: 'damaged', problem: 'its folder is missing' }));
      }
    }
    return { tables };
  } finally {
    meta?.close();
    connection.close();
  }

  async function settle(report: TableReport): Promise<TableReport> {
    if (report.state !== 'damaged' || !derivable(report.name)) return report;
    await setAside(home, uri, meta, report.name);
    return { ...report, state: 'set-aside' };
  }
}

function remedy(name: string): string {
  if (name === 'tracks' || name === 'scan_errors') return 'rescanned from the library folders';
  if (name === 'track_ids') return 'from the catalog';
  if (name.startsWith('cluster')) return 'run timbre cluster again';
  return 'its tracks will be analysed again by the next timbre analyze';
}

/** One line per table for people. */
export function doctorLines(report: DoctorReport): string[] {
  if (report.tables.length === 0) return ['No database yet: nothing to check.'];
  return report.tables.map((t) => {
    if (t.state === 'ok') return `ok        ${t.name} (${t.rows} rows)`;
    if (t.state === 'restored')
      return `restored  ${t.name}: ${t.problem}; back to version ${t.restoredVersion} (${t.rows} rows). Rescan and analyse to bring back what was newer.`;
    if (t.state === 'set-aside')
      return `rebuilt   ${t.name}: ${t.problem}, and no earlier version can be read; moved to the damaged/ folder and made anew (${remedy(t.name)}).`;
    return `damaged   ${t.name}: ${t.problem}, and no earlier version can be read. It was left as it is; move the data folder aside and rescan to start over.`;
  });
}
