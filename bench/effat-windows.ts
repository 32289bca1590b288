/**
 * Every 10-s window of every track through EfficientAT, kept per window, so window placement,
 * window count, pooling and the tap can be compared without re-analysing.
 *   dump:  npx tsx bench/effat-windows.ts --corpus DIR --labels labels.csv --out FILE.json
 *              [--models-dir DIR] [--resampler swr|soxr] [--limit N] [--windows N (0 = all)]
 *   score: npx tsx bench/effat-windows.ts --from FILE.json --home DIR --labels labels.csv
 * Scoring takes the tracks and audio features of an analysed home (bench/analyze --keep), replaces
 * the embedding by each window strategy's pooled vectors and prints bench/quality's figures for the
 * embedding alone (with and without mutual proximity) and for the default blend.
 *
 * --window-seconds S cuts windows of S seconds instead of 10 (0: the whole track as one input, as
 * upstream inference.py feeds a file); with 0, --excerpt C takes only the middle C seconds as that
 * input. The analysis itself feeds one 2-min input (docs/models.md): --window-seconds 0
 * --excerpt 120 dumps what it computes, the rest are the alternatives it was chosen among.
 *
 * Decoding is the analysis' own (src/main/ffmpeg/decode.ts: one ffmpeg run, mono mean, 32 kHz);
 * --resampler soxr decodes instead with the command the spec's reference PCM was made with, to
 * measure whether the resampler matters. Windows: non-overlapping 10-s windows from 0 (the
 * embedder's grid), each with its RMS, its `features` (384), `hidden` (512) and `logits` (527).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import type * as Ort from 'onnxruntime-node';
import { decodeAudio } from '../src/main/ffmpeg/decode';
import { resolveFfmpeg } from '../src/main/ffmpeg/resolve';
import { EFFAT_MELS, EffatMelFrontEnd, effatFrameCount } from '../src/main/analysis/models/efficientat/mel';
import { resolveModel } from '../src/main/analysis/models/manager';
import { rms } from '../src/main/analysis/dsp/stats';
import { SILENCE_RMS, choosePatches } from '../src/main/analysis/models/embedder';
import { ResultsStore } from '../src/main/analysis/results-store';
import { Catalog } from '../src/main/library/catalog';
import { joinSimilarityInput } from '../src/main/similarity/load';
import { evaluate, readLabels, type Config } from './quality-score';
import { modelsRootDir } from '../test/helpers/shared';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node') as typeof Ort;

const { values: args } = parseArgs({
  options: {
    corpus: { type: 'string', default: '/work/corpus' },
    labels: { type: 'string', default: '/work/corpus/labels.csv' },
    out: { type: 'string', default: '/tmp/effat-windows.json' },
    'models-dir': { type: 'string' },
    resampler: { type: 'string', default: 'swr' },
    limit: { type: 'string' },
    windows: { type: 'string', default: '0' },
    from: { type: 'string' },
    home: { type: 'string' },
    'window-seconds': { type: 'string', default: '10' },
    /** With --window-seconds 0: at most this many seconds, the middle of the track (0 = all). */
    excerpt: { type: 'string', default: '0' },
  },
});

async function decodeSoxr(path: string): Promise<Float32Array> {
  const bin = (await resolveFfmpeg()).path;
  return new Promise((res, rej) => {
    // The spec's reference PCM command (reference/README.md); `pan` wants two channels, so a mono
    // file is first made stereo (both channels equal: the mean is the file itself).
    const p = spawn(bin, [
      '-nostdin',
      '-v',
      'error',
      '-i',
      path,
      '-af',
      'aformat=channel_layouts=stereo,pan=mono|c0=0.5*c0+0.5*c1,aresample=32000:resampler=soxr',
      '-c:a',
      'pcm_f32le',
      '-f',
      'f32le',
      'pipe:1',
    ]);
    const chunks: Buffer[] = [];
    p.stdout.on('data', (c: Buffer) => chunks.push(c));
    p.on('error', rej);
    p.on('close', (code) => {
      if (code !== 0) return rej(new Error(`ffmpeg exit ${code}`));
      const b = Buffer.concat(chunks);
      res(new Float32Array(b.buffer, b.byteOffset, Math.floor(b.length / 4)).slice());
    });
  });
}

