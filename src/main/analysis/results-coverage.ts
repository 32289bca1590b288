/**
 * Which stored results count, per model: a model's results are usable while their features
 * version matches the track's analysis row (another model's later run rewrites that row with the
 * same features at one features version, and neither makes them stale nor counts for them).
 */
import type { Table } from '../store/db';
import { hasField, readNumber, stringColumn } from '../store/columns';
import { featuresPartOf, modelOfVersion } from './version';
import type { Stamp } from './results-tables';

/** How much of the library one model's results cover. */
export interface ModelCoverage {
  model: string;
  /** Tracks with a usable embedding of this model (its features version matches the track's). */
  embedded: number;
  /** Tracks whose latest failure was at a version of this model. */
  failed: number;
}

/** trackId → version and time of a results table's rows (`at`: its time column; 0 where it has none). */
export async function readStamps(table: Table | null | undefined, at: string): Promise<Map<string, Stamp>> {
  if (!table) return new Map();
  const columns = ['trackId', 'analysisVersion'];
  if (hasField(await table.schema(), at)) columns.push(at);
  const t = await table.query().select(columns).toArrow();
  const ids = stringColumn(t, 'trackId');
  const versions = stringColumn(t, 'analysisVersion');
  const times = t.getChild(at)?.toArray() ?? [];
  return new Map(ids.map((id, i) => [id, { version: versions[i], at: readNumber(times[i]) }]));
}

/**
 * What counts as analysed for a model's version: the model's own rows (`own`), for tracks whose
 * analysis row (`rows`) is at the version's features version (older features are redone).
 */
export function stampsThatCount(
  rows: Map<string, Stamp>,
  own: Map<string, Stamp>,
  version: string,
): Map<string, Stamp> {
  const features = featuresPartOf(version);
  const analysed = new Map<string, Stamp>();
  for (const [id, s] of own) {
    const row = rows.get(id);
    if (!row || featuresPartOf(row.version) !== features) continue;
    // Rows from before schema 2 have no time: the analysis that wrote them has it.
    analysed.set(id, { version: s.version, at: s.at === 0 && row.version === s.version ? row.at : s.at });
  }
  return analysed;
}

/** See `ResultsStore.coverage`: `rows` are the analysis rows, `failed` the latest failures. */
export async function modelCoverage(
  rows: Map<string, Stamp>,
  failed: Map<string, Stamp>,
  modelTables: Iterable<Table>,
  keep?: ReadonlySet<string>,
): Promise<ModelCoverage[]> {
  const failedBy = new Map<string, number>();
  for (const [id, s] of failed) {
    const m = modelOfVersion(s.version);
    if (m && (!keep || keep.has(id))) failedBy.set(m, (failedBy.get(m) ?? 0) + 1);
  }
  const out: ModelCoverage[] = [];
  for (const table of modelTables) {
    const t = await table.query().select(['trackId', 'model', 'analysisVersion']).toArrow();
    const model = stringColumn(t, 'model')[0];
    if (!model) continue;
    const ids = stringColumn(t, 'trackId');
    const versions = stringColumn(t, 'analysisVersion');
    let embedded = 0;
    ids.forEach((id, i) => {
      const row = rows.get(id);
      if (row && (!keep || keep.has(id)) && featuresPartOf(row.version) === featuresPartOf(versions[i]))
        embedded++;
    });
    out.push({ model, embedded, failed: failedBy.get(model) ?? 0 });
  }
  for (const [model, n] of failedBy)
    if (!out.some((c) => c.model === model)) out.push({ model, embedded: 0, failed: n });
  return out.sort((a, b) => a.model.localeCompare(b.model));
}
