import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Catalog } from '../../src/main/library/catalog';
const c = await Catalog.open(mkdtempSync(join(tmpdir(), 'timbre-cat-')));
const s = await c.scan(['/work/shared/corpus/odd']);
console.log(s.found, s.added, s.failed, s.elapsedMs);
for (const e of (await c.errors()).errors) console.log(e.path.slice(24), '=>', e.reason);
await c.close();
