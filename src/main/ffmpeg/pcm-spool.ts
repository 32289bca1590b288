/**
 * ffmpeg's PCM through a memory-backed file instead of a pipe, where the system has one (Linux's
 * /dev/shm). ffmpeg writes each output to an unlinked file in tmpfs (handed to it as its stdout or
 * fd 3, 4, …); once it exits the worker reads the whole file into its kept buffer in one call.
 *
 * Why: reading a pipe costs Node one 64 KB buffer and one event per chunk. Measured on the
 * development VM over 16 corpus tracks (0.86 h at 32 kHz, 394 MB of PCM): 7.4 s of worker CPU
 * reading the pipes beside 10.3 s for ffmpeg itself; through tmpfs files, on 8 tracks, the
 * worker's share fell from 3.0 s to 1.3 s CPU for +0.2–0.3 s in ffmpeg. The files are unlinked as
 * soon as they are open, so nothing is left behind whatever happens to either process; their pages
 * are freed when the last descriptor closes.
 *
 * With a spool, ffmpeg is started by the launcher shell (launcher.ts) and opens the files by
 * their /proc/<pid>/fd names. Elsewhere (no /dev/shm, or it cannot be written) the decoder keeps
 * its pipes, and ffmpeg is its own child.
 */
import { closeSync, fstatSync, openSync, readSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

const SHM_DIR = '/dev/shm';
let counter = 0;
/** Whether tmpfs spooling failed once (then pipes for the rest of the process). */
let unavailable = process.platform !== 'linux';

/** Open, already-unlinked spool files, one per decoder output. */
export class PcmSpool {
  private closed = false;

  private constructor(readonly fds: number[]) {}

  /** `outputs` spool files, or null where the system has no tmpfs to use (use pipes then). */
  static open(outputs: number): PcmSpool | null {
    if (unavailable || process.env.TIMBRE_DECODE_PIPES) return null;
    const fds: number[] = [];
    try {
      for (let i = 0; i < outputs; i++) {
        const path = join(SHM_DIR, `timbre-pcm-${process.pid}-${++counter}.f32`);
        const fd = openSync(path, 'wx+', 0o600);
        fds.push(fd);
        unlinkSync(path);
      }
      return new PcmSpool(fds);
    } catch {
      for (const fd of fds) closeSync(fd);
      unavailable = true;
      return null;
    }
  }

  /** Bytes written so far to output `i` (the stall watch reads it). */
  size(i: number): number {
    try {
      return fstatSync(this.fds[i]).size;
    } catch {
      return 0;
    }
  }

  /** Reads up to `maxBytes` of output `i` into `into` (at least `maxBytes` long); returns the bytes read. */
  read(i: number, into: Uint8Array, maxBytes: number): number {
    let done = 0;
    while (done < maxBytes) {
      const n = readSync(this.fds[i], into, done, maxBytes - done, done);
      if (n <= 0) break;
      done += n;
    }
    return done;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fd of this.fds) {
      try {
        closeSync(fd);
      } catch {
        /* already gone */
      }
    }
  }
}
