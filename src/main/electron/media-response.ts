/**
 * The response of the `timbre-media:` protocol, kept free of electron imports so it can be tested
 * under plain Node (Request/Response are the same Fetch API classes in Node and Electron's main).
 * What to answer is decided by ../api/media, shared with browser mode; this only builds the Response.
 */
import { Readable } from 'node:stream';
import { answerCover } from '../api/cover-answer';
import { answerMedia } from '../api/media';
import type { TimbreService } from '../api/service-types';

/** Answers one `timbre-media://cover/<id>?size=` request (a cover thumbnail), or one `timbre-media://track/<id>` request: 200, 206 for a Range, 416, or 404 for anything not catalogued. */
export async function answerMediaRequest(
  service: TimbreService,
  request: Request,
  ffmpeg?: () => Promise<string>,
): Promise<Response> {
  const url = new URL(request.url);
  if (url.host === 'cover') {
    const cover = await answerCover(service, {
      method: request.method,
      rawId: url.pathname.replace(/^\//, ''),
      size: url.searchParams.get('size'),
      ifNoneMatch: request.headers.get('if-none-match'),
    });
    return new Response(cover.body ? new Uint8Array(cover.body) : null, {
      status: cover.status,
      headers: cover.headers,
    });
  }
  const rawId = url.host === 'track' ? url.pathname.replace(/^\//, '') : '';
  const answer = await answerMedia(
    service,
    {
      method: request.method,
      rawId,
      transcode: url.searchParams.get('transcode') === '1',
      start: url.searchParams.get('start'),
      range: request.headers.get('range'),
      ifRange: request.headers.get('if-range'),
    },
    ffmpeg,
  );
  const init = { status: answer.status, headers: answer.headers };
  if (answer.kind === 'text') return new Response(answer.text, init);
  if (!answer.body) return new Response(null, init);
  // Asked for and given up on before the answer was ready (a seek): open or start nothing.
  if (request.signal.aborted) {
    await answer.release();
    return new Response(null, init);
  }
  if (answer.kind === 'file') {
    const file = answer.open();
    return new Response(Readable.toWeb(file) as ReadableStream<Uint8Array>, init);
  }
  const child = answer.spawn();
  child.stderr.resume();
  child.on('error', () => child.stdout.destroy());
  request.signal.addEventListener('abort', () => child.kill('SIGKILL'));
  return new Response(Readable.toWeb(child.stdout) as ReadableStream<Uint8Array>, init);
}
