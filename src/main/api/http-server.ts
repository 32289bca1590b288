/**
 * Kept whole (over ~450 lines on purpose): one request pipeline (Host/Origin/token checks, then
 * routing, then the envelope) whose security checks are meant to be read and reviewed together.
 *
 * Browser mode transport: the contract over loopback HTTP.
 *
 * Security model (see docs in README / DESIGN "Browser mode"):
 * - Listens on 127.0.0.1 only, random port by default.
 * - A random 256-bit token is created per launch. Nothing is served without it: it arrives as the
 *   `x-timbre-token` header (fetch from the renderer), a `?token=` query parameter (EventSource,
 *   <audio src>, the first page load) or, for GET/HEAD only, an HttpOnly, SameSite=Strict cookie
 *   named per port (so API POSTs can never ride on the cookie: no CSRF).
 *   `GET /?token=…` sets that cookie and redirects to `/`, so the token leaves the address bar and
 *   reloads keep working. The served index.html carries the token in
 *   `<meta name="timbre-token">` for the renderer's own fetch/EventSource/media URLs.
 * - The Host header must be `127.0.0.1:<port>` or `localhost:<port>` (blocks DNS rebinding); a
 *   present Origin header must be our own origin; API calls must be `application/json` POSTs
 *   (cross-site forms cannot send them without a CORS preflight, which is never granted).
 * - Every response has a strict CSP, nosniff, no-referrer (the token never leaks in Referer) and
 *   frame-ancestors 'none'.
 * - /media serves only the files the service resolves for a catalogued track id; /cover only
 *   thumbnails the service made for one (or a placeholder).
 */
import { InFlight } from '../in-flight';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { ChildProcessByStdio } from 'node:child_process';
import { readFile, realpath, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline, type Readable } from 'node:stream';
import { extname, join, resolve, sep } from 'node:path';
import { rendererCsp } from '../../shared/csp';
import { isMethod } from '../../shared/contract';
import type { EventName, Events } from '../../shared/contract';
import {
  ApiError,
  errorEnvelope,
  HTTP_STATUS_OF_CODE,
  isEventName,
  toEnvelope,
  type ApiErrorCode,
} from '../../shared/wire';
import { answerCover } from './cover-answer';
import { answerMedia } from './media';
import type { TimbreService } from './service-types';

export interface HttpServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Only loopback is allowed. */
  host?: '127.0.0.1';
  /** The built renderer (out/renderer). */
  rendererDir: string;
  /** Fixed token (tests); a random one otherwise. */
  token?: string;
  /** Largest accepted JSON body in bytes (default 4 MiB). */
  maxBodyBytes?: number;
  /** SSE heartbeat interval (default 15 s). */
  heartbeatMs?: number;
  /**
   * The ffmpeg binary for `/media/<id>?transcode=1` (formats the browser cannot decode: AIFF, WMA,
   * tracker modules, …). Without it such requests answer 501.
   */
  ffmpeg?: () => Promise<string>;
  /**
   * The token outlives this launch (kept in the data folder): the cookie then persists too, so a
   * bookmarked address keeps working after a restart.
   */
  persistentToken?: boolean;
}

