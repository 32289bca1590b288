/**
 * Starting an ffmpeg run: directly (child_process.spawn), or through a small shell kept for the
 * life of this process, so that a large process does not fork once per track.
 *
 * Why the shell: on Linux, Node starts a child with fork() (libuv 1.46) and fork() marks every
 * page of the parent copy-on-write. Once the child has exec'd the pages are the parent's alone
 * again, but its first write to each of them still takes a page fault — and on the development VM
 * (a Firecracker guest) one costs ~22 µs. Measured: refilling a kept 26 MB buffer costs 2 ms CPU,
 * and 145 ms right after spawning /bin/true (6,657 faults; 300 MB: 1.6 s). An analysis worker
 * writes its PCM buffers (26 MB at 32 kHz for a 3.4-minute track, 13 MB halved) and its other
 * working memory once per track, so each spawn of ffmpeg cost it ~150 ms of faults in the decode
 * step alone and more in the steps after it. Measured on 16 corpus tracks (0.95 h, mn04, one
 * process doing a worker's loop, bench/decode-cpu.ts): worker CPU 20.7 s with ffmpeg forked from
 * it (294,000 minor faults; reading the PCM 3.1 s, halving 4.7 s, features 9.2 s, model 3.7 s)
 * against 12.5 s through the shell (13,000 faults; 0.5, 3.1, 7.4 and 1.4 s). The shell (dash, bash
 * or any POSIX sh) is forked once, by a worker before it loads its model (prepareLauncher); it
 * reads one command line per run and forks ffmpeg itself, and its own memory is a few hundred KB,
 * so its forks fault almost nothing.
 *
 * The shell cannot receive descriptors, so ffmpeg opens ours by name, `/proc/<our pid>/fd/<n>`
 * (the spool files, an input opened by its bytes): the same open files. ffmpeg's stderr is the
 * shell's, a pipe to us shared by the runs of that shell (one at a time); after ffmpeg has exited
 * the shell writes an end marker on it, so the run's whole stderr has arrived when it settles. On
 * its stdout the shell reports ffmpeg's pid (to kill it), its exit status, and the CPU time of its
 * children (`times`): ffmpeg is the shell's child, not ours, so our children clock does not see it.
 *
 * Only on Linux with the tmpfs spool (pcm-spool.ts): with pipes the output has to be ours. Should
 * the shell fail (no /bin/sh, /proc not readable, the shell dies) runs start directly for the rest
 * of the process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';

/** How a run ended. `cpuMs`: ffmpeg's CPU time where the launcher measured it, else null. */
export interface RunEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  cpuMs: number | null;
}

/** One ffmpeg run, however it was started. Exactly one of `onClose` / `onError` is called. */
export interface FfmpegRun {
  onStderr(listener: (text: string) => void): void;
  /** ffmpeg ended; its whole stderr has been passed to onStderr before. */
  onClose(listener: (end: RunEnd) => void): void;
  /** It could not run. `launcherLost`: the shell failed, not ffmpeg: start the run again directly. */
  onError(listener: (err: Error, launcherLost: boolean) => void): void;
  kill(): void;
}

/** Starts ffmpeg as our own child (`stdio` as for spawn: the outputs are descriptors or pipes). */
export function spawnDirect(
  bin: string,
  args: string[],
  stdio: (number | 'ignore' | 'pipe')[],
): { run: FfmpegRun; child: ChildProcess } {
  const child = spawn(bin, args, { stdio, windowsHide: true });
  let onStderr: (text: string) => void = () => undefined;
  let onClose: (end: RunEnd) => void = () => undefined;
  let onError: (err: Error, lost: boolean) => void = () => undefined;
  let error: Error | null = null;
  let ended = false;
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => onStderr(text));
  child.on('error', (err) => {
    error = err;
    // 'close' may not follow a spawn failure
    if (child.pid === undefined && !ended) {
      ended = true;
      onError(err, false);
    }
  });
  child.on('close', (code, signal) => {
    if (ended) return;
    ended = true;
    if (error) onError(error, false);
    else onClose({ code, signal, cpuMs: null });
  });
  const run: FfmpegRun = {
    onStderr: (l) => void (onStderr = l),
    onClose: (l) => void (onClose = l),
    onError: (l) => void (onError = l),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
  return { run, child };
}

