/**
 * Analysis throughput and quality on a labelled corpus.
 *
 *   npx tsx bench/analyze.ts --corpus /work/corpus-dev [--workers 2] [--model mn04] [--patches N]
 *                            [--windows N] [--compare-all-patches] [--models-dir DIR] [--keep]
 *                            [--no-decode-baseline] [--built]
 *
 * --built: the workers run the bundled worker the app and `timbre analyze` run (out/main/worker.js,
 * made by `npx electron-vite build`) instead of src/ through tsx, which costs measurably more CPU
 * (the features step 1.2–1.5× in bench/features). The figures say which one ran.
 *
 * Scans the corpus into a temporary Timbre home (Catalog), analyses it with the AnalysisEngine
 * (model converted before the clock starts) and prints: tracks, audio hours, wall seconds,
 * × realtime, peak RSS per worker, and the time split decode / features / embeddings (summed over
 * workers) / writing (main process).
 *
 * Decode baseline (same run, before the analysis): ffmpeg alone decoding every track to mono
 * float32 at 16 kHz (the mono mix the analysis uses), `--workers` files in parallel, its PCM read
 * by this process and thrown away; the analysis wall time is then also printed as a multiple of it
 * (the floor: ≤ 3.4×). When the analysis decodes at another rate (32 kHz for EfficientAT, halved
 * to 16 kHz in the worker), a second baseline decodes at that rate, and the ratio to it is printed
 * too. The load average is printed beside each timed step (the machine is shared).
 *
 * Quality (labels.csv: path,source,artist,style,duration_s): each track ranks all others by cosine
 * distance, for the mean embedding, the z-scored feature vector and a random ranking.
 * - style P@10 (other sources): the candidates are the tracks of *other* sources; hits = same style
 *   among the 10 nearest, divided by min(10, other-source tracks of that style); queries with none
 *   are skipped.
 * - same-source @10: over the full ranking, the share of the 10 nearest from the query's own source,
 *   and the share of queries with at least one (a "hit rate").
 * With --compare-all-patches the corpus is analysed a second time embedding every patch, and the
 * style precision of the default patch sampling is compared (it must not lose more than 0.02).
 */
import { rng } from '../src/main/similarity/vectors';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Catalog } from '../src/main/library/catalog';
import { AnalysisEngine, type RunStats } from '../src/main/analysis/engine';
import { ResultsStore, type AnalysisData } from '../src/main/analysis/results-store';
import { spawn } from 'node:child_process';
import { DEFAULT_MODEL_ID, resolveModel } from '../src/main/analysis/models/manager';
import { DEFAULT_PATCHES_PER_TRACK, DEFAULT_WINDOWS_PER_TRACK } from '../src/main/analysis/models/embedder';
import { resolveFfmpeg } from '../src/main/ffmpeg/resolve';
import { monoMixFilter } from '../src/main/ffmpeg/decode';
import { decodePlan } from '../src/main/analysis/decode-plan';
import { loadavg } from 'node:os';
import type { Track } from '../src/shared/types';
import { modelsRootDir } from '../test/helpers/shared';

const { values: args } = parseArgs({
  options: {
    corpus: { type: 'string', default: '/work/corpus-dev' },
    workers: { type: 'string', default: '2' },
    model: { type: 'string', default: DEFAULT_MODEL_ID },
    patches: { type: 'string' },
    windows: { type: 'string' },
    'no-decode-baseline': { type: 'boolean', default: false },
    'models-dir': { type: 'string' },
    'compare-all-patches': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    built: { type: 'boolean', default: false },
  },
});

if (args.built) {
  const entry = resolve(import.meta.dirname, '..', 'out', 'main', 'worker.js');
  if (!existsSync(entry))
    throw new Error(`--built: ${entry} is missing: run \`npx electron-vite build\` first`);
  process.env.TIMBRE_WORKER_ENTRY = entry;
}
console.log(
  `workers run: ${process.env.TIMBRE_WORKER_ENTRY ? process.env.TIMBRE_WORKER_ENTRY : 'src/main/analysis/worker.ts through tsx'}`,
);

const corpus = resolve(args.corpus!);
const workers = Number(args.workers);
const model = args.model!;
const patches = args.patches !== undefined ? Number(args.patches) : DEFAULT_PATCHES_PER_TRACK;
const windows = args.windows !== undefined ? Number(args.windows) : DEFAULT_WINDOWS_PER_TRACK;
const modelsDir = args['models-dir'] ?? modelsRootDir;

