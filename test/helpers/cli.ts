/** Runs the built command line (`bin/timbre.mjs`) as a user would: a real process, its exit code and output. */
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../src/main/project-root';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** The data folder (TIMBRE_HOME). */
  home: string;
  /** More environment on top of this process's. */
  env?: Record<string, string>;
  /** A process still running after this long is killed (its code is then null). */
  timeoutMs?: number;
  /** The folder it runs in: by default one outside the project, as where a user types `timbre`. */
  cwd?: string;
}

export const timbreBin = (): string => join(projectRoot(), 'bin', 'timbre.mjs');

export function runTimbre(args: string[], options: CliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [timbreBin(), ...args], {
      env: { ...process.env, TIMBRE_HOME: options.home, ...options.env },
      cwd: options.cwd ?? tmpdir(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 240_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
