/** Turning a file the player cannot decode into a stream it can: one ffmpeg child per request. */
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';

/** The Content-Type of a transcoded stream. */
export const TRANSCODE_TYPE = 'audio/ogg';

/**
 * Starts ffmpeg turning any audio file it can read (AIFF, WMA, APE, tracker modules, …) into an
 * Ogg/Opus stream on stdout, from `start` seconds. The stream has no length and cannot be ranged:
 * the player seeks in it by asking for a new one from the position.
 *
 * With a `handle` (the verified file, api/media-identity.ts) ffmpeg inherits the descriptor and
 * reads it as /dev/fd/3 (POSIX): it reads the file that was checked, whatever its name (a name
 * that is not UTF-8 cannot be an argument anyway). The handle is closed here once spawned.
 */
export function spawnTranscoder(
  ffmpeg: string,
  input: string | { path: string; handle?: FileHandle },
  start = 0,
): ChildProcessByStdio<null, Readable, Readable> {
  const file = typeof input === 'string' ? { path: input } : input;
  const inherit = !!file.handle && process.platform !== 'win32';
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin'];
  // Input seeking: ffmpeg skips to the position before decoding (fast, to the nearest frame).
  if (start > 0) args.push('-ss', start.toFixed(3));
  args.push('-i', inherit ? '/dev/fd/3' : file.path);
  args.push('-map', '0:a:0', '-vn', '-c:a', 'libopus', '-b:a', '160k', '-f', 'ogg', 'pipe:1');
  const stdio: ['ignore', 'pipe', 'pipe', ...number[]] = ['ignore', 'pipe', 'pipe'];
  if (inherit && file.handle) stdio.push(file.handle.fd);
  try {
    return spawn(ffmpeg, args, { stdio }) as ChildProcessByStdio<null, Readable, Readable>;
  } finally {
    // The child holds its own copy of the descriptor.
    void file.handle?.close();
  }
}
