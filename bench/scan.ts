/**
 * Library scan bench: builds a synthetic library of hard links to the fixture library's good files
 * (Artist NNN/Album NN/NN Title.ext under bench/.data/), scans it into a fresh temporary home, then
 * rescans it unchanged, and prints files/s for both and the peak RSS (main process and tag readers).
 *
 *   npx tsx bench/scan.ts [--files 10000] [--concurrency 12]
 */
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childPids, rssBytes } from '../test/helpers/processes';
import { fixtureLibraryDir } from '../test/helpers/shared';
import { Catalog } from '../src/main/library/catalog';
import { isCandidateFile } from '../src/main/library/walker';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? Number(process.argv[i + 1]) : fallback;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name)) : isCandidateFile(e.name) ? [join(dir, e.name)] : [],
  );
}

/** Resident memory of this process's children (the tag reader process), in bytes. */
const childrenRss = (): number => childPids().reduce((sum, pid) => sum + rssBytes(pid), 0);

const files = arg('files', 10000);
const concurrency = arg('concurrency', 12);
const dataDir = join(dirname(fileURLToPath(import.meta.url)), '.data');
const srcDir = join(dataDir, 'src');
const libDir = join(dataDir, `library-${files}`);

// The read-only shared files cannot be hard-linked (protected_hardlinks): link to one private copy.
const sources = listFiles(fixtureLibraryDir).sort();
mkdirSync(srcDir, { recursive: true });
const copies = sources.map((s, i) => {
  const dest = join(srcDir, `${String(i).padStart(2, '0')}${extname(s).toLowerCase()}`);
  if (!existsSync(dest) || statSync(dest).size !== statSync(s).size) copyFileSync(s, dest);
  return { path: dest, title: basename(s, extname(s)).replace(/^\d+\s+/, '') };
});

const perAlbum = 10;
const albumsPerArtist = 5;
if (!existsSync(join(libDir, '.complete'))) {
  rmSync(libDir, { recursive: true, force: true });
  const t0 = performance.now();
  for (let n = 0; n < files; n++) {
    const album = Math.floor(n / perAlbum);
    const artist = Math.floor(album / albumsPerArtist);
    const src = copies[n % copies.length];
    const dir = join(
      libDir,
      `Artist ${String(artist).padStart(3, '0')}`,
      `Album ${String(album % albumsPerArtist).padStart(2, '0')}`,
    );
    if (n % perAlbum === 0) mkdirSync(dir, { recursive: true });
    const name = `${String((n % perAlbum) + 1).padStart(2, '0')} ${src.title} ${n}${extname(src.path)}`;
    linkSync(src.path, join(dir, name));
  }
  mkdirSync(join(libDir, '.complete'));
  console.log(
    `built ${files} hard links in ${((performance.now() - t0) / 1000).toFixed(1)} s under ${libDir}`,
  );
}

const home = mkdtempSync(join(tmpdir(), 'timbre-bench-scan-'));
try {
  let catalog = await Catalog.open(home);
  const cpu0 = process.cpuUsage();
  let peakTotal = 0;
  let peakChildren = 0;
  const sampler = setInterval(() => {
    const children = childrenRss();
    peakChildren = Math.max(peakChildren, children);
    peakTotal = Math.max(peakTotal, children + process.memoryUsage.rss());
  }, 100);
  const first = await catalog.scan([libDir], { concurrency });
  clearInterval(sampler);
  const cpu1 = process.cpuUsage(cpu0);
  console.log(
    `first scan:     ${first.processed} files (${first.added} added, ${first.failed} failed) in ${(first.elapsedMs / 1000).toFixed(2)} s = ${((first.processed / first.elapsedMs) * 1000).toFixed(0)} files/s`,
  );
  console.log(
    `  process CPU during the first scan: ${((cpu1.user + cpu1.system) / 1000 / first.processed).toFixed(2)} ms/file (user ${(cpu1.user / 1e6).toFixed(1)} s, system ${(cpu1.system / 1e6).toFixed(1)} s; all threads)`,
  );
  await catalog.close();
  const tOpen = performance.now();
  catalog = await Catalog.open(home); // a restart: the rescan starts from the database
  console.log(`reopen (loads the catalog into memory): ${(performance.now() - tOpen).toFixed(0)} ms`);
  const cpu2 = process.cpuUsage();
  const again = await catalog.scan([libDir], { concurrency });
  const cpu3 = process.cpuUsage(cpu2);
  console.log(
    `unchanged scan: ${again.processed} files (${again.unchanged} unchanged, ${again.added + again.updated} written) in ${(again.elapsedMs / 1000).toFixed(2)} s = ${((again.processed / again.elapsedMs) * 1000).toFixed(0)} files/s`,
  );
  console.log(
    `  process CPU during the rescan: ${((cpu3.user + cpu3.system) / 1000 / again.processed).toFixed(3)} ms/file`,
  );
  console.log(
    `  load average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (2 cores shared with other jobs)`,
  );
  const stats = await catalog.stats();
  await catalog.close();
  console.log(`catalog: ${stats.tracks} tracks, ${stats.errors} errors`);
  const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MB`;
  console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (main process)`);
  console.log(
    `  tag reader processes at most ${mb(peakChildren)} together; main + readers at most ${mb(peakTotal)} (sampled every 100 ms during the first scan)`,
  );
} finally {
  rmSync(home, { recursive: true, force: true });
}
