/** Turning a file the player cannot decode into a stream it can: one ffmpeg child per request. */
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';

/** The Content-Type of a transcoded stream. */
export const TRANSCODE_TYPE = 'audio/ogg';

/**
 * Starts ffmpeg turning any audio file it can read (AIFF, WMA, APE, tracker modules, …) into an
 * Ogg/Opus stream on stdout, from `start` seconds. The stream has no length and cannot be ranged:
 * the player seeks in it by asking for a new one from the position.
 */
export function spawnTranscoder(
  ffmpeg: string,
  path: string,
  start = 0,
): ChildProcessByStdio<null, Readable, Readable> {
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin'];
  // Input seeking: ffmpeg skips to the position before decoding (fast, to the nearest frame).
  if (start > 0) args.push('-ss', start.toFixed(3));
  args.push('-i', path);
  args.push('-map', '0:a:0', '-vn', '-c:a', 'libopus', '-b:a', '160k', '-f', 'ogg', 'pipe:1');
  return spawn(ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
}
