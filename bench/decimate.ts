/**
 * CPU cost of the 2:1 halving (32 → 16 kHz, dsp/decimate.ts) on real decoded tracks.
 *
 *   nice -n 10 npx tsx bench/decimate.ts [--corpus /work/corpus] [--limit N] [--reps 3]
 *
 * Decodes each track of the corpus (labels.csv; a spread of them with --limit) with ffmpeg to
 * 32 kHz mono float32, as the analysis worker does, then runs every candidate on it `--reps` times
 * in turn (interleaved, so a change of load hits all alike) and prints, per candidate, CPU seconds
 * per hour of audio (process CPU, median of the reps summed over tracks), the speed-up over the
 * scalar reference (the code before the SIMD kernel, test/helpers/decimate-reference.ts), the cost
 * of the first call after each track's decode alone, and the largest absolute difference from the
 * reference over every output. The load average is printed before and after.
 *
 * Why the first call apart: each decode forks this process to start ffmpeg (libuv spawns with
 * fork), which write-protects every page it has, so the first write to each page of an output
 * buffer after it faults, however long the buffer has been kept — the analysis worker pays that on
 * every track. Halving in place, into the buffer the decode has just written, does not.
 *
 * Candidates: the reference; JavaScript restructurings (float32 taps; four outputs per pass;
 * polyphase with four outputs per pass) — the fallback where WebAssembly SIMD is missing is the
 * best of them; the WebAssembly SIMD kernel with one or two vectors per pass and several block
 * sizes; the block copies alone (what moving the samples into and out of the kernel's memory
 * costs); what Decimator2 picks, into a separate buffer and in place.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Decimator2, decimateScalar, decimationTaps } from '../src/main/analysis/dsp/decimate';
import { SimdDecimator } from '../src/main/analysis/dsp/decimate-simd';
import { decodeAudio } from '../src/main/ffmpeg/decode';
import { PcmBuffers } from '../src/main/ffmpeg/pcm-buffers';
import { decimateReference } from '../test/helpers/decimate-reference';

const { values: args } = parseArgs({
  options: {
    corpus: { type: 'string', default: '/work/corpus' },
    limit: { type: 'string' },
    reps: { type: 'string', default: '3' },
  },
});
const corpus = resolve(args.corpus!);
const reps = Math.max(1, Number(args.reps));
const RATE = 32000;

const taps = decimationTaps();
const taps32 = Float32Array.from(taps);

/** What moving the samples into and out of the kernel's memory costs: the copies, no filtering. */
function copiesOnly(block: number): (x: Float32Array, y: Float32Array) => Float32Array {
  const seg = new Float32Array(2 * (block + 40));
  const out = new Float32Array(block);
  return (x, y) => {
    const m = Math.ceil(x.length / 2);
    for (let k0 = 0; k0 < m; k0 += block) {
      const count = Math.min(block, m - k0);
      const a = Math.max(0, 2 * (k0 - 16));
      const b = Math.min(x.length, a + 2 * (count + 32));
      seg.set(x.subarray(a, b));
      y.set(count === block ? out : out.subarray(0, count), k0);
    }
    return y.subarray(0, m);
  };
}

type Run = (x: Float32Array, y: Float32Array) => Float32Array;
const simd = (blockOutputs: number, passOutputs: 4 | 8): Run | null => {
  const s = SimdDecimator.create(taps, { blockOutputs, passOutputs });
  return s ? (x, y) => s.decimate(x, y) : null;
};
const chosen = new Decimator2();
const candidates: [string, Run | null, boolean][] = [
  ['reference (scalar, before)', (x, y) => decimateReference(taps, x, y), true],
  ['reference with float32 taps', (x, y) => decimateReference(taps32, x, y), true],
  ['JS fallback (decimateScalar)', (x, y) => decimateScalar(taps, x, y), true],
  ['WASM SIMD 1 vector/pass, 4096', simd(4096, 4), true],
  ['WASM SIMD 2 vectors/pass, 1024', simd(1024, 8), true],
  ['WASM SIMD 2 vectors/pass, 4096', simd(4096, 8), true],
  ['WASM SIMD 2 vectors/pass, 16384', simd(16384, 8), true],
  ['block copies alone (4096)', copiesOnly(4096), false],
  ['Decimator2 in place (into its input)', (x, y) => chosen.decimateInPlace(y.subarray(0, x.length)), true],
  [`Decimator2 (${chosen.kernel})`, (x, y) => chosen.decimate(x, y), true],
];

