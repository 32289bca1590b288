/**
 * Cover art, made lazily: the first request for a track's cover finds its picture (embedded in
 * the file, else cover.* / folder.* / front.* beside it), scales it with ffmpeg to a square JPEG
 * thumbnail and keeps it in the data folder's `covers/`. Later requests (and later launches) read
 * the thumbnail. Nothing happens during a scan, so the scan's speed is untouched.
 *
 * Thumbnails are named after what they were made from (the file's path, size and mtime, or the
 * cover image's), so a changed file gets a new thumbnail and the name doubles as the ETag.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Track } from '../../shared/types';

/** Edge lengths offered (px): the player bar, the album grid, an album page. */
export const coverSizes = { small: 96, grid: 320, large: 640 } as const;
export type CoverSize = keyof typeof coverSizes;

export interface Cover {
  /** The JPEG thumbnail on disk. */
  file: string;
  /** Stable while the source picture is unchanged. */
  etag: string;
  source: 'embedded' | 'folder';
}

export interface CoverStoreOptions {
  /** Where thumbnails live (created on first use). */
  dir: string;
  /** The ffmpeg binary used to scale pictures. */
  ffmpeg: () => Promise<string>;
  /** Longest a single scale may take (default 15 s). */
  timeoutMs?: number;
}

const FOLDER_NAMES = /^(cover|folder|front)\.(jpe?g|png|webp)$/i;
/** Preference among several matching files in one folder. */
const NAME_RANK = ['cover', 'folder', 'front'];

const hash = (s: string): string => createHash('sha1').update(s).digest('hex').slice(0, 24);
const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    (s) => s.isFile(),
    () => false,
  );

/** The cover image file in a folder, or null; cover.* before folder.* before front.*. */
export async function folderCover(dir: string): Promise<string | null> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return null;
  }
  const hits = names.filter((n) => FOLDER_NAMES.test(n));
  if (hits.length === 0) return null;
  const rank = (n: string) => NAME_RANK.indexOf(n.slice(0, n.indexOf('.')).toLowerCase());
  hits.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return join(dir, hits[0]);
}

export class CoverStore {
  /** Work in flight or done in this process, per track version and size. */
  private readonly memo = new Map<string, Promise<Cover | null>>();
  private ready: Promise<void> | null = null;

  constructor(private readonly opts: CoverStoreOptions) {}

  /** The track's cover at `size`, made on first request; null when it has none. */
  cover(track: Track, size: CoverSize): Promise<Cover | null> {
    const key = `${track.id}\u0000${track.path}\u0000${track.size}\u0000${track.mtimeMs}\u0000${size}`;
    let result = this.memo.get(key);
    if (!result) {
      result = this.find(track, coverSizes[size]);
      this.memo.set(key, result);
      // A failure (ffmpeg missing, a disk error) is not remembered: the next request tries again.
      result.catch(() => this.memo.delete(key));
    }
    return result;
  }

  private async find(track: Track, px: number): Promise<Cover | null> {
    await (this.ready ??= mkdir(this.opts.dir, { recursive: true }).then(() => undefined));
    const fileKey = hash(`${track.path}\u0000${track.size}\u0000${track.mtimeMs}`);
    const noPicture = join(this.opts.dir, `${fileKey}.none`);
    if (track.hasCover && !(await exists(noPicture))) {
      const file = join(this.opts.dir, `${fileKey}-${px}.jpg`);
      if (await exists(file)) return { file, etag: `"${fileKey}-${px}"`, source: 'embedded' };
      const picture = await embeddedPicture(track.path);
      if (picture) {
        await this.scale(picture, file, px);
        return { file, etag: `"${fileKey}-${px}"`, source: 'embedded' };
      }
      // Tagged as having a picture but none could be read: remember, do not parse again.
      await writeFile(noPicture, '');
    }
    const image = await folderCover(dirname(track.path));
    if (!image) return null;
    const st = await stat(image);
    const imageKey = hash(`${image}\u0000${st.size}\u0000${st.mtimeMs}`);
    const file = join(this.opts.dir, `${imageKey}-${px}.jpg`);
    if (!(await exists(file))) await this.scale(image, file, px);
    return { file, etag: `"${imageKey}-${px}"`, source: 'folder' };
  }

  /** Scales a picture (bytes or an image file) to a px × px JPEG, written atomically. */
  private async scale(input: Uint8Array | string, out: string, px: number): Promise<void> {
    const ffmpeg = await this.opts.ffmpeg();
    const tmp = `${out}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    const args = [
      '-hide_banner',
      '-loglevel',
      'error',
      '-nostdin',
      ...(typeof input === 'string' ? ['-i', input] : ['-f', 'image2pipe', '-i', 'pipe:0']),
      '-frames:v',
      '1',
      // Fill the square and crop the overflow: covers in a grid line up.
      '-vf',
      `scale=${px}:${px}:force_original_aspect_ratio=increase:flags=lanczos,crop=${px}:${px}`,
      '-q:v',
      '3',
      '-f',
      'mjpeg',
      '-y',
      tmp,
    ];
    if (typeof input !== 'string') args.splice(args.indexOf('-nostdin'), 1);
    try {
      await run(ffmpeg, args, typeof input === 'string' ? null : input, this.opts.timeoutMs ?? 15_000);
      await rename(tmp, out);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }
}

/** The front cover (or first picture) embedded in a file's tags, or null. */
export async function embeddedPicture(path: string): Promise<Uint8Array | null> {
  try {
    // Loaded on the first cover, not at start-up: every CLI command imports the service.
    const { parseFile } = await import('music-metadata');
    const meta = await parseFile(path, { skipCovers: false, duration: false });
    const pictures = meta.common.picture ?? [];
    const front = pictures.find((p) => /front/i.test(p.type ?? '')) ?? pictures[0];
    return front && front.data.length > 0 ? front.data : null;
  } catch {
    return null;
  }
}

function run(command: string, args: string[], stdin: Uint8Array | null, timeoutMs: number): Promise<void> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { stdio: [stdin ? 'pipe' : 'ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      if (stderr.length < 2000) stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolveRun();
      else
        reject(
          new Error(
            `ffmpeg could not scale the cover (${signal ?? `exit ${code}`}): ${stderr.trim().slice(0, 300)}`,
          ),
        );
    });
    if (stdin && child.stdin) {
      child.stdin.on('error', () => undefined);
      child.stdin.end(stdin);
    }
  });
}