/** Decodes one file with ffmpeg alone to mono float32 at each rate; the PCM is read and dropped. */
function decodeOnly(bin: string, track: Track, rates: number[]): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const mix = monoMixFilter(track.channels > 0 ? track.channels : 2);
    const args = ['-nostdin', '-hide_banner', '-loglevel', 'error', '-i', track.path];
    const graph =
      rates.length === 1
        ? `[0:a:0]${mix},aresample=${rates[0]}[o0]`
        : `[0:a:0]${mix},asplit=${rates.length}${rates.map((_, i) => `[s${i}]`).join('')};` +
          rates.map((r, i) => `[s${i}]aresample=${r}[o${i}]`).join(';');
    args.push('-filter_complex', graph);
    rates.forEach((_, i) =>
      args.push('-map', `[o${i}]`, '-c:a', 'pcm_f32le', '-f', 'f32le', i === 0 ? 'pipe:1' : `pipe:${i + 2}`),
    );
    const stdio: ('ignore' | 'pipe')[] = ['ignore', 'pipe', 'ignore'];
    for (let i = 1; i < rates.length; i++) stdio.push('pipe');
    const child = spawn(bin, args, { stdio });
    rates.forEach((_, i) => child.stdio[i === 0 ? 1 : i + 2]!.on('data', () => {}));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolvePromise() : reject(new Error(`ffmpeg exit ${code}: ${track.path}`)),
    );
  });
}

/** Wall time for ffmpeg alone to decode every track, `parallel` at a time (longest first). */
async function decodeBaseline(tracks: Track[], rates: number[], parallel: number): Promise<number> {
  const bin = (await resolveFfmpeg()).path;
  const queue = [...tracks].sort((a, b) => b.duration - a.duration);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let t = queue.shift(); t; t = queue.shift()) await decodeOnly(bin, t, rates);
    }),
  );
  return performance.now() - t0;
}

interface Label {
  source: string;
  artist: string;
  style: string;
}

function readLabels(): Map<string, Label> {
  const text = readFileSync(join(corpus, 'labels.csv'), 'utf8');
  const lines = text.split(/\r?\n/).filter(Boolean);
  const header = parseCsvLine(lines[0]);
  const col = (name: string) => header.indexOf(name);
  const out = new Map<string, Label>();
  for (const line of lines.slice(1)) {
    const f = parseCsvLine(line);
    out.set(f[col('path')], { source: f[col('source')], artist: f[col('artist')], style: f[col('style')] });
  }
  return out;
}

function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

interface RunOutcome {
  stats: RunStats;
  wallMs: number;
  data: AnalysisData;
  paths: Map<string, string>;
  tracks: number;
  failures: { path: string; reason: string }[];
  /** ffmpeg alone, same tracks, same parallelism, measured just before the analysis (ms). */
  decode16kMs: number | null;
  /** ffmpeg alone at the rates the analysis decodes, when they are not 16 kHz alone. */
  decodeRatesMs: number | null;
  decodeRates: number[];
  /** Load average (1 min) before the baselines, before the analysis and after it. */
  load: number[];
}

const load1 = (): number => loadavg()[0];