/** Written on the shell's stderr after each run (a control character: ffmpeg never prints one). */
const END_MARK = '\u0001timbre-run-end\n';

/**
 * The shell's loop: one command line per run. The line checks that /proc/<pid>/fd can be opened
 * (else status -1: the launcher is unusable here), runs ffmpeg in the background to learn its pid,
 * waits for it, then reports the children's CPU (`times`), the status and the stderr marker.
 */
const LOOP = 'while IFS= read -r line; do eval "$line"; done';

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

const signalNames = new Map<number, NodeJS.Signals>(
  Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]),
);

/** `times`' second line: the children's user and system time ("0m1.230000s 0m0.120000s"). */
function parseTimes(line: string): number | null {
  const m = /^(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s$/.exec(line.trim());
  if (!m) return null;
  return (Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4])) * 1000;
}

interface Job {
  run: FfmpegRun;
  stderr: (text: string) => void;
  close: (end: RunEnd) => void;
  error: (err: Error, lost: boolean) => void;
  pid: number | null;
  killWanted: boolean;
  status: number | null;
  stderrDone: boolean;
  cpuMs: number | null;
}

/** One kept shell: runs one ffmpeg at a time. */
class Shell {
  private readonly child: ChildProcess;
  private readonly stdin: Writable;
  private job: Job | null = null;
  private dead = false;
  private outTail = '';
  private errPending = '';
  private timesLines: string[] = [];
  private childrenMs = 0;

