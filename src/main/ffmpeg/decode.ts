/**
 * Decoding with an ffmpeg child process into mono float32 PCM, one stream per requested sample rate,
 * all from one ffmpeg run (`asplit` + one pipe per rate: stdout, then fd 3, 4, …).
 *
 * - Mono mix: channels are averaged (`pan=mono|c0=0.5*c0+0.5*c1` for stereo, 1/n each for n
 *   channels; mono input passes through). This is the exact command the MusiCNN reference PCM was
 *   made with. `-ac 1` would be 3 dB louder.
 * - No separate probe: the channel count and duration come from the catalog (`channelsHint`,
 *   `durationHint`); ffmpeg's own stream header (printed on stderr before any PCM) is parsed and,
 *   if it disagrees with the plan (other channel count, or a long file decoded from the start),
 *   the run is killed and restarted once with the right plan. A probe would cost a second ffmpeg
 *   start (~0.1 s CPU with Debian's ffmpeg, measured), which is most of a short file's decode.
 * - Long files (duration > maxDecodedSeconds): K excerpts spread over the track, each read with input
 *   seeking (`-ss`/`-t` before `-i`), concatenated by ffmpeg's `concat` filter. The PCM held is
 *   bounded by maxDecodedSeconds in every case (a run without excerpts is capped with `-t`).
 * - Failures (ffmpeg error exit, stall, < 0.5 s of audio) reject with ffmpeg's reason: its last
 *   meaningful stderr lines; the whole stderr (bounded) is kept on the error as `stderr`.
 * - Where the PCM goes through tmpfs spool files (Linux, pcm-spool.ts), ffmpeg is started by a
 *   shell kept for the process (launcher.ts), not forked from it: a fork of a large process made
 *   its next write to every page a fault, ~150 ms of worker CPU per track here. With pipes, or if
 *   the shell fails, ffmpeg is our own child as before.
 */
import type { ChildProcess } from 'node:child_process';
import type { PathRef } from '../store/raw-path';
import { ffmpegFileInput, type FfmpegFileInput } from './file-input';
import type { Readable } from 'node:stream';
import { resolveFfmpeg } from './resolve';
import { channelsFromStreamLine, durationFromLine, ffmpegReason } from './stderr';
import { PcmSink, type PcmBuffers } from './pcm-buffers';
import { PcmSpool } from './pcm-spool';
import { launch, spawnDirect, type FfmpegRun } from './launcher';

/** Mono float32 PCM decoded by ffmpeg, one buffer per requested sample rate. */
export interface DecodedAudio {
  /** PCM per sample rate (Hz). Long tracks hold excerpts spread over the track, concatenated. */
  pcm: Map<number, Float32Array>;
  /** Length of the whole file in seconds (not only what was decoded). */
  duration: number;
  /** Seconds actually decoded (sum of excerpts). */
  decodedSeconds: number;
  /** Where the decoded excerpts start, seconds into the file, with their lengths. */
  excerpts: { start: number; length: number }[];
  /**
   * CPU time of the ffmpeg runs (a restart included) when they ran under the launcher shell
   * (launcher.ts), which measures it; null when ffmpeg was our own child: then it is in this
   * process's children clock (analysis/cpu-clock.ts) instead.
   */
  ffmpegCpuMs: number | null;
}

export interface DecodeOptions {
  /** Sample rates wanted (Hz); ffmpeg produces all of them in one run. */
  rates: number[];
  ffmpegPath?: string;
  /** Kill ffmpeg when it produces nothing for this long. */
  stallTimeoutMs?: number;
  /** Tracks longer than this are decoded as excerpts spread over the track (bounded memory). */
  maxDecodedSeconds?: number;
  /** Known duration from the catalog, if any (saves a probe). */
  durationHint?: number;
  /** Known channel count from the catalog, if any (the mono mix is built from it; corrected from
   * ffmpeg's own stream header when it disagrees). */
  channelsHint?: number;
  /** Aborts the decode (the child is killed, the promise rejects). */
  signal?: AbortSignal;
  /**
   * Buffers kept between decodes (see pcm-buffers.ts): the PCM returned is then a view into them,
   * valid until the next decode with the same buffers. Without: fresh buffers the caller owns.
   */
  buffers?: PcmBuffers;
}