async function analyse(label: string, runPatches: number, runWindows: number): Promise<RunOutcome> {
  const home = mkdtempSync(join(tmpdir(), 'timbre-bench-'));
  try {
    const catalog = await Catalog.open(home);
    const scan = await catalog.scan([corpus]);
    const tracks = await catalog.allTracks();
    const paths = new Map(tracks.map((t) => [t.id, relative(corpus, t.path)]));
    let modelRate: number | null = null;
    if (model !== 'none') {
      const t0 = performance.now();
      modelRate = (await resolveModel(model, { home, modelsDir, allowDownload: false })).sampleRate;
      console.log(
        `[${label}] model ${model} ready in ${((performance.now() - t0) / 1000).toFixed(1)} s (not timed)`,
      );
    }
    console.log(
      `[${label}] scanned ${scan.processed} files (${tracks.length} tracks) in ${(scan.elapsedMs / 1000).toFixed(1)} s`,
    );
    let decode16kMs: number | null = null;
    let decodeRatesMs: number | null = null;
    const decodeRates = decodePlan(modelRate).rates;
    const load = [load1()];
    if (!args['no-decode-baseline']) {
      const ok = tracks.filter((t) => t.status === 'ok');
      decode16kMs = await decodeBaseline(ok, [16000], workers);
      console.log(
        `[${label}] ffmpeg alone, 16 kHz mono: ${(decode16kMs / 1000).toFixed(1)} s (load ${load1().toFixed(1)})`,
      );
      if (decodeRates.length !== 1 || decodeRates[0] !== 16000) {
        decodeRatesMs = await decodeBaseline(ok, decodeRates, workers);
        console.log(
          `[${label}] ffmpeg alone, ${decodeRates.map((r) => r / 1000).join(' + ')} kHz mono (what the analysis decodes): ` +
            `${(decodeRatesMs / 1000).toFixed(1)} s (load ${load1().toFixed(1)})`,
        );
      }
    }
    load.push(load1());
    const store = await ResultsStore.open(catalog.db);
    const engine = new AnalysisEngine({
      home,
      catalog,
      store,
      modelsDir,
      workers,
      model,
      patches: runPatches,
      windows: runWindows,
    });
    let lastLog = 0;
    engine.on('progress', (p) => {
      if (Date.now() - lastLog < 5_000) return;
      lastLog = Date.now();
      console.log(
        `[${label}] ${p.state} ${p.done}/${p.total} failed ${p.failed}, ${p.tracksPerMinute} tracks/min`,
      );
    });
    const t0 = performance.now();
    engine.start();
    const end = await engine.whenIdle();
    const wallMs = performance.now() - t0;
    load.push(load1());
    if (engine.lastError) console.log(`[${label}] engine error: ${engine.lastError.message}`);
    if (end.modelNote) console.log(`[${label}] ${end.modelNote}`);
    const data = await store.loadAll();
    const failures = (await store.errors({ limit: 1000 })).errors.map((e) => ({
      path: e.path,
      reason: e.reason,
    }));
    await catalog.close();
    return {
      stats: engine.runStats(),
      wallMs,
      data,
      paths,
      tracks: tracks.length,
      failures,
      decode16kMs,
      decodeRatesMs,
      decodeRates,
      load,
    };
  } finally {
    if (!args.keep) rmSync(home, { recursive: true, force: true });
    else console.log(`[${label}] home kept at ${home}`);
  }
}

function printThroughput(label: string, r: RunOutcome): void {
  const s = r.stats;
  const wall = r.wallMs / 1000;
  const busy = s.decodeMs + s.resampleMs + s.featuresMs + s.embeddingMs;
  const pct = (ms: number) => `${((100 * ms) / Math.max(1, busy)).toFixed(0)}%`;
  console.log(`\n== ${label}: throughput (machine shared with other jobs: figures are noisy)`);
  console.log(`tracks          ${s.analysed} analysed, ${s.failed} failed (of ${r.tracks})`);
  console.log(`audio           ${(s.audioSeconds / 3600).toFixed(2)} h`);
  console.log(`wall            ${wall.toFixed(1)} s with ${workers} workers`);
  console.log(`realtime        ${(s.audioSeconds / wall).toFixed(0)} ×`);
  if (r.decode16kMs !== null) {
    const d = r.decode16kMs / 1000;
    console.log(
      `decode only     ${d.toFixed(1)} s (ffmpeg alone, 16 kHz mono, ${workers} in parallel, ${(s.audioSeconds / d).toFixed(0)} × realtime)`,
    );
    console.log(`ratio           ${(wall / d).toFixed(2)} × the 16 kHz decode-only time (floor: ≤ 3.4)`);
  }
  if (r.decodeRatesMs !== null) {
    const d = r.decodeRatesMs / 1000;
    const rates = r.decodeRates.map((x) => x / 1000).join(' + ');
    console.log(
      `decode ${rates} kHz ${d.toFixed(1)} s (ffmpeg alone at the rate(s) the analysis decodes); ratio ${(wall / d).toFixed(2)} ×`,
    );
  }
  console.log(
    `load average    ${r.load.map((l) => l.toFixed(1)).join(' → ')} (before the baselines → before the analysis → after it)`,
  );
  const rss = Object.values(s.workerPeakRssKb).map((kb) => `${(kb / 1024).toFixed(0)} MB`);
  console.log(`peak RSS        ${rss.join(', ')} (per worker process)`);
  console.log(
    `worker time     decode ${(s.decodeMs / 1000).toFixed(1)} s (${pct(s.decodeMs)}), ` +
      (s.resampleMs > 0
        ? `halving to 16 kHz ${(s.resampleMs / 1000).toFixed(1)} s (${pct(s.resampleMs)}), `
        : '') +
      `features ${(s.featuresMs / 1000).toFixed(1)} s (${pct(s.featuresMs)}), ` +
      `model ${(s.embeddingMs / 1000).toFixed(1)} s (${pct(s.embeddingMs)}); per track ${(busy / Math.max(1, s.analysed)).toFixed(0)} ms`,
  );
  const c = s.cpu;
  const cpuBusy = c.decodeMs + c.ffmpegMs + c.resampleMs + c.featuresMs + c.embeddingMs;
  const cpct = (ms: number) => `${((100 * ms) / Math.max(1, cpuBusy)).toFixed(0)}%`;
  const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  console.log(
    `CPU time        ffmpeg ${sec(c.ffmpegMs)} (${cpct(c.ffmpegMs)}), reading its PCM ${sec(c.decodeMs)} (${cpct(c.decodeMs)}), ` +
      `halving ${sec(c.resampleMs)} (${cpct(c.resampleMs)}), features ${sec(c.featuresMs)} (${cpct(c.featuresMs)}), ` +
      `model ${sec(c.embeddingMs)} (${cpct(c.embeddingMs)}); total ${sec(cpuBusy)} = ${(cpuBusy / 1000 / workers).toFixed(1)} s per core`,
  );
  console.log(
    `writing (main)  ${(s.writeMs / 1000).toFixed(2)} s; model load per worker ${s.workerLoadMs.map((m) => m.toFixed(0)).join(', ')} ms`,
  );
  for (const f of r.failures) console.log(`failed          ${f.path}: ${f.reason}`);
}

