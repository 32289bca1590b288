import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Field, Float64, Int32, Schema, Utf8 } from 'apache-arrow';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database, type TableSpec } from '../../../src/main/store/db';

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'timbre-db-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const v1Schema = new Schema([new Field('id', new Utf8(), false), new Field('score', new Float64(), false)]);
const v2Schema = new Schema([...v1Schema.fields, new Field('votes', new Int32(), false)]);

describe('Database', () => {
  it('creates a versioned table from an explicit schema and reopens it with its rows', async () => {
    let db = await Database.open(home);
    const t = await db.registerTable({ name: 'things', schema: v1Schema });
    expect(db.tableVersion('things')).toBe(1);
    await t.add([{ id: 'a', score: 1.5 }]);
    expect(db.table('things')).toBe(t);
    expect(await db.registerTable({ name: 'things', schema: v1Schema })).toBe(t);
    expect(() => db.table('nope')).toThrow(/not registered/);
    await db.setMeta('hello', 'world');
    db.close();

    db = await Database.open(home);
    expect(db.getMeta('hello')).toBe('world');
    const again = await db.registerTable({ name: 'things', schema: v1Schema });
    expect(await again.query().toArray()).toMatchObject([{ id: 'a', score: 1.5 }]);
    expect(db.registry.get('things')?.name).toBe('things');
    db.close();
  });

  it('migrates an older table forward (n → n+1), keeping its rows', async () => {
    let db = await Database.open(home);
    const t = await db.registerTable({ name: 'things', schema: v1Schema, version: 1 });
    await t.add([
      { id: 'a', score: 1 },
      { id: 'b', score: 2 },
    ]);
    db.close();

    const calls: number[] = [];
    const v3: TableSpec = {
      name: 'things',
      schema: v2Schema,
      version: 3,
      migrations: {
        1: async ({ table, from }) => {
          calls.push(from);
          await table.addColumns([{ name: 'votes', valueSql: 'CAST(0 AS INT)' }]);
        },
        2: async ({ table, from }) => {
          calls.push(from);
          await table.update({ values: { votes: 7 } });
        },
      },
    };
    db = await Database.open(home);
    const migrated = await db.registerTable(v3);
    expect(calls).toEqual([1, 2]);
    expect(db.tableVersion('things')).toBe(3);
    const rows = (await migrated.query().toArray()).sort((a, b) => String(a.id).localeCompare(String(b.id)));
    expect(rows.map((r) => [r.id, r.score, r.votes])).toEqual([
      ['a', 1, 7],
      ['b', 2, 7],
    ]);
    db.close();

    // Reopening at the same version runs nothing.
    db = await Database.open(home);
    await db.registerTable(v3);
    expect(calls).toEqual([1, 2]);
    // A newer table than the code knows is refused, not dropped.
    db.close();
    db = await Database.open(home);
    await expect(db.registerTable({ name: 'things', schema: v1Schema, version: 2 })).rejects.toThrow(/newer/);
    db.close();
    db = await Database.open(home);
    expect(await (await db.registerTable(v3)).countRows()).toBe(2);
    db.close();
  });

  it('refuses a missing migration step', async () => {
    let db = await Database.open(home);
    await db.registerTable({ name: 'x', schema: v1Schema });
    db.close();
    db = await Database.open(home);
    await expect(
      db.registerTable({ name: 'x', schema: v2Schema, version: 2, migrations: {} }),
    ).rejects.toThrow(/no migration/);
    db.close();
  });
});
