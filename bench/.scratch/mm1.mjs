import { parseFile } from 'music-metadata';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
const dir = process.argv[2];
const walk = (d) => readdirSync(d, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]);
for (const f of walk(dir)) {
  for (const opts of [{ duration: false, skipCovers: true }]) {
    const t0 = performance.now();
    try {
      const m = await parseFile(f, opts);
      const { container, codec, duration, sampleRate, numberOfChannels, bitrate, tagTypes, lossless, numberOfSamples,  } = m.format;
      const c = m.common;
      console.log(f.slice(dir.length), (performance.now() - t0).toFixed(1), JSON.stringify({ container, codec, duration, sampleRate, numberOfChannels, bitrate, tagTypes, numberOfSamples,trackInfo: m.format.trackInfo?.length }), JSON.stringify({ title: c.title, artist: c.artist, artists: c.artists, album: c.album, albumartist: c.albumartist, track: c.track, disk: c.disk, year: c.year, genre: c.genre, picture: c.picture?.length, mb: c.musicbrainz_recordingid }), m.quality?.warnings?.map(w=>w.message).join('|'));
    } catch (e) { console.log(f.slice(dir.length), 'ERR', e.message); }
  }
}