export const DEFAULT_STALL_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_DECODED_SECONDS = 600;
/** Length of one excerpt of a long file (the number of excerpts follows from maxDecodedSeconds). */
export const EXCERPT_SECONDS = 120;
/** Less audio than this is a failure. */
export const MIN_DECODED_SECONDS = 0.5;

const STDERR_LIMIT = 64 * 1024;

/** An Error carrying ffmpeg's whole (bounded) stderr. */
export class DecodeError extends Error {
  readonly stderr: string;
  readonly path: string;
  constructor(message: string, path: string, stderr: string) {
    super(message);
    this.name = 'DecodeError';
    this.path = path;
    this.stderr = stderr;
  }
}

interface Plan {
  channels: number;
  /** Null: one read from the start (capped at maxDecodedSeconds). */
  excerpts: { start: number; length: number }[] | null;
}

interface StreamHeader {
  duration: number | null;
  channels: number | null;
}

/** The mono-mix filter for n channels (average of all channels). */
export function monoMixFilter(channels: number): string {
  if (channels <= 1) return 'anull';
  if (channels === 2) return 'pan=mono|c0=0.5*c0+0.5*c1';
  const g = 1 / channels;
  const terms = Array.from({ length: channels }, (_, i) => `${g}*c${i}`);
  return `pan=mono|c0=${terms.join('+')}`;
}

/** Excerpts spread over a long track: K = round(max / EXCERPT_SECONDS) windows centred on K equal parts. */
export function planExcerpts(
  duration: number,
  maxDecodedSeconds: number,
): { start: number; length: number }[] {
  const k = Math.max(1, Math.round(maxDecodedSeconds / EXCERPT_SECONDS));
  const length = maxDecodedSeconds / k;
  const out: { start: number; length: number }[] = [];
  for (let i = 0; i < k; i++) {
    const centre = ((i + 0.5) * duration) / k;
    const start = Math.min(Math.max(0, centre - length / 2), Math.max(0, duration - length));
    out.push({ start: Math.round(start * 1000) / 1000, length: Math.round(length * 1000) / 1000 });
  }
  return out;
}

function makePlan(channels: number, duration: number | null, max: number): Plan {
  return { channels, excerpts: duration !== null && duration > max ? planExcerpts(duration, max) : null };
}

function samePlan(a: Plan, b: Plan): boolean {
  return a.channels === b.channels && (a.excerpts === null) === (b.excerpts === null);
}

export function buildArgs(path: string, plan: Plan, rates: number[], max: number): string[] {
  const args = ['-nostdin', '-hide_banner', '-nostats', '-loglevel', 'info'];
  let source: string;
  if (plan.excerpts) {
    for (const e of plan.excerpts)
      args.push('-ss', e.start.toFixed(3), '-t', e.length.toFixed(3), '-i', path);
    const ins = plan.excerpts.map((_, i) => `[${i}:a:0]`).join('');
    source = `${ins}concat=n=${plan.excerpts.length}:v=0:a=1,`;
  } else {
    args.push('-t', String(max), '-i', path);
    source = '[0:a:0]';
  }
  const mix = monoMixFilter(plan.channels);
  // ffmpeg writes each decoded frame (a few hundred samples) to the pipe on its own, which costs
  // Node one 'data' event per frame (24,000 for a 9-minute track, ~0.7 s of CPU): regroup into
  // large frames and let the muxer buffer instead of flushing per packet.
  const regroup = `asetnsamples=n=${PIPE_FRAME_SAMPLES}:p=0`;
  let graph: string;
  if (rates.length === 1) {
    graph = `${source}${mix},aresample=${rates[0]},${regroup}[o0]`;
  } else {
    const splits = rates.map((_, i) => `[s${i}]`).join('');
    graph =
      `${source}${mix},asplit=${rates.length}${splits};` +
      rates.map((r, i) => `[s${i}]aresample=${r},${regroup}[o${i}]`).join(';');
  }
  args.push('-filter_complex', graph);
  rates.forEach((_, i) => {
    args.push('-map', `[o${i}]`, '-c:a', 'pcm_f32le', '-f', 'f32le', '-flush_packets', '0');
    args.push(i === 0 ? 'pipe:1' : `pipe:${i + 2}`);
  });
  return args;
}

