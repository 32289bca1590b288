/**
 * Decode + feature bench: per file, ffmpeg decode time, feature time split into our TS kernels and
 * each essentia.js call, and × realtime. Best of `--runs` (default 2) after one warm-up file, since
 * the machine is shared and the JIT needs warming.
 *
 *   npx tsx bench/features.ts [files...] [--runs 2] [--rates 16000]
 *
 * Without files: the fixture library plus a 4-minute track made by concatenating fixtures
 * (bench/.data/long4.mp3, built once with ffmpeg).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixtureLibraryDir } from '../test/helpers/shared';
import { decodeAudio } from '../src/main/ffmpeg/decode';
import { resolveFfmpeg } from '../src/main/ffmpeg/resolve';
import { FEATURE_SAMPLE_RATE, extractFeaturesTimed } from '../src/main/analysis/features/extract';

function opt(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** CPU ms of this process's reaped children (Linux /proc/self/stat cutime + cstime), or NaN. */
function childrenCpuMs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): cutime is field 16, cstime field 17
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

function longTrack(): string {
  const dataDir = join(dirname(fileURLToPath(import.meta.url)), '.data');
  const out = join(dataDir, 'long4.mp3');
  if (existsSync(out)) return out;
  mkdirSync(dataDir, { recursive: true });
  const sources = walk(fixtureLibraryDir)
    .filter((f) => !f.includes('Tracker'))
    .sort()
    .slice(0, 8);
  const args = ['-v', 'error', '-y'];
  for (const s of sources) args.push('-i', s);
  const graph =
    sources.map((_, i) => `[${i}:a]aresample=44100,aformat=channel_layouts=stereo[a${i}]`).join(';') +
    ';' +
    sources.map((_, i) => `[a${i}]`).join('') +
    `concat=n=${sources.length}:v=0:a=1`;
  args.push('-filter_complex', graph, '-c:a', 'libmp3lame', '-b:a', '192k', out);
  execFileSync('ffmpeg', args);
  return out;
}

const positional = process.argv
  .slice(2)
  .filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
const files = positional.length ? positional : [...walk(fixtureLibraryDir).sort(), longTrack()];
const runs = Math.max(1, Number(opt('runs', '2')));
const rates = opt('rates', String(FEATURE_SAMPLE_RATE))
  .split(',')
  .map(Number)
  .filter((r) => r > 0);
const featureRate = rates.includes(FEATURE_SAMPLE_RATE) ? FEATURE_SAMPLE_RATE : rates[0];

const ff = await resolveFfmpeg();
console.log(
  `ffmpeg ${ff.version} (${ff.source}); rates ${rates.join('+')} Hz, features at ${featureRate} Hz`,
);
console.log(
  `${cpus().length} cores, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} (shared machine: noisy)`,
);

// Warm-up: JIT, essentia.js WASM load, ffmpeg page cache.
{
  const d = await decodeAudio(files[0], { rates });
  extractFeaturesTimed(d.pcm.get(featureRate)!, featureRate);
}

interface Row {
  file: string;
  seconds: number;
  decodeMs: number;
  decodeCpuMs: number;
  featuresMs: number;
  featuresCpuMs: number;
  split: Record<string, number>;
}
const rows: Row[] = [];
for (const file of files) {
  let best: Row | null = null;
  for (let r = 0; r < runs; r++) {
    const c0 = childrenCpuMs();
    const t0 = performance.now();
    const d = await decodeAudio(file, { rates });
    const decodeMs = performance.now() - t0;
    const decodeCpuMs = childrenCpuMs() - c0;
    const pcm = d.pcm.get(featureRate)!;
    const cpu0 = process.cpuUsage();
    const t1 = performance.now();
    const { timings } = extractFeaturesTimed(pcm, featureRate);
    const featuresMs = performance.now() - t1;
    const cpu = process.cpuUsage(cpu0);
    const row: Row = {
      file: basename(file),
      seconds: d.decodedSeconds,
      decodeMs,
      decodeCpuMs,
      featuresMs,
      featuresCpuMs: (cpu.user + cpu.system) / 1000,
      split: timings,
    };
    if (!best || row.decodeCpuMs + row.featuresCpuMs < best.decodeCpuMs + best.featuresCpuMs) best = row;
  }
  rows.push(best!);
}

const f0 = (v: number): string => (Number.isFinite(v) ? v.toFixed(0) : '?').padStart(6);
// Stage columns: every key extractFeaturesTimed reported, in its order (ts* = our kernels, es* = essentia.js).
const stages = [...new Set(rows.flatMap((r) => Object.keys(r.split)))];
const short = (k: string): string =>
  k
    .replace(/^ts/, '')
    .replace(/^essentia/, 'es')
    .slice(0, 6);
console.log(
  `\n${'file'.padEnd(30)} ${'audio'.padStart(6)} | ${'decode'.padStart(6)} ${'ffcpu'.padStart(6)} | ` +
    `${'feats'.padStart(6)} ${'fcpu'.padStart(6)} | ${stages.map((k) => short(k).padStart(6)).join(' ')} | ` +
    `${'×RTcpu'.padStart(6)}`,
);
let audio = 0;
let wall = 0;
let cpu = 0;
let featureCpu = 0;
const stageTotals = new Map<string, number>();
for (const r of rows) {
  const s = r.split;
  audio += r.seconds;
  wall += r.decodeMs + r.featuresMs;
  const c = r.decodeCpuMs + r.featuresCpuMs;
  cpu += c;
  featureCpu += r.featuresCpuMs;
  for (const k of stages) stageTotals.set(k, (stageTotals.get(k) ?? 0) + (s[k] ?? 0));
  console.log(
    `${r.file.slice(0, 30).padEnd(30)} ${r.seconds.toFixed(1).padStart(6)} | ${f0(r.decodeMs)} ${f0(r.decodeCpuMs)} | ` +
      `${f0(r.featuresMs)} ${f0(r.featuresCpuMs)} | ${stages.map((k) => f0(s[k] ?? 0)).join(' ')} | ` +
      `${((r.seconds * 1000) / c).toFixed(0).padStart(6)}`,
  );
}
console.log(
  '\nms; decode = ffmpeg wall, ffcpu = its CPU (user+sys), feats/fcpu = features wall/CPU, stage columns = CPU per stage.',
);
console.log(
  `all: ${audio.toFixed(0)} s of audio; decode+features ${(cpu / 1000).toFixed(2)} s CPU → ` +
    `${((audio * 1000) / cpu).toFixed(0)}× realtime per core (${((audio * 1000) / wall).toFixed(0)}× by wall clock)`,
);
// The figure docs/benchmarks.md quotes: feature CPU per hour of audio, per stage.
const perHour = (ms: number): string => ((ms * 3600) / audio).toFixed(0).padStart(7);
console.log(`\nfeature CPU per hour of audio (ms):`);
for (const k of stages) console.log(`  ${k.padEnd(28)} ${perHour(stageTotals.get(k) ?? 0)}`);
console.log(`  ${'all features (process CPU)'.padEnd(28)} ${perHour(featureCpu)}`);
