import { walk } from '../../src/main/library/walker';
import { readTrack } from '../../src/main/library/reader';
for (const root of process.argv.slice(2)) {
  const { files } = await walk(root);
  for (const f of files.sort((a, b) => a.path.localeCompare(b.path))) {
    const t0 = performance.now();
    const r = await readTrack(f);
    const ms = (performance.now() - t0).toFixed(1);
    if (r.ok) { const i = r.info; console.log('OK ', ms, f.path.slice(root.length), '|', i.format, i.codec, i.duration.toFixed(2), i.sampleRate, i.channels, i.bitrate, '|', i.artist, '|', i.title, '|', i.album, '|', i.genres.join(','), i.trackNo, i.year, i.hasCover, JSON.stringify(i.musicbrainz)); }
    else console.log('ERR', ms, f.path.slice(root.length), '|', r.reason);
  }
}
