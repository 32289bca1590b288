import { parseFile } from 'music-metadata';
import { readdirSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
const dir = process.argv[2];
const walk = (d) => readdirSync(d, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]);
const exts = new Set('mp3 flac ogg oga opus m4a m4b mp4 aac alac wav aif aiff wv ape mpc wma webm mka mod xm it s3m mp2 spx aifc dsf dff'.split(' '));
for (const f of walk(dir)) {
  const ext = extname(f).slice(1).toLowerCase();
  if (!exts.has(ext)) { console.log('SKIP', f.slice(dir.length)); continue; }
  const row = [f.slice(dir.length), statSync(f).size];
  for (const duration of [false, true]) {
    const t0 = performance.now();
    try {
      const m = await Promise.race([parseFile(f, { duration, skipCovers: true }), new Promise((_, rej) => setTimeout(() => rej(new Error('TIMEOUT')), 10000))]);
      const { container, codec, duration: d, sampleRate, numberOfChannels, hasAudio } = m.format;
      row.push(`${duration}:${(performance.now() - t0).toFixed(0)}ms`, JSON.stringify({ container, codec, d, sampleRate, numberOfChannels, hasAudio, pics: m.common.picture?.length }));
    } catch (e) { row.push(`${duration}:${(performance.now() - t0).toFixed(0)}ms ERR ${e.message.slice(0,80)}`); }
  }
  console.log(row.join(' | '));
}