type Rank = (q: number) => number[];

function cosineRanker(data: Float32Array, n: number, dim: number): Rank {
  const norm = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += data[i * dim + j] ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < dim; j++) norm[i * dim + j] = data[i * dim + j] * inv;
  }
  return (q) => {
    const sims: { i: number; s: number }[] = [];
    for (let i = 0; i < n; i++) {
      if (i === q) continue;
      let s = 0;
      for (let j = 0; j < dim; j++) s += norm[q * dim + j] * norm[i * dim + j];
      sims.push({ i, s });
    }
    return sims.sort((a, b) => b.s - a.s).map((x) => x.i);
  };
}

/** Subtracts the library mean (the issue's "centred" ranking). */
function centre(data: Float32Array, n: number, dim: number): Float32Array {
  const out = new Float32Array(n * dim);
  for (let j = 0; j < dim; j++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += data[i * dim + j];
    m /= n;
    for (let i = 0; i < n; i++) out[i * dim + j] = data[i * dim + j] - m;
  }
  return out;
}

function zscore(data: Float32Array, n: number, dim: number): Float32Array {
  const out = new Float32Array(n * dim);
  for (let j = 0; j < dim; j++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += data[i * dim + j];
    m /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (data[i * dim + j] - m) ** 2;
    const sd = Math.sqrt(v / n) || 1;
    for (let i = 0; i < n; i++) out[i * dim + j] = (data[i * dim + j] - m) / sd;
  }
  return out;
}

interface Quality {
  stylePrecision: number;
  queries: number;
  sameSourceShare: number;
  sameSourceHitRate: number;
}

function quality(labels: (Label | null)[], rank: Rank, k = 10): Quality {
  let precisionSum = 0;
  let queries = 0;
  let shareSum = 0;
  let hitSum = 0;
  let sourceQueries = 0;
  const n = labels.length;
  for (let q = 0; q < n; q++) {
    const lq = labels[q];
    if (!lq) continue;
    const order = rank(q).filter((i) => labels[i] !== null);
    const others = order.filter((i) => labels[i]!.source !== lq.source);
    const relevant = others.filter((i) => labels[i]!.style === lq.style).length;
    if (relevant > 0) {
      const hits = others.slice(0, k).filter((i) => labels[i]!.style === lq.style).length;
      precisionSum += hits / Math.min(k, relevant);
      queries++;
    }
    const top = order.slice(0, k);
    const same = top.filter((i) => labels[i]!.source === lq.source).length;
    shareSum += same / Math.max(1, top.length);
    hitSum += same > 0 ? 1 : 0;
    sourceQueries++;
  }
  return {
    stylePrecision: queries ? precisionSum / queries : NaN,
    queries,
    sameSourceShare: sourceQueries ? shareSum / sourceQueries : NaN,
    sameSourceHitRate: sourceQueries ? hitSum / sourceQueries : NaN,
  };
}

