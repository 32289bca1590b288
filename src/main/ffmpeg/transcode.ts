/** Turning a file the player cannot decode into a stream it can: one ffmpeg child per request. */
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';

/** The Content-Type of a transcoded stream. */
export const TRANSCODE_TYPE = 'audio/ogg';

/**
 * Starts ffmpeg turning any audio file it can read (AIFF, WMA, APE, tracker modules, …) into an
 * Ogg/Opus stream on stdout. The stream has no length and cannot be ranged: the player cannot seek
 * in it.
 */
export function spawnTranscoder(ffmpeg: string, path: string): ChildProcessByStdio<null, Readable, Readable> {
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-i', path];
  args.push('-map', '0:a:0', '-vn', '-c:a', 'libopus', '-b:a', '160k', '-f', 'ogg', 'pipe:1');
  return spawn(ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
}
