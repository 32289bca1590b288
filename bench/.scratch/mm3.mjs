import { parseFile } from 'music-metadata';
import { readdirSync } from 'node:fs';
import { join, extname } from 'node:path';
const dir = '/work/shared/corpus/fixtures/library';
const walk = (d) => readdirSync(d, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]);
const files = walk(dir);
for (const f of files) await parseFile(f, {duration: true});
let total = 0;
for (const f of files) {
  const ogg = /\.(ogg|opus|oga)$/i.test(f);
  for (const skipCovers of [true]) {
  const t0 = performance.now();
  for (let i = 0; i < 20; i++) await parseFile(f, { duration: ogg, skipCovers });
  const dt = (performance.now() - t0) / 20; total += dt;
  console.log(f.slice(dir.length), skipCovers, dt.toFixed(2), 'ms');
  }
}
console.log('mean', (total / files.length).toFixed(2));
const t0 = performance.now();
let n = 0;
await Promise.all(Array.from({ length: 12 }, async () => { for (let i = 0; i < 20; i++) for (const f of files) { await parseFile(f, { duration: /\.(ogg|opus|oga)$/i.test(f), skipCovers: true }); n++; } }));
console.log('concurrent files/s', (n / (performance.now() - t0) * 1000).toFixed(0));
