/**
 * CPU per step of the worker's per-track loop, with ffmpeg started directly (forked from this
 * large process) and through the launcher shell (ffmpeg/launcher.ts), on a few corpus tracks.
 *
 *   npx tsx bench/decode-cpu.ts --corpus /work/corpus [--tracks 16] [--model mn04] [--passes 1]
 *
 * One process does what a worker does: starts the launcher shell, loads the model, then analyses
 * the tracks one after the other into kept buffers (analysis/analyze-track.ts), a whole pass with
 * ffmpeg as its own child (TIMBRE_DECODE_DIRECT) and a whole pass through the shell (a pass per
 * mode, so that the faults one mode causes are not charged to the other). Prints, per mode, the
 * CPU time of ffmpeg and of each worker step, in seconds and in seconds per hour of audio, and the
 * minor page faults of this process. The tracks are every n-th line of the corpus's labels.csv.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { analyzeTrack, type AnalyzeContext } from '../src/main/analysis/analyze-track';
import { PcmBuffers } from '../src/main/ffmpeg/pcm-buffers';
import { prepareLauncher } from '../src/main/ffmpeg/launcher';
import { resolveModel } from '../src/main/analysis/models/manager';
import {
  DEFAULT_PATCHES_PER_TRACK,
  DEFAULT_WINDOWS_PER_TRACK,
  Embedder,
} from '../src/main/analysis/models/embedder';
import { modelsRootDir } from '../test/helpers/shared';

const { values: args } = parseArgs({
  options: {
    corpus: { type: 'string', default: '/work/corpus' },
    tracks: { type: 'string', default: '16' },
    model: { type: 'string', default: 'mn04' },
    'models-dir': { type: 'string' },
    passes: { type: 'string', default: '1' },
  },
});

prepareLauncher();
const corpus = resolve(args.corpus!);
const home = mkdtempSync(join(tmpdir(), 'timbre-decode-cpu-'));
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

const rows = readFileSync(join(corpus, 'labels.csv'), 'utf8').trim().split(/\r?\n/).slice(1);
const all = rows.map((l) => l.split(',')).map((f) => ({ path: f[0], duration: Number(f[f.length - 1]) }));
all.sort((a, b) => (a.path < b.path ? -1 : 1));
const wanted = Math.min(all.length, Number(args.tracks));
const step = all.length / wanted;
const tracks = Array.from({ length: wanted }, (_, i) => all[Math.floor(i * step)]);
const hours = tracks.reduce((a, t) => a + t.duration, 0) / 3600;

try {
  const model = await resolveModel(args.model!, {
    home,
    modelsDir: args['models-dir'] ?? modelsRootDir,
    allowDownload: false,
  });
  const embedder = await Embedder.load(model);
  // What the engine asks a worker for by default: windows (EfficientAT) or patches per track.
  const patches = model.kind === 'efficientat-mel' ? DEFAULT_WINDOWS_PER_TRACK : DEFAULT_PATCHES_PER_TRACK;
  const ctx: AnalyzeContext = { analysisVersion: 'bench', embedder, patches, buffers: new PcmBuffers() };
  console.log(`${tracks.length} tracks, ${hours.toFixed(3)} h, model ${model.id}; load ${load()}`);
  for (let pass = 0; pass < Number(args.passes); pass++) {
    for (const mode of ['direct', 'launcher'] as const) {
      if (mode === 'direct') process.env.TIMBRE_DECODE_DIRECT = '1';
      else delete process.env.TIMBRE_DECODE_DIRECT;
      const sum = { ffmpegMs: 0, decodeMs: 0, resampleMs: 0, featuresMs: 0, embeddingMs: 0 };
      const f0 = process.resourceUsage().minorPageFault;
      for (const t of tracks) {
        const r = await analyzeTrack(
          { trackId: t.path, path: join(corpus, t.path), durationHint: t.duration, channelsHint: 0 },
          ctx,
        );
        const c = r.timings.cpu!;
        for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += c[k] ?? 0;
      }
      const faults = process.resourceUsage().minorPageFault - f0;
      const s = (ms: number) => `${(ms / 1000).toFixed(2)} s (${(ms / 1000 / hours).toFixed(1)} s/h)`;
      const worker = sum.decodeMs + sum.resampleMs + sum.featuresMs + sum.embeddingMs;
      console.log(
        `${mode.padEnd(8)} ffmpeg ${s(sum.ffmpegMs)}; worker ${s(worker)}: reading PCM ${s(sum.decodeMs)}, ` +
          `halving ${s(sum.resampleMs)}, features ${s(sum.featuresMs)}, model ${s(sum.embeddingMs)}; ` +
          `${faults} minor faults; load ${load()}`,
      );
    }
  }
} finally {
  delete process.env.TIMBRE_DECODE_DIRECT;
  rmSync(home, { recursive: true, force: true });
}
process.exit(0);