interface Tally {
  cpuMs: number;
  firstMs: number;
  maxDiff: number;
}
const tallies = new Map<string, Tally>(
  candidates.map(([name]) => [name, { cpuMs: 0, firstMs: 0, maxDiff: 0 }]),
);

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const rows = readFileSync(join(corpus, 'labels.csv'), 'utf8').trim().split('\n').slice(1);
let paths = rows.map((r) => join(corpus, r.split(',')[0]));
if (args.limit) {
  const limit = Number(args.limit);
  const step = paths.length / limit;
  paths = Array.from({ length: Math.min(limit, paths.length) }, (_, i) => paths[Math.floor(i * step)]);
}

const load = (): string =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(', ');
console.log(`${paths.length} tracks from ${corpus}, ${reps} reps; load average ${load()}`);
const buffers = new PcmBuffers();
const refOut = new Float32Array(1);
let refBuf = refOut;
// One output buffer per candidate, kept from track to track as the worker keeps its buffers (so
// each candidate's first call after a decode meets its own write-protected pages).
const outBufs = new Map<string, Float32Array>();
let seconds = 0;
for (const path of paths) {
  const decoded = await decodeAudio({ path }, { rates: [RATE], buffers });
  const x = decoded.pcm.get(RATE)!;
  seconds += x.length / RATE;
  const m = Math.ceil(x.length / 2);
  if (refBuf.length < m) refBuf = new Float32Array(m);
  const reference = decimateReference(taps, x, refBuf);
  for (const [name, run, check] of candidates) {
    if (!run) continue;
    let outBuf = outBufs.get(name) ?? new Float32Array(0);
    if (outBuf.length < x.length) outBufs.set(name, (outBuf = new Float32Array(x.length)));
    const times: number[] = [];
    for (let r = 0; r < reps; r++) {
      // The in-place candidate halves a copy of the track in the output buffer (copied untimed,
      // as the decode writes the worker's buffer just before it halves it there).
      if (name.includes('in place')) outBuf.set(x);
      const c0 = cpuMs();
      run(x, outBuf);
      times.push(cpuMs() - c0);
    }
    const t = tallies.get(name)!;
    t.firstMs += times[0];
    times.sort((a, b) => a - b);
    t.cpuMs += times[Math.floor(times.length / 2)];
    if (check) {
      for (let i = 0; i < m; i++) {
        const d = Math.abs(outBuf[i] - reference[i]);
        if (d > t.maxDiff) t.maxDiff = d;
      }
    }
  }
}
const hours = seconds / 3600;
const refCost = tallies.get(candidates[0][0])!.cpuMs;
console.log(`${hours.toFixed(2)} h of audio at 32 kHz; load average after ${load()}\n`);
console.log(
  'candidate                              CPU s per hour   speed-up   first call   max |Δ| vs reference',
);
for (const [name, run, check] of candidates) {
  if (!run) {
    console.log(`${name.padEnd(38)} unavailable`);
    continue;
  }
  const t = tallies.get(name)!;
  console.log(
    `${name.padEnd(38)} ${(t.cpuMs / 1000 / hours).toFixed(3).padStart(10)}   ${(refCost / t.cpuMs).toFixed(2).padStart(8)}×   ` +
      `${(t.firstMs / 1000 / hours).toFixed(3).padStart(10)}   ` +
      (check ? t.maxDiff.toExponential(2) : '—'),
  );
}
