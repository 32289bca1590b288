/**
 * The newest version each table reached, kept beside the database in a small JSON file of its own
 * (not in Lance, whose damage it must outlive). A lost newest manifest makes Lance open an older
 * version without a word, an empty catalog at worst, and a rescan would then give every file a new
 * id and orphan its analysis: a table found older than its watermark is refused as damaged.
 */
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseDamagedError } from './doctor';

const FILE = 'versions.json';

type Marks = Record<string, number>;

function read(dbUri: string): Marks {
  try {
    const v = JSON.parse(readFileSync(join(dbUri, FILE), 'utf8')) as unknown;
    if (typeof v !== 'object' || v === null) return {};
    return Object.fromEntries(Object.entries(v).filter(([, n]) => typeof n === 'number')) as Marks;
  } catch {
    return {};
  }
}

/** The version `name` is known to have reached (undefined: no record). */
export function markedVersion(dbUri: string, name: string): number | undefined {
  return read(dbUri)[name];
}

/**
 * Records that `name` reached `version`. Never lowers a mark unless `accept` (the doctor keeping an
 * older version on purpose); a failed write only costs detection.
 */
export function recordVersion(dbUri: string, name: string, version: number, accept = false): void {
  const marks = read(dbUri);
  if (!accept && (marks[name] ?? 0) >= version) return;
  marks[name] = version;
  const file = join(dbUri, FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(marks) + '\n');
    renameSync(tmp, file);
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // never written
    }
  }
}

/** Forgets `name` (a damaged table set aside, to be made anew). */
export function forgetVersion(dbUri: string, name: string): void {
  const marks = read(dbUri);
  if (!(name in marks)) return;
  delete marks[name];
  const file = join(dbUri, FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(marks) + '\n');
    renameSync(tmp, file);
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // never written
    }
  }
}

/** Throws when `name` is older than it has been: its newest manifest is lost. */
export function checkVersion(dbUri: string, name: string, version: number): void {
  const mark = read(dbUri)[name];
  if (mark !== undefined && version < mark) {
    throw new DatabaseDamagedError(
      name,
      `its newest version is lost: it went back from version ${mark} to ${version}, and opening it would show an older catalog`,
    );
  }
}