interface RunOutcome {
  kind: 'done';
  sinks: PcmSink[];
  header: StreamHeader;
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** ffmpeg's CPU time where the launcher measured it (launcher.ts), else null. */
  cpuMs: number | null;
}

interface RunRestart {
  kind: 'restart';
  header: StreamHeader;
  cpuMs: number | null;
}

interface RunRelaunch {
  kind: 'relaunch';
}

function runOnce(
  bin: string,
  file: PathRef,
  plan: Plan,
  rates: number[],
  max: number,
  stallTimeoutMs: number,
  signal: AbortSignal | undefined,
  wantRestart: (h: StreamHeader) => boolean,
  expectedSeconds: number,
  buffers: PcmBuffers | undefined,
  directOnly: boolean,
): Promise<RunOutcome | RunRestart | RunRelaunch> {
  return new Promise((resolvePromise, reject) => {
    const path = file.path;
    // Each output goes to a tmpfs spool file where there is one, else to a pipe (pcm-spool.ts).
    const spool = PcmSpool.open(rates.length);
    const out = (i: number): number | 'pipe' => (spool ? spool.fds[i] : 'pipe');
    const pipes: (number | 'ignore' | 'pipe')[] = ['ignore', out(0), 'pipe'];
    for (let i = 1; i < rates.length; i++) pipes.push(out(i));
    // A name that is not UTF-8 reaches ffmpeg as a descriptor (see store/raw-path.ts): inherited by
    // our own child, or opened by its /proc name by a child of the launcher shell (launcher.ts).
    let launched: FfmpegRun | null = null;
    let direct: FfmpegFileInput | null = null;
    let closeInput = (): void => undefined;
    try {
      if (spool && !directOnly) {
        const byProc = ffmpegFileInput(file, [], 'proc');
        launched = launch(bin, buildArgs(byProc.arg, plan, rates, max), spool.fds);
        if (launched) closeInput = byProc.close;
        else byProc.close();
      }
      if (!launched) direct = ffmpegFileInput(file, pipes);
    } catch (err) {
      spool?.close();
      reject(new DecodeError(`cannot open the file: ${(err as Error).message}`, path, ''));
      return;
    }
    let child: ChildProcess | null = null;
    let started: FfmpegRun;
    if (launched) {
      started = launched;
    } else {
      const own = direct!;
      try {
        ({ run: started, child } = spawnDirect(bin, buildArgs(own.arg, plan, rates, max), own.stdio));
      } catch (err) {
        spool?.close();
        throw err;
      } finally {
        own.close();
      }
    }
    const sinks = rates.map(
      (r, slot) =>
        new PcmSink(
          Math.ceil((expectedSeconds + 2) * r) * 4,
          Math.ceil((max + 5) * r) * 4,
          buffers ? { buffers, slot } : undefined,
        ),
    );
    const header: StreamHeader = { duration: null, channels: null };
    let headerDone = false;
    let stderr = '';
    let stderrTail = '';
    let stderrHead = '';
    let stderrRest = '';
    let stderrCut = false;
    let settled = false;
    let stallTimer: NodeJS.Timeout | null = null;
    let failure: Error | null = null;
    let restart = false;

    const kill = (): void => started.kill();
    let spoolWatch: NodeJS.Timeout | null = null;
    const cleanup = (): void => {
      if (stallTimer) clearTimeout(stallTimer);
      stallTimer = null;
      if (spoolWatch) clearInterval(spoolWatch);
      spoolWatch = null;
      signal?.removeEventListener('abort', onAbort);
      closeInput();
    };
    const fail = (err: Error): void => {
      if (failure || settled) return;
      failure = err;
      kill();
    };
    const armStall = (): void => {
      if (stallTimer) clearTimeout(stallTimer);
      stallTimer = setTimeout(() => {
        fail(
          new DecodeError(
            `ffmpeg stalled: no audio for ${stallTimeoutMs} ms` +
              (ffmpegReason(stderr) ? ` (${ffmpegReason(stderr)})` : ''),
            path,
            stderr,
          ),
        );
      }, stallTimeoutMs);
    };
    const onAbort = (): void => fail(new DecodeError('decode aborted', path, stderr));
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort);
    armStall();

    if (spool) {
      // No data events from a file: its growth is what tells ffmpeg is still producing.
      let written = 0;
      spoolWatch = setInterval(
        () => {
          const now = spool.size(0);
          if (now > written) armStall();
          written = now;
        },
        Math.min(1000, Math.max(10, stallTimeoutMs / 4)),
      );
    }
    if (!spool && child) {
      const stdio = child.stdio;
      rates.forEach((_, i) => {
        const stream = stdio[i === 0 ? 1 : i + 2] as Readable;
        stream.on('data', (buf: Buffer) => {
          armStall();
          sinks[i].push(buf);
        });
        stream.on('error', () => {
          /* the exit code tells */
        });
      });
    }

    const onHeaderLine = (line: string): void => {
      if (headerDone) return;
      if (/^Input #[1-9]/.test(line) || /^Stream mapping:/.test(line) || /^Output #/.test(line)) {
        headerDone = true;
        if (!failure && wantRestart(header)) {
          restart = true;
          kill();
        }
        return;
      }
      if (header.duration === null) header.duration = durationFromLine(line);
      if (header.channels === null && /^\s+Stream #0:\d+.*: Audio: /.test(line)) {
        header.channels = channelsFromStreamLine(line);
      }
    };
    started.onStderr((text: string) => {
      // Keep the first and the last STDERR_LIMIT/2 characters (the banner and the reason).
      if (!stderrCut && stderr.length + text.length <= STDERR_LIMIT) {
        stderr += text;
      } else {
        if (!stderrCut) {
          stderrHead = stderr.slice(0, STDERR_LIMIT / 2);
          stderrRest = stderr.slice(STDERR_LIMIT / 2);
          stderrCut = true;
        }
        stderrRest = (stderrRest + text).slice(-STDERR_LIMIT / 2);
        stderr = `${stderrHead}\n…\n${stderrRest}`;
      }
      const lines = (stderrTail + text).split(/\r?\n/);
      stderrTail = lines.pop() ?? '';
      for (const l of lines) onHeaderLine(l);
    });

    started.onError((err, launcherLost) => {
      if (settled) return;
      settled = true;
      cleanup();
      spool?.close();
      // The launcher shell failed, not ffmpeg: the caller starts this run again directly.
      if (launcherLost && !failure) resolvePromise({ kind: 'relaunch' });
      else reject(failure ?? new DecodeError(`cannot run ffmpeg (${bin}): ${err.message}`, path, stderr));
    });
    started.onClose(({ code, signal: sig, cpuMs }) => {
      if (settled) return;
      settled = true;
      cleanup();
      if (stderrTail) onHeaderLine(stderrTail);
      try {
        if (spool && !failure && !restart && code === 0) {
          sinks.forEach((sink, i) => sink.fill(spool.size(i), (into, n) => spool.read(i, into, n)));
        }
      } catch (err) {
        failure = new DecodeError(`cannot read the decoded audio: ${(err as Error).message}`, path, stderr);
      } finally {
        spool?.close();
      }
      if (failure) reject(failure);
      else if (restart) resolvePromise({ kind: 'restart', header, cpuMs });
      else resolvePromise({ kind: 'done', sinks, header, code, signal: sig, stderr, cpuMs });
    });
  });
}

