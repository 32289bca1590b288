/**
 * How a catalogued track's audio reaches the player, decided once for both transports: the
 * browser-mode HTTP server (`/media/<id>`) and the Electron `timbre-media:` protocol. Each
 * transport only turns the answer into its own response type and streams the body.
 *
 * Only files the service resolves for a track id are served; byte ranges are answered with 206 (the
 * player cannot seek otherwise); `?transcode=1` streams Ogg/Opus from ffmpeg for formats the
 * browser engine cannot decode.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Readable } from 'node:stream';
import type { Settings } from '../../shared/types';
import { resolveFfmpeg } from '../ffmpeg/resolve';
import type { TimbreService } from './service-types';

const audioTypes: Record<string, string> = {
  '.mp3': 'audio/mpeg',
  '.mp2': 'audio/mpeg',
  '.flac': 'audio/flac',
  '.ogg': 'audio/ogg',
  '.oga': 'audio/ogg',
  '.opus': 'audio/ogg',
  '.spx': 'audio/ogg',
  '.m4a': 'audio/mp4',
  '.m4b': 'audio/mp4',
  '.mp4': 'audio/mp4',
  '.aac': 'audio/aac',
  '.wav': 'audio/wav',
  '.wave': 'audio/wav',
  '.aif': 'audio/aiff',
  '.aiff': 'audio/aiff',
  '.aifc': 'audio/aiff',
  '.wma': 'audio/x-ms-wma',
  '.webm': 'audio/webm',
  '.weba': 'audio/webm',
  '.mka': 'audio/x-matroska',
  '.ape': 'audio/x-ape',
  '.wv': 'audio/x-wavpack',
  '.mpc': 'audio/x-musepack',
  '.mod': 'audio/x-mod',
  '.xm': 'audio/x-xm',
  '.it': 'audio/x-it',
  '.s3m': 'audio/x-s3m',
};

/** Content-Type for an audio file, by extension. */
export function audioContentType(path: string): string {
  return audioTypes[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

export type RangeResult =
  { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

/**
 * Parses a Range header against a file size (RFC 9110 §14): one `bytes=` range (`a-b`, `a-`,
 * `-n`); anything it does not understand (other units, several ranges, bad syntax) means the
 * whole file.
 */
export function parseRange(header: string | null | undefined, size: number): RangeResult {
  if (!header) return { kind: 'full' };
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return { kind: 'full' };
  const [, a, b] = m;
  if (a === '' && b === '') return { kind: 'full' };
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(a);
  let end = b === '' ? size - 1 : Number(b);
  if (b !== '' && end < start) return { kind: 'full' };
  if (start >= size) return { kind: 'unsatisfiable' };
  end = Math.min(end, size - 1);
  return { kind: 'partial', start, end };
}

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

/** The ffmpeg a service's settings point to (setting, then PATH, then the bundled one). */
export function ffmpegForService(service: TimbreService): () => Promise<string> {
  return async () => {
    const settings = (await service.invoke('settings.get', {})) as Settings;
    return (await resolveFfmpeg(settings.ffmpegPath || undefined)).path;
  };
}

export interface MediaRequest {
  method: string;
  /** The track id as it stands in the URL, still percent-encoded. */
  rawId: string;
  transcode: boolean;
  range?: string | null;
  ifRange?: string | null;
}

export type MediaHeaders = Record<string, string>;

/** What to answer; `body: false` for HEAD (headers only). */
export type MediaAnswer =
  | { kind: 'text'; status: number; text: string; headers: MediaHeaders }
  | {
      kind: 'file';
      status: 200 | 206 | 416;
      headers: MediaHeaders;
      path: string;
      /** Inclusive byte range to send; empty when `length` is 0. */
      start: number;
      end: number;
      length: number;
      body: boolean;
    }
  | { kind: 'transcode'; status: 200; headers: MediaHeaders; path: string; ffmpeg: string; body: boolean };

const text = (status: number, message: string, headers: MediaHeaders = {}): MediaAnswer => ({
  kind: 'text',
  status,
  text: message,
  headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers },
});

/** Decides the answer to one media request (nothing is opened or spawned yet). */
export async function answerMedia(
  service: TimbreService,
  request: MediaRequest,
  ffmpeg?: () => Promise<string>,
): Promise<MediaAnswer> {
  if (request.method !== 'GET' && request.method !== 'HEAD')
    return text(405, 'method not allowed', { Allow: 'GET, HEAD' });
  const body = request.method === 'GET';
  let id: string;
  try {
    id = decodeURIComponent(request.rawId);
  } catch {
    return text(400, 'bad track id');
  }
  const path = id ? await service.mediaPath(id) : null;
  if (!path) return text(404, 'no such track');
  let size: number;
  let mtime: Date;
  try {
    const st = await stat(path);
    if (!st.isFile()) return text(404, 'the track file is missing');
    size = st.size;
    mtime = st.mtime;
  } catch {
    return text(404, 'the track file is missing');
  }

  if (request.transcode) {
    if (!ffmpeg) return text(501, 'transcoding is not available');
    let bin: string;
    try {
      bin = await ffmpeg();
    } catch (err) {
      return text(503, `no ffmpeg to transcode with: ${err instanceof Error ? err.message : String(err)}`);
    }
    const headers = { 'Content-Type': TRANSCODE_TYPE, 'Cache-Control': 'no-store', 'Accept-Ranges': 'none' };
    return { kind: 'transcode', status: 200, headers, path, ffmpeg: bin, body };
  }

  const etag = `W/"${size.toString(16)}-${Math.floor(mtime.getTime()).toString(16)}"`;
  let range = parseRange(request.range, size);
  // A range of an older version of the file would splice two files together: send it whole.
  if (request.ifRange && request.ifRange !== etag && request.ifRange !== mtime.toUTCString())
    range = { kind: 'full' };
  const headers: MediaHeaders = {
    'Content-Type': audioContentType(path),
    'Accept-Ranges': 'bytes',
    ETag: etag,
    'Last-Modified': mtime.toUTCString(),
    'Cache-Control': 'private, no-cache',
  };
  if (range.kind === 'unsatisfiable') {
    headers['Content-Range'] = `bytes */${size}`;
    headers['Content-Length'] = '0';
    return { kind: 'file', status: 416, headers, path, start: 0, end: -1, length: 0, body: false };
  }
  const start = range.kind === 'partial' ? range.start : 0;
  const end = range.kind === 'partial' ? range.end : size - 1;
  const length = size === 0 ? 0 : end - start + 1;
  headers['Content-Length'] = String(length);
  if (range.kind === 'partial') headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  const status = range.kind === 'partial' ? 206 : 200;
  return { kind: 'file', status, headers, path, start, end, length, body: body && length > 0 };
}
