/**
 * How a catalogued track's audio reaches the player, decided once for both transports: the
 * browser-mode HTTP server (`/media/<id>`) and the Electron `timbre-media:` protocol. Each
 * transport only turns the answer into its own response type and streams the body.
 *
 * Only files the service resolves for a track id are served; byte ranges are answered with 206 (the
 * player cannot seek otherwise); `?transcode=1` streams Ogg/Opus from ffmpeg for formats the
 * browser engine cannot decode, from `&start=S` seconds when given (a transcode cannot be ranged,
 * so the player seeks in one by asking for a new one).
 *
 * Failures answer in words the player shows as they are: which track is unknown, a file gone from
 * disk, a file that cannot be read. The player asks again with a one-byte range when the audio
 * element fails, because the element itself only reports "cannot decode" for all of them.
 *
 * A file is served only while it is still the catalogued one (media-identity.ts), checked on the
 * descriptor the body is then read from (or that ffmpeg inherits): a catalogued file replaced by
 * a link to `/etc/shadow` is a 404, and the track is marked changed.
 */
import type { ChildProcessByStdio } from 'node:child_process';
import { open, type FileHandle } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Readable } from 'node:stream';
import type { Settings, Track } from '../../shared/types';
import { IMPORTED_NO_AUDIO, IMPORTED_PATH_PREFIX, isImported } from '../../shared/imported';
import { resolveFfmpeg } from '../ffmpeg/resolve';
import { spawnTranscoder, TRANSCODE_TYPE } from '../ffmpeg/transcode';
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
  /** `start` as it stands in the URL (seconds into the track for a transcode). */
  start?: string | null;
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
      /** Closes the file when the body will not be sent after all (the client hung up first). */
      release(): Promise<void>;
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
      /** Seconds into the track where the stream starts. */
      start: number;
      body: boolean;
      /** Starts ffmpeg on the verified file from `start`. Call once when `body` is true. */
      spawn(): ChildProcessByStdio<null, Readable, Readable>;
      /** Closes the file when ffmpeg will not be started after all (the client hung up first). */
      release(): Promise<void>;
    };

/** Longest start accepted (a day): anything beyond is a bad request, not a long silence. */
const MAX_START = 86_400;

/** Parses `start`: absent means 0; anything but a finite number in [0, MAX_START] is null. */
export function parseStart(raw: string | null | undefined): number | null {
  if (raw === null || raw === undefined || raw === '') return 0;
  if (!/^\d+(\.\d+)?$/.test(raw)) return null;
  const n = Number(raw);
  return Number.isFinite(n) && n <= MAX_START ? n : null;
}

const text = (status: number, message: string, headers: MediaHeaders = {}): MediaAnswer => ({
  kind: 'text',
  status,
  text: message,
  headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers },
});

const noBody = (): Readable => {
  throw new Error('this media answer has no body');
};

/**
 * Decides the answer to one media request. The file is opened and verified here; its descriptor
 * is closed unless the answer has a body, which `open` or `spawn` then reads from it.
 */
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
  if (!file) {
    // A track made from a feature table is in the library but has no file: say so, do not look for one.
    const track = id ? ((await service.invoke('library.track', { id })) as Track | null) : null;
    if (track && isImported(track))
      return text(
        404,
        `${IMPORTED_NO_AUDIO}: “${track.title}” was made from a feature table (${track.root.slice(IMPORTED_PATH_PREFIX.length)}); there is no file to play`,
      );
    return text(404, 'this track is not in the library');
  }
  const path = file.path;
  let handle: FileHandle;
  try {
    handle = await open(fsPath(file), 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'EACCES' || code === 'EPERM')
      return text(403, `unreadable: ${path} cannot be read (permission denied)`);
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP')
      return text(404, `gone from disk: ${path} no longer exists (moved, renamed or deleted?)`);
    return text(403, `unreadable: ${path} cannot be read (${code})`);
  }
  let problem: string | null;
  let notAFile = false;
  try {
    notAFile = !(await handle.stat()).isFile();
    problem = await identityProblem(handle, file);
  } catch (err) {
    problem = `it cannot be read (${err instanceof Error ? err.message : String(err)})`;
  }
  if (problem) {
    await handle.close();
    await service.mediaChanged(id).catch(() => undefined);
    if (notAFile) return text(404, `gone from disk: ${path} is not a file any more`);
    return text(404, `the track file changed since it was scanned (${problem}); rescan the library`);
  }
  const { size, mtimeMs } = file;
  const mtime = new Date(mtimeMs);

  if (request.transcode) {
    const refuse = async (answer: MediaAnswer): Promise<MediaAnswer> => {
      await handle.close();
      return answer;
    };
    const start = parseStart(request.start);
    if (start === null) return refuse(text(400, 'start must be a number of seconds'));
    if (!ffmpeg) return refuse(text(501, 'transcoding is not available'));
    let bin: string;
    try {
      bin = await ffmpeg();
    } catch (err) {
      return refuse(
        text(503, `no ffmpeg to transcode with: ${err instanceof Error ? err.message : String(err)}`),
      );
    }
    if (!body) await handle.close();
    // Until ffmpeg takes it, the descriptor is this answer's to close.
    let taken = !body;
    const headers = { 'Content-Type': TRANSCODE_TYPE, 'Cache-Control': 'no-store', 'Accept-Ranges': 'none' };
    return {
      kind: 'transcode',
      status: 200,
      headers,
      path,
      ffmpeg: bin,
      start,
      body,
      spawn: () => {
        if (!body || taken) throw new Error('this media answer has no body');
        taken = true;
        return spawnTranscoder(bin, { path, handle }, start);
      },
      release: async () => {
        if (taken) return;
        taken = true;
        await handle.close();
      },
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
  if (range.kind === 'unsatisfiable') {
    await handle.close();
    headers['Content-Range'] = `bytes */${size}`;
    headers['Content-Length'] = '0';
    return {
      kind: 'file',
      status: 416,
      headers,
      path,
      open: noBody,
      release: () => Promise.resolve(),
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
  // Until a stream owns it (and closes it when it ends or is destroyed), the answer does.
  let taken = !sends;
  const openBody = (): Readable => {
    if (taken) throw new Error('this media answer has no body');
    taken = true;
    return handle.createReadStream({ start, end, autoClose: true });
  };
  return {
    kind: 'file',
    status,
    headers,
    path,
    open: sends ? openBody : noBody,
    release: async () => {
      if (taken) return;
      taken = true;
      await handle.close();
    },
    start,
    end,
    length,
    body: sends,
  };
}
