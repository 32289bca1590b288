/**
 * The response of the `timbre-media:` protocol, kept free of electron imports so it can be tested
 * under plain Node (Request/Response are the same Fetch API classes in Node and Electron's main).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { audioContentType, parseRange, spawnTranscoder, TRANSCODE_TYPE } from '../api/http-server';
import type { TimbreService } from '../api/service-types';

function plain(status: number, text: string, headers: Record<string, string> = {}): Response {
  return new Response(text, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', ...headers } });
}

/** Answers one `timbre-media://track/<id>` request: 200, 206 for a Range, 416, or 404 for anything not catalogued. */
export async function answerMediaRequest(
  service: TimbreService,
  request: Request,
  ffmpeg?: () => Promise<string>,
): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'method not allowed');
  const url = new URL(request.url);
  if (url.host !== 'track') return plain(404, 'not found');
  let id: string;
  try {
    id = decodeURIComponent(url.pathname.replace(/^\//, ''));
  } catch {
    return plain(400, 'bad track id');
  }
  const path = id ? await service.mediaPath(id) : null;
  if (!path) return plain(404, 'no such track');
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) return plain(404, 'the track file is missing');
    size = st.size;
  } catch {
    return plain(404, 'the track file is missing');
  }
  if (url.searchParams.get('transcode') === '1') return transcoded(request, path, ffmpeg);
  const headers: Record<string, string> = {
    'Content-Type': audioContentType(path),
    'Accept-Ranges': 'bytes',
  };
  const range = parseRange(request.headers.get('range'), size);
  if (range.kind === 'unsatisfiable') return plain(416, '', { 'Content-Range': `bytes */${size}` });
  const start = range.kind === 'partial' ? range.start : 0;
  const end = range.kind === 'partial' ? range.end : size - 1;
  const length = size === 0 ? 0 : end - start + 1;
  headers['Content-Length'] = String(length);
  const status = range.kind === 'partial' ? 206 : 200;
  if (status === 206) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  if (request.method === 'HEAD' || length === 0) return new Response(null, { status, headers });
  const body = Readable.toWeb(createReadStream(path, { start, end })) as ReadableStream<Uint8Array>;
  return new Response(body, { status, headers });
}

/** `?transcode=1`: an Ogg/Opus stream made by ffmpeg, for formats Chromium cannot decode (no seeking). */
async function transcoded(request: Request, path: string, ffmpeg?: () => Promise<string>): Promise<Response> {
  if (!ffmpeg) return plain(501, 'transcoding is not available');
  let bin: string;
  try {
    bin = await ffmpeg();
  } catch (err) {
    return plain(503, `no ffmpeg to transcode with: ${err instanceof Error ? err.message : String(err)}`);
  }
  const headers = { 'Content-Type': TRANSCODE_TYPE, 'Accept-Ranges': 'none' };
  if (request.method === 'HEAD') return new Response(null, { status: 200, headers });
  const child = spawnTranscoder(bin, path);
  child.stderr.resume();
  child.on('error', () => child.stdout.destroy());
  request.signal.addEventListener('abort', () => child.kill('SIGKILL'));
  const body = Readable.toWeb(child.stdout) as ReadableStream<Uint8Array>;
  return new Response(body, { status: 200, headers });
}