export interface RunningHttpServer {
  /** Base URL including the token query, what a user opens. */
  url: string;
  origin: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export const TOKEN_HEADER = 'x-timbre-token';

export const browserCsp = rendererCsp('browser');
/** How long close() waits for request handlers still running. */
const HANDLER_DRAIN_MS = 10_000;

const staticTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

function sameToken(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieValue(req: IncomingMessage, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

function baseHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', browserCsp);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, code: ApiErrorCode, message: string): void {
  sendJson(res, status, errorEnvelope(new ApiError(code, message)));
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    req.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > limit) {
        req.removeAllListeners('data');
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function escapeAttr(value: string): string {
  return value.replace(/[&"<>]/g, (c) => ({ '&': '&amp;', '"': '&quot;', '<': '&lt;', '>': '&gt;' })[c] ?? c);
}

export async function startHttpServer(
  service: TimbreService,
  options: HttpServerOptions,
): Promise<RunningHttpServer> {
  const host = options.host ?? '127.0.0.1';
  if (host !== '127.0.0.1') throw new Error('browser mode listens on 127.0.0.1 only');
  const token = options.token ?? randomBytes(32).toString('base64url');
  if (!/^[A-Za-z0-9_-]{16,200}$/.test(token)) throw new Error('token must be 16–200 URL-safe characters');
  const maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const rendererDir = await realpath(resolve(options.rendererDir)).catch(() => resolve(options.rendererDir));
  const sseClients = new Set<ServerResponse>();
  /** Request handlers not settled yet (close waits for them, see close()). */
  const handlersInFlight = new InFlight();
  const transcoders = new Set<ChildProcessByStdio<null, Readable, Readable>>();
  let port = 0;
  let cookieName = 'timbre_token';

  const allowedHosts = (): Set<string> => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);

  /** The cookie is accepted for GET requests only: API calls carry the header (no CSRF by cookie). */
  const authorised = (req: IncomingMessage, url: URL): boolean => {
    const header = req.headers[TOKEN_HEADER];
    return (
      sameToken(typeof header === 'string' ? header : null, token) ||
      sameToken(url.searchParams.get('token'), token) ||
      ((req.method === 'GET' || req.method === 'HEAD') && sameToken(cookieValue(req, cookieName), token))
    );
  };

  const handleApi = async (req: IncomingMessage, res: ServerResponse, method: string): Promise<void> => {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      sendError(res, 405, 'bad_request', 'API calls are POST requests');
      return;
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') {
      sendError(res, 415, 'bad_request', 'API calls need Content-Type: application/json');
      return;
    }
    if (!isMethod(method)) {
      sendError(res, 404, 'not_found', `unknown method ${JSON.stringify(method)}`);
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req, maxBody);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        res.setHeader('Connection', 'close');
        sendError(res, 413, 'bad_request', `request body larger than ${maxBody} bytes`);
      } else {
        sendError(res, 400, 'bad_request', 'could not read the request body');
      }
      return;
    }
    let request: unknown = {};
    if (body.length > 0) {
      try {
        request = JSON.parse(body.toString('utf8'));
      } catch {
        sendError(res, 400, 'bad_request', 'request body is not valid JSON');
        return;
      }
    }
    const envelope = await toEnvelope(() => service.invoke(method, request));
    sendJson(res, envelope.ok ? 200 : HTTP_STATUS_OF_CODE[envelope.error.code], envelope);
  };

  const handleEvents = (req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 2000\n: connected\n\n');
    sseClients.add(res);
    const unsubscribe = service.subscribe(<E extends EventName>(event: E, payload: Events[E]) => {
      if (!isEventName(event)) return;
      res.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
    });
    const heartbeat = setInterval(() => res.write(': ping\n\n'), heartbeatMs);
    const done = (): void => {
      clearInterval(heartbeat);
      unsubscribe();
      sseClients.delete(res);
    };
    req.on('close', done);
    res.on('close', done);
  };

  const handleMedia = async (
    req: IncomingMessage,
    res: ServerResponse,
    rawId: string,
    url: URL,
  ): Promise<void> => {
    const answer = await answerMedia(
      service,
      {
        method: req.method ?? 'GET',
        rawId,
        transcode: url.searchParams.get('transcode') === '1',
        start: url.searchParams.get('start'),
        range: req.headers.range,
        ifRange: typeof req.headers['if-range'] === 'string' ? req.headers['if-range'] : null,
      },
      options.ffmpeg,
    );
    if (answer.kind === 'text') {
      for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
      sendText(res, answer.status, answer.text);
      return;
    }
    // A player that seeks hangs up on requests all the time, often before the answer is ready:
    // then nothing is opened or started (a stream piped into a closed response is never
    // destroyed, and its descriptor waits for the garbage collector; an ffmpeg would run on).
    if (res.destroyed || req.destroyed) {
      await answer.release();
      return;
    }
    res.writeHead(answer.status, answer.headers);
    if (!answer.body) {
      res.end();
      return;
    }
    if (answer.kind === 'file') {
      // pipeline destroys the file stream (closing its descriptor) however the response ends.
      pipeline(answer.open(), res, () => undefined);
      return;
    }
    const child = answer.spawn();
    transcoders.add(child);
    child.stderr.resume();
    child.stdout.pipe(res);
    child.on('error', () => res.destroy());
    child.on('close', (code) => {
      transcoders.delete(child);
      if (code !== 0) res.destroy();
    });
    res.on('close', () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
  };

  const handleCover = async (req: IncomingMessage, res: ServerResponse, rawId: string, url: URL) => {
    const answer = await answerCover(service, {
      method: req.method ?? 'GET',
      rawId,
      size: url.searchParams.get('size'),
      ifNoneMatch: typeof req.headers['if-none-match'] === 'string' ? req.headers['if-none-match'] : null,
    });
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body ?? undefined);
  };

  const handleStatic = async (req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      sendText(res, 405, 'method not allowed');
      return;
    }
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      sendText(res, 400, 'bad path');
      return;
    }
    if (rel.includes('\0') || rel.includes('\\') || rel.split('/').some((seg) => seg === '..')) {
      sendText(res, 400, 'bad path');
      return;
    }
    if (rel === '/' || rel === '') rel = '/index.html';
    const candidate = resolve(join(rendererDir, rel));
    if (!candidate.startsWith(rendererDir + sep)) {
      sendText(res, 400, 'bad path');
      return;
    }
    let file: string;
    try {
      file = await realpath(candidate);
      if (!file.startsWith(rendererDir + sep) || !(await stat(file)).isFile()) throw new Error('not a file');
    } catch {
      sendText(
        res,
        404,
        rel === '/index.html' ? 'the renderer is not built: run npm run build' : 'not found',
      );
      return;
    }
    const type = staticTypes[extname(file).toLowerCase()] ?? 'application/octet-stream';
    let data = await readFile(file);
    if (rel === '/index.html') {
      const meta = `<meta name="timbre-token" content="${escapeAttr(token)}">`;
      const html = data.toString('utf8');
      data = Buffer.from(
        html.includes('<head>') ? html.replace('<head>', `<head>\n    ${meta}`) : meta + html,
      );
      res.setHeader('Cache-Control', 'no-store');
    } else {
      res.setHeader(
        'Cache-Control',
        rel.startsWith('/assets/') ? 'private, max-age=31536000, immutable' : 'no-cache',
      );
    }
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': data.length });
    res.end(req.method === 'HEAD' ? undefined : data);
  };

  const server = createServer((req, res) => {
    baseHeaders(res);
    const hostHeader = (req.headers.host ?? '').toLowerCase();
    if (!allowedHosts().has(hostHeader)) {
      sendText(res, 421, 'unexpected Host header');
      return;
    }
    const origin = req.headers.origin;
    if (
      origin !== undefined &&
      origin !== `http://127.0.0.1:${port}` &&
      origin !== `http://localhost:${port}`
    ) {
      sendText(res, 403, 'cross-origin requests are not allowed');
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://${hostHeader}`);
    } catch {
      sendText(res, 400, 'bad request');
      return;
    }
    if (!authorised(req, url)) {
      if (url.pathname.startsWith('/api/')) {
        sendError(res, 401, 'bad_request', 'missing or wrong access token');
      } else {
        sendText(
          res,
          401,
          'Timbre: open the address printed in the terminal (it contains the access token).',
        );
      }
      return;
    }
    const path = url.pathname;
    // First visit with ?token=: remember it in a cookie and drop it from the address bar.
    if ((path === '/' || path === '/index.html') && url.searchParams.has('token') && req.method === 'GET') {
      // A session cookie unless the token persists: then the cookie outlives the browser session too.
      const maxAge = options.persistentToken ? '; Max-Age=31536000' : '';
      res.setHeader('Set-Cookie', `${cookieName}=${token}; Path=/; HttpOnly; SameSite=Strict${maxAge}`);
      res.writeHead(303, { Location: '/', 'Content-Length': 0 });
      res.end();
      return;
    }
    const work =
      path === '/api/events' && req.method === 'GET'
        ? Promise.resolve(handleEvents(req, res))
        : path.startsWith('/api/')
          ? handleApi(req, res, path.slice('/api/'.length))
          : path.startsWith('/media/')
            ? handleMedia(req, res, path.slice('/media/'.length), url)
            : path.startsWith('/cover/')
              ? handleCover(req, res, path.slice('/cover/'.length), url)
              : handleStatic(req, res, path);
    handlersInFlight.track(work);
    work.catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, 'internal', err instanceof Error ? err.message : String(err));
      else res.destroy();
    });
  });
  server.requestTimeout = 60_000;
  server.headersTimeout = 20_000;

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  port = (server.address() as AddressInfo).port;
  cookieName = `timbre_token_${port}`;
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    close: async () => {
      for (const res of sseClients) res.end();
      sseClients.clear();
      for (const child of transcoders) child.kill('SIGKILL');
      await new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      });
      // Handlers still awaiting the service finish before it closes (the caller closes it next):
      // a query running on a closed database handle can take the process down.
      await handlersInFlight.drain(HANDLER_DRAIN_MS);
    },
  };
}
