/**
 * Browse bench: the library table's queries, albums and artists over a synthetic catalog held in
 * memory (no files): first build after a change, each sort key in both orders, a folded search,
 * a filter and the suggestions. Prints milliseconds per call.
 *
 *   npx tsx bench/browse.ts [--tracks 20000]
 */
import { LibraryBrowser, type TrackSource } from '../src/main/library/browse';
import { trackSortKeys } from '../src/shared/browse-types';
import type { Track } from '../src/shared/types';

const i = process.argv.indexOf('--tracks');
const N = i >= 0 ? Number(process.argv[i + 1]) : 20_000;
const words = ['Ünïcødé', 'Björk', 'Sorcerer', 'Night', 'Café', 'Straße', 'River', 'Echo', 'Żółw', 'Light'];

function track(n: number): Track {
  const artist = `Artist ${n % 400} ${words[n % words.length]}`;
  return {
    id: `t${n}`,
    path: `/music/${artist}/Album ${n % 1500}/${String(n % 12).padStart(2, '0')} Song ${n}.flac`,
    root: '/music',
    size: 1,
    mtimeMs: 1,
    fingerprint: `f${n}`,
    format: n % 3 ? 'FLAC' : 'MPEG',
    codec: '',
    duration: 120 + (n % 300),
    sampleRate: 44100,
    channels: 2,
    bitrate: 0,
    title: `Song ${n} ${words[(n * 7) % words.length]}`,
    artists: [artist],
    artist,
    album: `Album ${n % 1500}`,
    albumArtist: artist,
    trackNo: (n % 12) + 1,
    discNo: n % 40 === 0 ? 2 : 1,
    year: n % 10 ? 1970 + (n % 50) : null,
    genres: [['Rock', 'Électronique', 'Jazz', 'Folk'][n % 4]],
    hasCover: n % 2 === 0,
    musicbrainz: {},
    status: 'ok',
    addedAt: n,
    updatedAt: n,
  };
}

const tracks = Array.from({ length: N }, (_, n) => track(n));
const source: TrackSource = { revision: 1, allTracks: async () => tracks };
const browser = new LibraryBrowser(source);

async function time(label: string, fn: () => Promise<unknown>, runs = 1): Promise<void> {
  const t = performance.now();
  for (let r = 0; r < runs; r++) await fn();
  console.log(`${label.padEnd(40)} ${((performance.now() - t) / runs).toFixed(1)} ms`);
}

await time(`first page after a change (${N} tracks)`, () => browser.list({ limit: 200 }));
for (const sort of trackSortKeys) {
  await time(`sort ${sort} (first, then cached desc)`, async () => {
    await browser.list({ sort, limit: 200 });
    await browser.list({ sort, order: 'desc', offset: N - 200, limit: 200 });
  });
}
await time('search "unicode night" (folded)', () => browser.list({ text: 'unicode night', limit: 200 }), 5);
await time('artist filter "bjork"', () => browser.list({ artist: 'bjork', limit: 200 }), 5);
await time('suggestions album "12"', () => browser.values('album', '12'), 5);
await time('albums page', () => browser.albums({ limit: 120 }), 5);
await time('artist page', () => browser.artist('Artist 7 Night'), 5);
for (let r = 0; r < 3; r++)
  await time(`search again #${r + 1}`, () => browser.list({ text: 'song 1999', limit: 200 }));
