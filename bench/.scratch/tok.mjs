import { parseFile, parseFromTokenizer } from 'music-metadata';
import { fromFile } from 'strtok3';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
const dir = '/work/shared/corpus/fixtures/library';
const walk = (d) => readdirSync(d, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]);
const files = walk(dir);
const BLOCK = 65536;
function cached(fh, size) {
  const blocks = new Map();
  const getBlock = (i) => { let b = blocks.get(i); if (!b) { b = (async () => { const len = Math.min(BLOCK, size - i * BLOCK); const buf = Buffer.allocUnsafe(Math.max(0,len)); let got = 0; while (got < len) { const r = await fh.read(buf, got, len - got, i * BLOCK + got); if (!r.bytesRead) break; got += r.bytesRead; } return buf.subarray(0, got); })(); blocks.set(i, b); if (blocks.size > 64) blocks.delete(blocks.keys().next().value); } return b; };
  return {
    async read(target, offset, length, position) {
      if (length > 4 * BLOCK) return fh.read(target, offset, length, position);
      let done = 0;
      while (done < length) {
        const pos = position + done; const bi = Math.floor(pos / BLOCK); const blk = await getBlock(bi);
        const start = pos - bi * BLOCK; if (start >= blk.length) break;
        const n = Math.min(length - done, blk.length - start);
        blk.copy(target, offset + done, start, start + n); done += n;
      }
      return { bytesRead: done, buffer: target };
    },
    close: () => fh.close(), stat: () => fh.stat(),
  };
}
async function parseCached(f, opts) {
  const tok = await fromFile(f);
  tok.fileHandle = cached(tok.fileHandle, tok.fileInfo.size);
  try { return await parseFromTokenizer(tok, opts); } finally { await tok.close(); }
}
const opt = (f) => ({ duration: false, skipCovers: false });
for (const f of files) { const a = await parseFile(f, opt(f)); const b = await parseCached(f, opt(f)); if (JSON.stringify(a.common) !== JSON.stringify(b.common) || JSON.stringify(a.format) !== JSON.stringify(b.format)) console.log('DIFF', f); }
for (const [name, fn] of [['parseFile', parseFile], ['cached', parseCached], ['parseFile', parseFile], ['cached', parseCached]]) {
  const t0 = performance.now(); let n = 0;
  await Promise.all(Array.from({ length: 12 }, async () => { for (let i = 0; i < 40; i++) for (const f of files) { await fn(f, opt(f)); n++; } }));
  console.log(name, (n / (performance.now() - t0) * 1000).toFixed(0), 'files/s');
}