interface DumpTrack {
  path: string;
  seconds: number;
  windows: { start: number; rms: number; features: number[]; hidden: number[]; logits: number[] }[];
}

type Tap = 'features' | 'hidden' | 'logits';

/** Loud windows of a track (the embedder's rule), `keep` of them picked by a strategy. */
function loudWindows(t: DumpTrack): number[] {
  const loud = t.windows.flatMap((w, i) => (w.rms > SILENCE_RMS ? [i] : []));
  return loud.length > 0 ? loud : [0];
}

const strategies: { name: string; pick: (t: DumpTrack) => number[]; pool: 'mean' | 'max'; tap: Tap }[] = [
  // The embedder's rule: N spread evenly over the loud windows (choosePatches).
  ...[1, 2, 3, 5, 10, 0].map((n) => ({
    name: `mean of ${n || 'all'} spread`,
    pick: (t: DumpTrack) =>
      choosePatches(
        t.windows.map((w) => w.rms),
        n,
      ),
    pool: 'mean' as const,
    tap: 'features' as Tap,
  })),
  {
    // Intro and outro left out: the first and last 10 % of the loud windows.
    name: 'mean of 3, no intro/outro',
    pick: (t) => {
      const loud = loudWindows(t);
      const cut = Math.floor(loud.length * 0.1);
      const core = loud.length - 2 * cut >= 3 ? loud.slice(cut, loud.length - cut) : loud;
      return choosePatches(
        core.map(() => 1),
        3,
      ).map((i) => core[i]);
    },
    pool: 'mean',
    tap: 'features',
  },
  {
    // First, middle and last loud window (intro and outro in).
    name: 'mean of 3, ends included',
    pick: (t) => {
      const loud = loudWindows(t);
      return [...new Set([0, (loud.length - 1) / 2, loud.length - 1].map((x) => loud[Math.round(x)]))];
    },
    pool: 'mean',
    tap: 'features',
  },
  ...(['hidden', 'logits'] as const).map((tap) => ({
    name: `${tap}: mean of 3 spread`,
    pick: (t: DumpTrack) =>
      choosePatches(
        t.windows.map((w) => w.rms),
        3,
      ),
    pool: 'mean' as const,
    tap,
  })),
  // Max pooling: over a fixed count, and over every window (which makes the vector depend on
  // the track's length: more windows, larger maxima).
  ...[3, 0].map((n) => ({
    name: `max of ${n || 'all'} spread`,
    pick: (t: DumpTrack) =>
      choosePatches(
        t.windows.map((w) => w.rms),
        n,
      ),
    pool: 'max' as const,
    tap: 'features' as Tap,
  })),
];

async function score(): Promise<void> {
  process.env.LANCEDB_LOG ??= 'error';
  const dump = JSON.parse(readFileSync(args.from!, 'utf8')) as DumpTrack[];
  const catalog = await Catalog.open(args.home!);
  try {
    const results = await ResultsStore.open(catalog.db);
    const tracks = await catalog.allTracks();
    const [model] = await results.models();
    const base = joinSimilarityInput(tracks, await results.loadAll({ model }));
    const all = readLabels(args.labels!);
    const norm = (p: string): string => p.replace(/\\/g, '/');
    const labels = base.tracks.map((t) => all.find((l) => norm(t.path).endsWith(`/${l.path}`)) ?? null);
    const byPath = new Map(dump.map((d) => [d.path, d]));
    const rows = base.tracks.map((t) => {
      const d = [...byPath.keys()].find((p) => norm(t.path).endsWith(`/${p}`));
      if (!d) throw new Error(`no windows dumped for ${t.path}`);
      return byPath.get(d) as DumpTrack;
    });
    console.log(`${rows.length} tracks, ${rows.reduce((a, r) => a + r.windows.length, 0)} windows dumped`);
    console.log(
      'strategy                        windows/track | emb+MP style fam skew | emb style fam skew | default style fam skew',
    );
    for (const st of strategies) {
      const dim = rows[0].windows[0][st.tap].length;
      const data = new Float32Array(rows.length * dim);
      let used = 0;
      rows.forEach((r, i) => {
        const picked = st.pick(r);
        used += picked.length;
        const out = data.subarray(i * dim, (i + 1) * dim);
        out.fill(st.pool === 'max' ? -Infinity : 0);
        for (const w of picked) {
          const v = r.windows[w][st.tap];
          for (let d = 0; d < dim; d++)
            out[d] = st.pool === 'max' ? Math.max(out[d], v[d]) : out[d] + v[d] / picked.length;
        }
      });
      const input = { ...base, embedding: { model: 'windows', dim, data } };
      const f = (cfg: Config): string => {
        const x = evaluate(input, labels, cfg);
        return `${x.styleP10.toFixed(3)} ${x.familyP10.toFixed(3)} ${x.skew.toFixed(2)}`;
      };
      console.log(
        `${st.name.padEnd(32)} ${(used / rows.length).toFixed(1).padStart(5)} | ${f({ name: 'e', source: 'embedding' })} | ${f({ name: 'e', source: 'embedding', config: { similarity: { hubnessReduction: false } } })} | ${f({ name: 'd', config: {} })}`,
      );
    }
  } finally {
    await catalog.close();
  }
}

