import * as lancedb from '@lancedb/lancedb';
import { Field, FixedSizeList, Float32, Float64, Schema, Utf8, makeTable, vectorFromArray, tableFromArrays, RecordBatch, Table as ArrowTable, makeData, Struct } from 'apache-arrow';
const db = await lancedb.connect('/tmp/eng/db1');
const dim = 4;
const schema = new Schema([new Field('trackId', new Utf8(), false), new Field('v', new FixedSizeList(dim, new Field('item', new Float32(), true)), false), new Field('x', new Float64(), false)]);
for (const n of await db.tableNames()) await db.dropTable(n);
const t = await db.createEmptyTable('a', schema);
const rows = [{ trackId: 'a', v: [1,2,3,4], x: 1 }, { trackId: 'b', v: new Float32Array([5,6,7,8]), x: 2 }];
const at = lancedb.makeArrowTable(rows as any, { schema });
console.log(at.schema.fields.map(f=>f.type.toString()));
await t.mergeInsert('trackId').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(at);
await t.mergeInsert('trackId').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(lancedb.makeArrowTable([{ trackId: 'a', v: [9,9,9,9], x: 3 }] as any, { schema }));
const res = await t.query().toArrow();
console.log(res.numRows, res.getChild('trackId')?.toArray(), res.getChild('v')?.data.map(d=>d.children[0].values));
// plain objects
try { await t.mergeInsert('trackId').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute([{ trackId: 'c', v: [1,1,1,1], x: 5 }]); console.log('plain ok', await t.countRows()); } catch (e) { console.log('plain fail', (e as Error).message); }
await t.delete("trackId IN ('a')");
console.log(await t.countRows(), (await t.schema()).fields.map(f=>f.name+':'+f.type));
