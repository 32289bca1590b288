/**
 * Arrow columns as the stores use them: field builders for table schemas, readers that turn a
 * row's loosely typed values back into numbers and strings, and copies of whole columns into
 * typed arrays (the similarity engine's input is row-major Float32Array).
 */
import {
  Field,
  FixedSizeList,
  Float32,
  Float64,
  Int32,
  Type,
  Utf8,
  type Schema,
  type Table as ArrowTable,
} from 'apache-arrow';

export const textField = (name: string, nullable = false): Field => new Field(name, new Utf8(), nullable);
export const float64Field = (name: string): Field => new Field(name, new Float64(), false);
export const int32Field = (name: string, nullable = false): Field => new Field(name, new Int32(), nullable);
/** A fixed-size list of float32 (a vector of `dim` values per row). */
export const float32ListField = (name: string, dim: number): Field =>
  new Field(name, new FixedSizeList(dim, new Field('item', new Float32(), true)), false);

/** A numeric cell (LanceDB may hand back a bigint); anything else reads as 0. */
export const readNumber = (v: unknown): number =>
  typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : 0;
export const readNumberOrNull = (v: unknown): number | null =>
  v === null || v === undefined ? null : readNumber(v);
/** A string cell; anything else reads as ''. */
export const readText = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Parses a JSON column written by us; a damaged value reads as the fallback. */
export function parseJson<T>(s: unknown, fallback: T): T {
  if (typeof s !== 'string') return fallback;
  try {
    return JSON.parse(s) as T;
  } catch {
    return fallback;
  }
}

/** Copies a fixed-size-list float32 column of an Arrow table into one row-major Float32Array. */
export function fixedListColumn(table: ArrowTable, name: string, dim: number): Float32Array {
  const out = new Float32Array(table.numRows * dim);
  const column = table.getChild(name);
  if (!column) return out;
  let row = 0;
  for (const data of column.data) {
    const child = data.children[0];
    const values = child.values as Float32Array;
    const start = (data.offset * dim + child.offset) | 0;
    out.set(values.subarray(start, start + data.length * dim), row * dim);
    row += data.length;
  }
  return out;
}

/** The given rows of a row-major n × dim array (all of it when rows is null). */
export function pickRows(src: Float32Array, dim: number, rows: number[] | null): Float32Array {
  if (!rows) return src;
  const out = new Float32Array(rows.length * dim);
  rows.forEach((r, j) => out.set(src.subarray(r * dim, (r + 1) * dim), j * dim));
  return out;
}

/** A string column as an array ('' for cells that are not strings; all '' when it is absent). */
export function stringColumn(table: ArrowTable, name: string): string[] {
  const column = table.getChild(name);
  if (!column) return new Array<string>(table.numRows).fill('');
  return Array.from(column.toArray() as ArrayLike<unknown>, readText);
}

/** The length of a fixed-size-list column (0 when there is none by that name). */
/** Whether a table schema has this column (older tables may lack newer ones). */
export function hasField(schema: Schema, name: string): boolean {
  return schema.fields.some((f) => f.name === name);
}

export function listDim(schema: Schema, name: string): number {
  // typeId, not instanceof: LanceDB may hand back types from its own copy of apache-arrow.
  const type = schema.fields.find((f) => f.name === name)?.type as
    { typeId?: number; listSize?: number } | undefined;
  return type && type.typeId === Type.FixedSizeList ? (type.listSize ?? 0) : 0;
}
