/**
 * The tables of the results store: their names, schemas and migrations, and how an existing table
 * is registered on the shared database. The store (results-store.ts) says what goes in them.
 */
import { Schema } from 'apache-arrow';
import type { Database, Migration, Table } from '../store/db';
import { sqlString } from '../store/db';
import { damaged } from '../store/doctor';
import { float32ListField, float64Field, int32Field, hasField, textField } from '../store/columns';

export const ANALYSIS = 'analysis';
export const ANALYSIS_ERRORS = 'analysis_errors';
export const EMBEDDINGS_PREFIX = 'embeddings_';

/** A stored analysis or failure: at which analysis version, and when. */
export interface Stamp {
  version: string;
  at: number;
}

export const FEATURE_NAMES_KEY = 'analysis:featureNames';
export const tagsKey = (model: string) => `embeddings:${model}:tags`;

export function analysisSchema(featureDim: number): Schema {
  return new Schema([
    textField('trackId'),
    textField('analysisVersion'),
    float64Field('analysedAt'),
    float32ListField('featureVector', featureDim),
    /** JSON FeatureScalars. */
    textField('scalars'),
    /** JSON array of the model ids embedded in this analysis. */
    textField('models'),
    float64Field('decodeMs'),
    float64Field('featuresMs'),
    float64Field('embedMs'),
  ]);
}

export function embeddingsSchema(dim: number, tagCount: number): Schema {
  const fields = [
    textField('trackId'),
    textField('model'),
    textField('analysisVersion'),
    float32ListField('vector', dim),
    float32ListField('std', dim),
    int32Field('patches'),
    float64Field('analysedAt'),
  ];
  if (tagCount > 0) fields.push(float32ListField('tags', tagCount));
  return new Schema(fields);
}

export const errorsSchema = new Schema([
  textField('trackId'),
  textField('path'),
  textField('reason'),
  textField('analysisVersion'),
  float64Field('at'),
]);

export const safeModel = (model: string): string => model.replace(/[^0-9a-zA-Z_-]/g, '_');
export const inList = (ids: string[]) => `trackId IN (${ids.map(sqlString).join(', ')})`;

/** Schema 2 of the per-model tables adds `analysedAt` (a model's own time, for re-analysis checks). */
export const EMBEDDINGS_SCHEMA_VERSION = 2;
export const embeddingsMigrations: Record<number, Migration> = {
  1: async ({ table }) => {
    if (hasField(await table.schema(), 'analysedAt')) return;
    await table.addColumns([{ name: 'analysedAt', valueSql: 'CAST(0 AS DOUBLE)' }]);
  },
};

/** Opens a table to read its schema; one that cannot be opened is damage, said in words. */
async function openExisting(db: Database, name: string): Promise<Table> {
  try {
    const table = await db.connection.openTable(name);
    await table.schema();
    return table;
  } catch (e) {
    throw damaged(name, e);
  }
}

/** Registers an existing per-model table, migrating it to the current schema. */
export async function registerEmbeddings(db: Database, name: string): Promise<Table> {
  const existing = await openExisting(db, name);
  const schema = await existing.schema();
  existing.close();
  return db.registerTable({
    name,
    schema,
    version: EMBEDDINGS_SCHEMA_VERSION,
    migrations: embeddingsMigrations,
  });
}

/** Registers a table that already exists, with the schema it has. */
export async function registerExisting(db: Database, name: string): Promise<Table> {
  const existing = await openExisting(db, name);
  const schema = await existing.schema();
  existing.close();
  return db.registerTable({ name, schema, version: 1 });
}
