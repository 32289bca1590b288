/**
 * M3U playlists: writing a queue as an extended M3U (UTF-8, `#EXTINF` with duration and
 * "artist - title", one absolute path a line) and reading one back into paths. Reading accepts
 * what other players write: relative paths (against the playlist's folder), `file://` URLs,
 * Windows line ends, a byte-order mark and comment lines. Which paths are catalogued is the
 * caller's business (the service resolves them against the catalog).
 */
import { randomBytes } from 'node:crypto';
import { rename, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Track } from '../../shared/types';

export const PLAYLIST_EXTENSIONS = ['.m3u', '.m3u8'];

export function isPlaylistPath(path: string): boolean {
  return isAbsolute(path) && PLAYLIST_EXTENSIONS.includes(extname(path).toLowerCase());
}

/** Text of an extended M3U for `tracks`, in order. */
export function formatM3u(tracks: Track[]): string {
  const lines = ['#EXTM3U'];
  for (const t of tracks) {
    const name = `${t.artist} - ${t.title || t.path}`.replace(/[\r\n]+/g, ' ');
    lines.push(`#EXTINF:${Math.round(t.duration) || -1},${name}`, t.path);
  }
  return lines.join('\n') + '\n';
}

/** The file paths an M3U lists, in order, resolved against `baseDir`. */
export function parseM3u(text: string, baseDir: string): string[] {
  const paths: string[] = [];
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    if (/^file:\/\//i.test(line)) {
      try {
        paths.push(fileURLToPath(line));
      } catch {
        // a file URL for another host: not ours to play
      }
      continue;
    }
    // Streams and other URLs are not local files.
    if (/^[a-z][a-z0-9+.-]+:\/\//i.test(line)) continue;
    paths.push(resolve(baseDir, line.replace(/\\/g, '/')));
  }
  return paths;
}

/** Writes `text` to `path` whole or not at all (a temp file beside it, then a rename). */
export async function writePlaylist(path: string, text: string): Promise<void> {
  const folder = dirname(path);
  const info = await stat(folder).catch(() => null);
  if (!info?.isDirectory()) throw new Error(`the folder ${folder} does not exist`);
  const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, text, 'utf8');
  await rename(temp, path);
}

export async function readPlaylist(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8');
  return parseM3u(text, dirname(path));
}
