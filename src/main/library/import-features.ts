/**
 * `library.importFeatures`: a feature table (CSV) becomes catalog tracks without audio and their
 * stored feature values. Importing the same file again replaces what it made before.
 */
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { FeatureImportSummary } from '../../shared/types';
import { IMPORTED_PATH_PREFIX } from '../../shared/imported';
import type { Catalog } from './catalog';
import { readFeatureTable } from './feature-table';
import type { ImportedFeatureStore } from './imported-store';

/** Bigger tables are refused: they are read whole into memory. */
export const MAX_TABLE_BYTES = 512 * 1024 * 1024;

export async function importFeatures(
  catalog: Catalog,
  store: ImportedFeatureStore,
  path: string,
): Promise<FeatureImportSummary> {
  if (!isAbsolute(path)) throw new Error(`the table path must be absolute: ${path}`);
  const source = resolve(path);
  const st = await stat(source).catch(() => null);
  if (!st?.isFile()) throw new Error(`no such file: ${source}`);
  if (st.size > MAX_TABLE_BYTES) throw new Error(`${source} is over ${MAX_TABLE_BYTES >> 20} MB`);
  const table = readFeatureTable(await readFile(source, 'utf8'), source);
  // Values first: a track is never listed without the features it was imported for.
  await store.replace(source, table.rows);
  const removed = await catalog.replaceImported(
    `${IMPORTED_PATH_PREFIX}${source}`,
    table.rows.map((r) => r.track),
  );
  return {
    path: source,
    imported: table.rows.length,
    removed: removed.length,
    rejected: table.rejected,
    columns: table.columns,
    notUsed: table.notUsed,
    unknown: table.unknown,
    missingSound: table.missingSound,
  };
}