  constructor(private readonly onDead: (shell: Shell) => void) {
    this.child = spawn('/bin/sh', ['-c', LOOP], { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    this.stdin = this.child.stdin!;
    const out = this.child.stdout as Readable;
    const err = this.child.stderr as Readable;
    out.setEncoding('utf8');
    err.setEncoding('utf8');
    out.on('data', (text: string) => this.onOut(text));
    err.on('data', (text: string) => this.onErr(text));
    this.stdin.on('error', () => this.die(new Error('the launcher shell stopped reading')));
    this.child.on('error', (e) => this.die(e));
    this.child.on('exit', () => this.die(new Error('the launcher shell exited')));
    this.idle();
  }

  get busy(): boolean {
    return this.job !== null;
  }

  get alive(): boolean {
    return !this.dead;
  }

  /** Starts `bin args` with output i on fd 1, 3, 4, … opened from our descriptors `outFds[i]`. */
  start(bin: string, args: string[], outFds: number[]): FfmpegRun {
    const self = `/proc/${process.pid}/fd`;
    const redirects = outFds.map((fd, i) => `${i === 0 ? '' : i + 2}>${quote(`${self}/${fd}`)}`);
    const command = [bin, ...args].map(quote).join(' ');
    const line =
      `if [ -w ${quote(`${self}/${outFds[0]}`)} ]; then ${command} </dev/null ${redirects.join(' ')} & ` +
      `echo "p $!"; wait $!; s=$?; else s=-1; fi; times; echo "x $s"; printf '\\001timbre-run-end\\n' >&2\n`;
    const job: Job = {
      run: {
        onStderr: (l) => void (job.stderr = l),
        onClose: (l) => void (job.close = l),
        onError: (l) => void (job.error = l),
        kill: () => this.kill(job),
      },
      stderr: () => undefined,
      close: () => undefined,
      error: () => undefined,
      pid: null,
      killWanted: false,
      status: null,
      stderrDone: false,
      cpuMs: null,
    };
    this.job = job;
    this.ref();
    this.stdin.write(line);
    return job.run;
  }

  private kill(job: Job): void {
    // Not once the shell has reported the status: the pid is reaped and may be reused.
    if (this.job !== job || job.status !== null) return;
    job.killWanted = true;
    if (job.pid !== null) {
      try {
        process.kill(job.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }

  private onOut(text: string): void {
    const lines = (this.outTail + text).split('\n');
    this.outTail = lines.pop() ?? '';
    for (const line of lines) {
      const job = this.job;
      if (!job) continue;
      if (line.startsWith('p ')) {
        const pid = Number(line.slice(2));
        // Never 0 or less: process.kill would signal a whole process group.
        job.pid = Number.isInteger(pid) && pid > 1 ? pid : null;
        if (job.killWanted) {
          job.killWanted = false;
          this.kill(job);
        }
      } else if (line.startsWith('x ')) {
        job.status = Number(line.slice(2));
        const total = parseTimes(this.timesLines[this.timesLines.length - 1] ?? '');
        if (total !== null) {
          job.cpuMs = total - this.childrenMs;
          this.childrenMs = total;
        }
        this.timesLines = [];
        this.settle();
      } else {
        this.timesLines.push(line);
      }
    }
  }

  private onErr(text: string): void {
    this.errPending += text;
    const at = this.errPending.indexOf(END_MARK);
    if (at >= 0) {
      const last = this.errPending.slice(0, at);
      this.errPending = this.errPending.slice(at + END_MARK.length);
      if (last) this.job?.stderr(last);
      if (this.job) this.job.stderrDone = true;
      this.settle();
      return;
    }
    // Pass on all but what could be the start of the marker.
    let keep = 0;
    for (let n = Math.min(END_MARK.length - 1, this.errPending.length); n > 0; n--) {
      if (END_MARK.startsWith(this.errPending.slice(-n))) {
        keep = n;
        break;
      }
    }
    const now = this.errPending.slice(0, this.errPending.length - keep);
    this.errPending = this.errPending.slice(this.errPending.length - keep);
    if (now) this.job?.stderr(now);
  }

  private settle(): void {
    const job = this.job;
    if (!job || job.status === null || !job.stderrDone) return;
    this.job = null;
    this.idle();
    const s = job.status;
    if (s < 0) {
      this.die(new Error(`the launcher shell cannot open /proc/${process.pid}/fd`));
      job.error(new Error(`the launcher shell cannot open /proc/${process.pid}/fd`), true);
      return;
    }
    const signal = s > 128 ? (signalNames.get(s - 128) ?? null) : null;
    job.close({ code: signal ? null : s, signal, cpuMs: job.cpuMs });
  }

  private die(err: Error): void {
    if (this.dead) return;
    this.dead = true;
    this.onDead(this);
    const job = this.job;
    this.job = null;
    if (job) {
      if (job.pid !== null) {
        try {
          process.kill(job.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      job.error(err, true);
    }
    this.child.kill('SIGKILL');
  }

  /** An idle shell does not keep this process alive (it exits when its stdin closes with us). */
  private idle(): void {
    this.child.unref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) {
      (s as unknown as { unref?: () => void } | null)?.unref?.();
    }
  }

  private ref(): void {
    this.child.ref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) {
      (s as unknown as { ref?: () => void } | null)?.ref?.();
    }
  }
}

const shells: Shell[] = [];
/** Whether a shell failed once (then runs start directly for the rest of the process). */
let unusable = process.platform !== 'linux';

/**
 * Starts ffmpeg through a kept shell, its outputs opened from our descriptors `outFds` (fd 1, 3,
 * 4, …), or answers null when that is not possible here (start it directly then).
 */
export function launch(bin: string, args: string[], outFds: number[]): FfmpegRun | null {
  // TIMBRE_DECODE_DIRECT: ffmpeg as our own child, as before the launcher (to measure against it).
  if (unusable || outFds.length === 0 || process.env.TIMBRE_DECODE_DIRECT) return null;
  // A command line holds one line: an argument with a newline (or a NUL) cannot be passed.
  if ([bin, ...args].some((a) => /[\n\0]/.test(a))) return null;
  const shell = idleShell();
  return shell ? shell.start(bin, args, outFds) : null;
}

function idleShell(): Shell | null {
  const idle = shells.find((s) => !s.busy && s.alive);
  if (idle) return idle;
  try {
    const shell = new Shell((dead) => {
      unusable = true;
      const i = shells.indexOf(dead);
      if (i >= 0) shells.splice(i, 1);
    });
    shells.push(shell);
    return shell;
  } catch {
    unusable = true;
    return null;
  }
}

/**
 * Starts the launcher shell now, where it will be used: a process that is going to grow (a worker
 * before it loads its model) forks while it is small, and its later writes fault less.
 */
export function prepareLauncher(): void {
  if (!unusable && !process.env.TIMBRE_DECODE_DIRECT) idleShell();
}