function labelsOf(r: RunOutcome, labels: Map<string, Label>): (Label | null)[] {
  return r.data.ids.map((id) => labels.get(r.paths.get(id) ?? '') ?? null);
}

function printQuality(label: string, r: RunOutcome, labels: Map<string, Label>): Quality | null {
  const l = labelsOf(r, labels);
  const n = r.data.ids.length;
  const rows: [string, Quality][] = [];
  let embeddingQuality: Quality | null = null;
  if (r.data.embedding) {
    const e = r.data.embedding;
    embeddingQuality = quality(l, cosineRanker(e.data, n, e.dim));
    rows.push([`embedding (${e.model}, mean)`, embeddingQuality]);
    rows.push([
      `embedding (${e.model}, centred)`,
      quality(l, cosineRanker(centre(e.data, n, e.dim), n, e.dim)),
    ]);
  }
  const dF = r.data.featureNames.length || (n ? r.data.features.length / n : 0);
  rows.push(['features (z-scored)', quality(l, cosineRanker(zscore(r.data.features, n, dF), n, dF))]);
  const randomRuns = 20;
  const acc = { stylePrecision: 0, queries: 0, sameSourceShare: 0, sameSourceHitRate: 0 };
  for (let s = 0; s < randomRuns; s++) {
    const rnd = rng(s + 1);
    const perm = Array.from({ length: n }, (_, i) => i);
    const random: Rank = (q) => {
      for (let i = perm.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [perm[i], perm[j]] = [perm[j], perm[i]];
      }
      return perm.filter((i) => i !== q);
    };
    const qv = quality(l, random);
    acc.stylePrecision += qv.stylePrecision / randomRuns;
    acc.sameSourceShare += qv.sameSourceShare / randomRuns;
    acc.sameSourceHitRate += qv.sameSourceHitRate / randomRuns;
    acc.queries = qv.queries;
  }
  rows.push([`random (mean of ${randomRuns})`, acc]);
  console.log(`\n== ${label}: quality (${l.filter(Boolean).length} labelled of ${n} analysed tracks)`);
  console.log(
    'ranking                      style P@10 other sources   same-source share@10   same-source hit rate@10',
  );
  for (const [name, q] of rows) {
    console.log(
      `${name.padEnd(28)} ${q.stylePrecision.toFixed(3).padStart(10)} (${q.queries} queries)   ${q.sameSourceShare
        .toFixed(3)
        .padStart(12)}           ${q.sameSourceHitRate.toFixed(3).padStart(12)}`,
    );
  }
  return embeddingQuality;
}

async function main(): Promise<void> {
  const labels = readLabels();
  console.log(
    `corpus ${corpus}: ${labels.size} labelled tracks; workers ${workers}, model ${model}, patches ${patches || 'all'}, windows ${windows || 'all'}`,
  );
  const main = await analyse('default', patches, windows);
  printThroughput(`patches ${patches || 'all'}`, main);
  const q = printQuality(`patches ${patches || 'all'}`, main, labels);
  if (args['compare-all-patches'] && model !== 'none') {
    const all = await analyse('all-patches', 0, 0);
    printThroughput('all patches', all);
    const qa = printQuality('all patches', all, labels);
    if (q && qa) {
      const loss = qa.stylePrecision - q.stylePrecision;
      console.log(
        `\npatch sampling: style P@10 ${q.stylePrecision.toFixed(3)} (${patches} patches) vs ${qa.stylePrecision.toFixed(3)} (all): ` +
          `loss ${loss.toFixed(3)} — ${loss <= 0.02 ? 'within' : 'OVER'} the 0.02 budget; ` +
          `embedding time ${(main.stats.embeddingMs / 1000).toFixed(1)} s vs ${(all.stats.embeddingMs / 1000).toFixed(1)} s`,
      );
    }
  }
}

await main();