/** Samples per frame written to the pipe (see buildArgs). */
const PIPE_FRAME_SAMPLES = 16384;

/**
 * Decodes `path` to mono float32 PCM at each rate in `opts.rates`, in one ffmpeg run. Rejects with
 * ffmpeg's reason when it fails, stalls (no PCM for `stallTimeoutMs`) or yields < 0.5 s of audio.
 */
export async function decodeAudio(file: string | PathRef, opts: DecodeOptions): Promise<DecodedAudio> {
  const ref: PathRef = typeof file === 'string' ? { path: file } : file;
  const path = ref.path;
  const rates = [...new Set(opts.rates.map((r) => Math.round(r)))];
  if (rates.length === 0 || rates.some((r) => !(r >= 1000 && r <= 384_000))) {
    throw new Error(`decodeAudio: bad sample rates ${JSON.stringify(opts.rates)}`);
  }
  const max =
    opts.maxDecodedSeconds && opts.maxDecodedSeconds > 0
      ? opts.maxDecodedSeconds
      : DEFAULT_MAX_DECODED_SECONDS;
  const stall =
    opts.stallTimeoutMs && opts.stallTimeoutMs > 0 ? opts.stallTimeoutMs : DEFAULT_STALL_TIMEOUT_MS;
  const bin = (await resolveFfmpeg(opts.ffmpegPath)).path;
  const hintDuration = opts.durationHint && opts.durationHint > 0 ? opts.durationHint : null;
  const hintChannels = opts.channelsHint && opts.channelsHint > 0 ? Math.round(opts.channelsHint) : null;

  let plan = makePlan(hintChannels ?? 2, hintDuration, max);
  let outcome: RunOutcome | RunRestart | RunRelaunch | null = null;
  let ffmpegCpuMs: number | null = null;
  let direct = false;
  for (let attempt = 0; attempt < 2; attempt++) {
    const current = plan;
    const allowRestart = attempt === 0;
    const expected = current.excerpts
      ? current.excerpts.reduce((a, e) => a + e.length, 0)
      : Math.min(max, hintDuration ?? 60);
    outcome = await runOnce(
      bin,
      ref,
      current,
      rates,
      max,
      stall,
      opts.signal,
      (h) => {
        if (!allowRestart) return false;
        const next = makePlan(h.channels ?? current.channels, h.duration ?? hintDuration, max);
        if (samePlan(next, current)) return false;
        plan = next;
        return true;
      },
      expected,
      opts.buffers,
      direct,
    );
    if (outcome.kind === 'relaunch') {
      // The launcher shell failed (launcher.ts): the same attempt again, ffmpeg as our own child.
      if (direct) break;
      direct = true;
      attempt--;
      continue;
    }
    if (outcome.cpuMs !== null) ffmpegCpuMs = (ffmpegCpuMs ?? 0) + outcome.cpuMs;
    if (outcome.kind === 'done') break;
  }
  if (!outcome || outcome.kind !== 'done') throw new DecodeError('ffmpeg restarted twice', path, '');
  const { sinks, header, code, signal, stderr } = outcome;
  const reason = ffmpegReason(stderr);
  if (code !== 0) {
    const how = code === null ? `killed by ${signal ?? 'a signal'}` : `exit code ${code}`;
    throw new DecodeError(reason || `ffmpeg failed (${how})`, path, stderr);
  }
  const pcm = new Map<number, Float32Array>();
  rates.forEach((r, i) => pcm.set(r, sinks[i].toFloat32()));
  const decodedSeconds = pcm.get(rates[0])!.length / rates[0];
  if (decodedSeconds < MIN_DECODED_SECONDS) {
    throw new DecodeError(
      `no audio decoded (${decodedSeconds.toFixed(2)} s)` + (reason ? `: ${reason}` : ''),
      path,
      stderr,
    );
  }
  let duration: number;
  let excerpts: { start: number; length: number }[];
  if (plan.excerpts) {
    duration = hintDuration ?? header.duration ?? decodedSeconds;
    excerpts = plan.excerpts;
  } else {
    // One read from the start: unless capped, what was decoded is the whole file.
    const capped = decodedSeconds >= max - 0.05;
    duration = capped ? Math.max(hintDuration ?? 0, header.duration ?? 0, decodedSeconds) : decodedSeconds;
    excerpts = [{ start: 0, length: decodedSeconds }];
  }
  return { pcm, duration, decodedSeconds, excerpts, ffmpegCpuMs };
}
