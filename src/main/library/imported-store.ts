/**
 * The feature values of imported tracks (`timbre import-features`): LanceDB table
 * `imported_features`, one row per track: its id, the table it came from and the line, and the
 * SOUND_COLUMNS values in order (NaN where the table had none). Kept apart from the analysis
 * results: these are another measurement (Spotify's), not Timbre's audio features.
 */
import { makeArrowTable } from '@lancedb/lancedb';
import { Schema } from 'apache-arrow';
import type { Database, Table } from '../store/db';
import { sqlString } from '../store/db';
import { int32Field, parseJson, stringColumn, textField } from '../store/columns';
import { SOUND_COLUMNS, type ImportedRow } from './feature-table';

export const IMPORTED_FEATURES = 'imported_features';
const DIM = SOUND_COLUMNS.length;

const schema = new Schema([
  textField('trackId'),
  textField('source'),
  int32Field('line'),
  textField('values'),
]);

export interface ImportedFeatures {
  ids: string[];
  /** ids.length × SOUND_COLUMNS.length. */
  values: Float32Array;
}

export class ImportedFeatureStore {
  private constructor(private readonly table: Table) {}

  static async open(db: Database): Promise<ImportedFeatureStore> {
    return new ImportedFeatureStore(await db.registerTable({ name: IMPORTED_FEATURES, schema, version: 1 }));
  }

  /** Replaces the rows of one table (`source`): its rows now are exactly `rows`. */
  async replace(source: string, rows: ImportedRow[]): Promise<void> {
    await this.table.delete(`source = ${sqlString(source)}`);
    if (rows.length === 0) return;
    await this.table.add(
      makeArrowTable(
        rows.map((r) => ({
          trackId: r.track.id,
          source,
          line: r.line,
          values: JSON.stringify(Array.from(r.values, (v) => (Number.isNaN(v) ? null : v))),
        })),
        { schema },
      ),
    );
  }

  async loadAll(): Promise<ImportedFeatures> {
    const arrow = await this.table.query().toArrow();
    const texts = stringColumn(arrow, 'values');
    const values = new Float32Array(texts.length * DIM).fill(Number.NaN);
    texts.forEach((text, i) =>
      parseJson<(number | null)[]>(text, [])
        .slice(0, DIM)
        .forEach((v, d) => {
          if (typeof v === 'number') values[i * DIM + d] = v;
        }),
    );
    return { ids: stringColumn(arrow, 'trackId'), values };
  }
}