async function main(): Promise<void> {
  if (args.from) return score();
  const home = mkdtempSync(join(tmpdir(), 'effat-win-'));
  const model = await resolveModel('mn04', {
    home,
    modelsDir: args['models-dir'] ?? modelsRootDir,
    allowDownload: false,
  });
  const session = await ort.InferenceSession.create(model.onnxPath, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  const lines = readFileSync(args.labels!, 'utf8').split(/\r?\n/).filter(Boolean).slice(1);
  const paths = lines.map((l) => l.split(',')[0]).slice(0, args.limit ? Number(args.limit) : undefined);
  // 0: the whole track as one input (upstream inference.py): the squeeze-excitation gates and
  // the pooling then see the track, not one window.
  const seconds = Number(args['window-seconds']);
  const fixed = Math.round(Math.max(0, seconds) * 32000);
  const fe = new EffatMelFrontEnd();
  const out: DumpTrack[] = [];
  const t0 = performance.now();
  for (const [k, rel] of paths.entries()) {
    const file = join(args.corpus!, rel);
    const decoded =
      args.resampler === 'soxr'
        ? await decodeSoxr(file)
        : (await decodeAudio(file, { rates: [32000] })).pcm.get(32000)!;
    const cap = fixed === 0 ? Math.round(Number(args.excerpt) * 32000) : 0;
    const pcm =
      cap > 0 && decoded.length > cap
        ? decoded.subarray((decoded.length - cap) >> 1, ((decoded.length - cap) >> 1) + cap)
        : decoded;
    // Windows shorter than the 10-s training clip are zero-padded to it (the spec's convention).
    const win = fixed > 0 ? fixed : Math.max(pcm.length, 10 * 32000);
    const frames = effatFrameCount(win);
    const count = Math.max(1, Math.floor(pcm.length / win));
    const windows = [];
    const clip = new Float32Array(win);
    const loudness = Array.from({ length: count }, (_, i) =>
      rms(pcm, i * win, Math.min(pcm.length, (i + 1) * win)),
    );
    for (const i of choosePatches(loudness, Number(args.windows))) {
      const s = i * win;
      const part = pcm.subarray(s, Math.min(pcm.length, s + win));
      const input = part.length === win ? part : (clip.fill(0), clip.set(part), clip);
      const mel = fe.compute(input);
      const r = await session.run(
        { [session.inputNames[0]]: new ort.Tensor('float32', mel, [1, 1, EFFAT_MELS, frames]) },
        ['features', 'hidden', 'logits'],
      );
      const round = (a: Float32Array): number[] => Array.from(a, (v) => Math.round(v * 1e6) / 1e6);
      windows.push({
        start: s / 32000,
        rms: rms(pcm, s, Math.min(pcm.length, s + win)),
        features: round(r.features.data as Float32Array),
        hidden: round(r.hidden.data as Float32Array),
        logits: round(r.logits.data as Float32Array),
      });
      for (const t of Object.values(r)) t.dispose();
    }
    out.push({ path: rel, seconds: pcm.length / 32000, windows });
    if (k % 10 === 0)
      console.log(
        `${k + 1}/${paths.length} ${rel} ${count} windows, ${((performance.now() - t0) / 1000).toFixed(0)} s`,
      );
  }
  writeFileSync(args.out!, JSON.stringify(out));
  console.log(
    `wrote ${args.out} (${out.length} tracks) in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
