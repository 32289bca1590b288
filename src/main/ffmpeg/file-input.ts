/** Handing a file to a child ffmpeg, whatever bytes its name is made of. */
import { closeSync, openSync } from 'node:fs';
import { fsPath, type PathRef } from '../store/raw-path';

/** How a child ffmpeg reads a file: the argument for `-i` and the stdio to spawn with. */
export interface FfmpegFileInput {
  arg: string;
  stdio: (number | 'ignore' | 'pipe')[];
  /** Closes what was opened for the child (call once it has spawned, or failed to). */
  close(): void;
}

/**
 * A child's arguments are strings, and Node passes strings as UTF-8: a raw name cannot be named on
 * ffmpeg's command line. The file is opened here by its bytes and handed to ffmpeg as an inherited
 * descriptor, which it opens again as `/dev/fd/N` (a regular file: seeking works). Raw names occur
 * on Linux and other Unix systems, where `/dev/fd` exists; Windows and macOS names are Unicode.
 */
export function ffmpegFileInput(
  ref: PathRef,
  stdio: (number | 'ignore' | 'pipe')[],
  how: 'inherit' | 'proc' = 'inherit',
): FfmpegFileInput {
  if (!ref.pathBytes) return { arg: ref.path, stdio, close: () => undefined };
  const fd = openSync(fsPath(ref), 'r');
  let open = true;
  // 'proc': ffmpeg is not our child (see launcher.ts) and opens our descriptor by its /proc name;
  // close it only once ffmpeg has ended.
  if (how === 'proc') {
    return {
      arg: `/proc/${process.pid}/fd/${fd}`,
      stdio,
      close: () => {
        if (open) closeSync(fd);
        open = false;
      },
    };
  }
  return {
    arg: `/dev/fd/${stdio.length}`,
    stdio: [...stdio, fd],
    close: () => {
      if (open) closeSync(fd);
      open = false;
    },
  };
}
