/**
 * Asks ffmpeg to describe a file without decoding it. The scan uses it for tracker modules only,
 * whose headers hold no duration.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { PathRef } from '../store/raw-path';
import { ffmpegFileInput, type FfmpegFileInput } from './file-input';
import { resolveFfmpeg } from './resolve';
import { parseFfmpegInput, type FfmpegInput } from './stderr';

export interface FfmpegProbeOptions {
  /** Limit for finding ffmpeg and running it; the child is killed at it (default 4 s). */
  timeoutMs?: number;
  /** The ffmpeg to use as a user setting would name it (default: on PATH, then the bundled one). */
  ffmpegPath?: string;
}

/** Keeps ffmpeg's stderr bounded (the input description comes first). */
const FFMPEG_STDERR_LIMIT = 64 * 1024;

/**
 * Asks ffmpeg to describe a file (`ffmpeg -i <file>` without output: it prints the input and exits).
 * Costs an ffmpeg start (~0.1 s), so the scan uses it for tracker modules only. Resolves null when
 * ffmpeg is missing, fails, cannot read the file or takes longer than the limit; never rejects.
 */
export async function probeWithFfmpeg(
  file: string | PathRef,
  opts: FfmpegProbeOptions = {},
): Promise<FfmpegInput | null> {
  const timeoutMs = opts.timeoutMs ?? 4_000;
  const deadline = Date.now() + timeoutMs;
  let bin: string;
  let timer: NodeJS.Timeout | undefined;
  try {
    const resolved = resolveFfmpeg(opts.ffmpegPath);
    const late = new Promise<null>((resolveLate) => {
      timer = setTimeout(() => resolveLate(null), timeoutMs);
    });
    const found = await Promise.race([resolved, late]);
    if (!found) return null;
    bin = found.path;
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
  const left = deadline - Date.now();
  if (left <= 0) return null;
  return new Promise((resolveProbe) => {
    let stderr = '';
    let child;
    let input: FfmpegFileInput | undefined;
    try {
      // A name that is not UTF-8 reaches ffmpeg as an inherited descriptor (see file-input.ts).
      input = ffmpegFileInput(typeof file === 'string' ? { path: file } : file, ['ignore', 'ignore', 'pipe']);
      child = spawn(bin, ['-nostdin', '-hide_banner', '-i', input.arg], {
        stdio: input.stdio,
        windowsHide: true,
      }) as ChildProcessByStdio<null, null, Readable>;
    } catch {
      resolveProbe(null);
      return;
    } finally {
      input?.close();
    }
    const killer = setTimeout(() => child.kill('SIGKILL'), left);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      if (stderr.length < FFMPEG_STDERR_LIMIT) stderr += text;
    });
    child.on('error', () => {
      clearTimeout(killer);
      resolveProbe(null);
    });
    child.on('close', (_code, signal) => {
      clearTimeout(killer);
      // Without an output ffmpeg exits with 1 after describing the input: the exit code says nothing.
      resolveProbe(signal ? null : parseFfmpegInput(stderr));
    });
  });
}
