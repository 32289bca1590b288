/**
 * The ffmpeg path is a program Timbre runs as the user, so choosing it is not a page's decision.
 * A new path must name an ffmpeg: an absolute path to an executable file called ffmpeg (checked
 * without running it), which then answers `-version` as ffmpeg. From a transport (a page in the
 * window or the browser) the change also needs a confirmation outside the page (a native dialog
 * in the app), asked before anything is run; browser mode has none, so there it is refused and the
 * command line (`timbre ffmpeg PATH`) is the way.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { basename, isAbsolute } from 'node:path';
import { ApiError } from '../../shared/contract';
import { ffmpegVersion } from '../ffmpeg/resolve';

/** Asks the user, outside the page, whether Timbre may run this program as its ffmpeg. */
export type ConfirmFfmpegPath = (path: string) => Promise<boolean>;

const FFMPEG_NAME = /^ffmpeg[\w.-]*$/i;

/** Why a path cannot be an ffmpeg, from the file alone (nothing is run); null when it may be. */
export function ffmpegPathProblem(path: string): string | null {
  if (!isAbsolute(path)) return `the ffmpeg path must be absolute: ${path}`;
  if (!FFMPEG_NAME.test(basename(path)))
    return `${path} is not an ffmpeg (its name must start with "ffmpeg")`;
  try {
    if (!statSync(path).isFile()) return `${path} is not a file`;
    accessSync(path, constants.X_OK);
  } catch {
    return `${path} does not exist or cannot be run`;
  }
  return null;
}

/** Checks a new ffmpeg path; `confirm` is asked first when the change comes from a page. */
export async function vetFfmpegPath(
  path: string,
  from: 'page' | 'local',
  confirm?: ConfirmFfmpegPath,
): Promise<void> {
  const problem = ffmpegPathProblem(path);
  if (problem) throw new ApiError('bad_request', problem);
  if (from === 'page') {
    if (!confirm) {
      throw new ApiError(
        'bad_request',
        'the ffmpeg path cannot be changed from this page: set it on the command line with `timbre ffmpeg PATH`',
      );
    }
    if (!(await confirm(path))) throw new ApiError('cancelled', 'the new ffmpeg path was not confirmed');
  }
  try {
    await ffmpegVersion(path);
  } catch (err) {
    throw new ApiError('bad_request', (err as Error).message);
  }
}
