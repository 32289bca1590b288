/**
 * Finding an ffmpeg binary: the path the user set, then `ffmpeg` on PATH, then the binary shipped by
 * the npm package `@ffmpeg-installer/ffmpeg` (an old static build; npm may have skipped the step
 * that makes it executable, so we set the exec bit ourselves when needed).
 */
import { execFile } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, isAbsolute, join } from 'node:path';

export type FfmpegSource = 'setting' | 'path' | 'bundled';

export interface ResolvedFfmpeg {
  path: string;
  source: FfmpegSource;
  /** The version word of `ffmpeg -version` (e.g. "5.1.6-0+deb12u1"). */
  version: string;
}

const cache = new Map<string, Promise<ResolvedFfmpeg>>();

/** Forget cached resolutions (tests; a changed setting resolves anew anyway). */
export function clearFfmpegCache(): void {
  cache.clear();
}

/** Runs `<bin> -version` and returns the version word; rejects when it does not run as ffmpeg. */
export function ffmpegVersion(bin: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(bin, ['-hide_banner', '-version'], { timeout: timeoutMs, windowsHide: true }, (err, stdout) => {
      if (err) {
        reject(new Error(`cannot run ${bin}: ${err.message.split('\n')[0]}`));
        return;
      }
      const m = /ffmpeg version (\S+)/.exec(String(stdout));
      if (!m) {
        reject(new Error(`${bin} does not look like ffmpeg (no "ffmpeg version" in its -version output)`));
        return;
      }
      resolvePromise(m[1]);
    });
  });
}

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `ffmpeg` (or `ffmpeg.exe`) found on PATH, or null. */
export function findOnPath(name = process.platform === 'win32' ? 'ffmpeg.exe' : 'ffmpeg'): string | null {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

/** The path of the `@ffmpeg-installer/ffmpeg` binary, made executable if needed; null when absent. */
export function bundledFfmpegPath(): string | null {
  let p: string;
  try {
    const require = createRequire(import.meta.url);
    const mod = require('@ffmpeg-installer/ffmpeg') as { path?: unknown };
    if (typeof mod.path !== 'string') return null;
    p = mod.path;
  } catch {
    return null;
  }
  if (!existsSync(p)) return null;
  if (process.platform !== 'win32') {
    try {
      accessSync(p, constants.X_OK);
    } catch {
      try {
        chmodSync(p, statSync(p).mode | 0o755);
      } catch {
        return null;
      }
    }
  }
  return p;
}

async function resolveUncached(settingPath: string | undefined): Promise<ResolvedFfmpeg> {
  const tried: string[] = [];
  const setting = settingPath?.trim();
  if (setting) {
    // An explicit setting must work: silently falling back would hide the user's mistake.
    if (!isAbsolute(setting) && !setting.includes('/') && !setting.includes('\\')) {
      const onPath = findOnPath(setting);
      if (onPath) return { path: onPath, source: 'setting', version: await ffmpegVersion(onPath) };
    }
    if (!existsSync(setting)) throw new Error(`ffmpeg set in the settings does not exist: ${setting}`);
    const version = await ffmpegVersion(setting).catch((err: unknown) => {
      throw new Error(`ffmpeg set in the settings does not run: ${(err as Error).message}`);
    });
    return { path: setting, source: 'setting', version };
  }
  const onPath = findOnPath();
  if (onPath) {
    try {
      return { path: onPath, source: 'path', version: await ffmpegVersion(onPath) };
    } catch (err) {
      tried.push(`PATH (${onPath}): ${(err as Error).message}`);
    }
  } else {
    tried.push('PATH: no ffmpeg');
  }
  const bundled = bundledFfmpegPath();
  if (bundled) {
    try {
      return { path: bundled, source: 'bundled', version: await ffmpegVersion(bundled) };
    } catch (err) {
      tried.push(`bundled (${bundled}): ${(err as Error).message}`);
    }
  } else {
    tried.push('bundled: @ffmpeg-installer/ffmpeg has no binary for this platform');
  }
  throw new Error(
    `No usable ffmpeg found. Install ffmpeg or set its path in the settings. Tried: ${tried.join('; ')}`,
  );
}

/**
 * Resolves the ffmpeg to use, in this order: `settingPath` (must exist and run), `ffmpeg` on PATH,
 * the `@ffmpeg-installer/ffmpeg` binary. Results (and failures) are cached per setting; a failed
 * resolution is not cached so that installing ffmpeg later helps without a restart.
 */
export function resolveFfmpeg(settingPath?: string): Promise<ResolvedFfmpeg> {
  const key = settingPath?.trim() ?? '';
  let p = cache.get(key);
  if (!p) {
    p = resolveUncached(key || undefined);
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}
