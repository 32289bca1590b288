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
import { open, type FileHandle } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Readable } from 'node:stream';
import type { Settings } from '../../shared/types';
import { resolveFfmpeg } from '../ffmpeg/resolve';
import { fsPath } from '../store/raw-path';
import { identityProblem } from './media-identity';
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
export function spawnTranscoder(
  ffmpeg: string,
  input: { path: string; handle?: FileHandle },
): ChildProcessByStdio<null, Readable, Readable> {
  // The verified descriptor is inherited and read as /dev/fd/3 (POSIX): ffmpeg reads the file that
  // was checked, whatever its name (a name that is not UTF-8 cannot be an argument anyway).
  const inherit = input.handle && process.platform !== 'win32';
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-i', inherit ? '/dev/fd/3' : input.path];
  args.push('-map', '0:a:0', '-vn', '-c:a', 'libopus', '-b:a', '160k', '-f', 'ogg', 'pipe:1');
  const stdio: ['ignore', 'pipe', 'pipe', ...number[]] = ['ignore', 'pipe', 'pipe'];
  if (inherit && input.handle) stdio.push(input.handle.fd);
  try {
    return spawn(ffmpeg, args, { stdio }) as ChildProcessByStdio<null, Readable, Readable>;
  } finally {
    // The child holds its own copy of the descriptor.
    void input.handle?.close();
  }
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
      /** Readable path (for messages); the bytes come from `open`. */
      path: string;
      /** The body: the verified file's range. Call once when `body` is true. */
      open(): Readable;
      /** Inclusive byte range to send; empty when `length` is 0. */
      start: number;
      end: number;
      length: number;
      body: boolean;
    }
  | {
      kind: 'transcode';
      status: 200;
      headers: MediaHeaders;
      path: string;
      ffmpeg: string;
      body: boolean;
      /** Starts ffmpeg on the verified file. Call once when `body` is true. */
      spawn(): ChildProcessByStdio<null, Readable, Readable>;
    };

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
  const file = id ? await service.mediaFile(id) : null;
  if (!file) return text(404, 'no such track');
  const path = file.path;
  let handle: FileHandle;
  try {
    handle = await open(fsPath(file), 'r');
  } catch {
    return text(404, 'the track file is missing');
  }
  let problem: string | null;
  try {
    problem = await identityProblem(handle, file);
  } catch (err) {
    problem = `it cannot be read (${err instanceof Error ? err.message : String(err)})`;
  }
  if (problem) {
    await handle.close();
    await service.mediaChanged(id).catch(() => undefined);
    return text(404, `the track file changed since it was scanned (${problem}); rescan the library`);
  }
  const { size, mtimeMs } = file;
  const mtime = new Date(mtimeMs);

  if (request.transcode) {
    let bin: string | undefined;
    let refusal: MediaAnswer | undefined;
    if (!ffmpeg) refusal = text(501, 'transcoding is not available');
    else {
      try {
        bin = await ffmpeg();
      } catch (err) {
        refusal = text(
          503,
          `no ffmpeg to transcode with: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
    if (refusal || !bin || !body) {
      await handle.close();
      if (refusal) return refusal;
    }
    const headers = { 'Content-Type': TRANSCODE_TYPE, 'Cache-Control': 'no-store', 'Accept-Ranges': 'none' };
    const ffmpegBin = bin as string;
    return {
      kind: 'transcode',
      status: 200,
      headers,
      path,
      ffmpeg: ffmpegBin,
      body,
      spawn: () => spawnTranscoder(ffmpegBin, { path, handle }),
    };
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
  const none = (): Readable => {
    throw new Error('this media answer has no body');
  };
  if (range.kind === 'unsatisfiable') {
    await handle.close();
    headers['Content-Range'] = `bytes */${size}`;
    headers['Content-Length'] = '0';
    return {
      kind: 'file',
      status: 416,
      headers,
      path,
      open: none,
      start: 0,
      end: -1,
      length: 0,
      body: false,
    };
  }
  const start = range.kind === 'partial' ? range.start : 0;
  const end = range.kind === 'partial' ? range.end : size - 1;
  const length = size === 0 ? 0 : end - start + 1;
  headers['Content-Length'] = String(length);
  if (range.kind === 'partial') headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  const status = range.kind === 'partial' ? 206 : 200;
  const sends = body && length > 0;
  if (!sends) await handle.close();
  const openBody = (): Readable => handle.createReadStream({ start, end, autoClose: true });
  return {
    kind: 'file',
    status,
    headers,
    path,
    open: sends ? openBody : none,
    start,
    end,
    length,
    body: sends,
  };
}
