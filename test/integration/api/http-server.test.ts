/**
 * The browser-mode transport against an in-test TimbreService (validation through the real
 * contract, one catalogued temp file): token, Host/Origin checks, JSON errors, SSE, media Ranges,
 * static files and traversal. Also the Electron media protocol's response (same Range logic).
 */
import { mkdtempSync, mkdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, isMethod, parseRequest } from '../../../src/shared/contract';
import type { EventName, Events } from '../../../src/shared/contract';
import { startHttpServer } from '../../../src/main/api/http-server';
import { parseRange } from '../../../src/main/api/media';
import type { RunningHttpServer } from '../../../src/main/api/http-server';
import type { TimbreService } from '../../../src/main/api/service-types';
import type { CataloguedFile } from '../../../src/main/api/media-identity';
import { probeFile } from '../../../src/main/library/probe';
import { answerMediaRequest } from '../../../src/main/electron/media-response';
import { fixtureLibraryDir } from '../../helpers/shared';

const aiffFixture = join(fixtureLibraryDir, 'Maxstack', 'Singularity', '02 Inevitable.aiff');
const ffmpeg = async (): Promise<string> => '/usr/bin/ffmpeg';

type Listener = <E extends EventName>(event: E, payload: Events[E]) => void;

const TOKEN = 'test-token-0123456789abcdef';

function makeService(mediaFile: string) {
  const listeners = new Set<Listener>();
  const service: TimbreService & { emit: Listener; listenerCount(): number } = {
    handlers: {} as TimbreService['handlers'],
    async invoke(method: string, request: unknown): Promise<unknown> {
      if (!isMethod(method)) throw new ApiError('not_found', `unknown method ${method}`);
      const parsed = parseRequest(method, request);
      switch (method) {
        case 'app.info':
          return { version: 'test', mode: 'browser', home: '/tmp/x' };
        case 'library.track': {
          const id = (parsed as { id: string }).id;
          return id === 'track-1' ? { id, title: 'One' } : null;
        }
        case 'library.roots':
          throw new Error('disk on fire');
        case 'analysis.status':
          throw new ApiError('unavailable', 'analysis engine is not ready');
        default:
          return { method, request: parsed };
      }
    },
    subscribe(listener: Listener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    // This fake catalog knows each file as it is now (the identity check is tested elsewhere).
    async mediaFile(trackId: string): Promise<CataloguedFile | null> {
      if (trackId === 'track-gone')
        return {
          path: join(tmpdir(), 'timbre-no-such-dir', 'gone.mp3'),
          size: 1,
          mtimeMs: 0,
          fingerprint: '',
        };
      const path = trackId === 'track-aiff' ? aiffFixture : trackId === 'track-1' ? mediaFile : null;
      if (!path) return null;
      const st = statSync(path);
      const { fingerprint } = await probeFile(path, st.size);
      return { path, size: st.size, mtimeMs: st.mtimeMs, fingerprint };
    },
    async mediaChanged(): Promise<void> {},
    async close(): Promise<void> {},
    emit: (event, payload) => {
      for (const l of listeners) l(event, payload);
    },
    listenerCount: () => listeners.size,
  };
  return service;
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function raw(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: { host: `127.0.0.1:${port}`, ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

let dir: string;
let rendererDir: string;
let mediaFile: string;
let media: Buffer;
let service: ReturnType<typeof makeService>;
let server: RunningHttpServer;

const api = (method: string, body: unknown, headers: Record<string, string> = {}) =>
  raw(server.port, `/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-timbre-token': TOKEN, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'timbre-http-'));
  rendererDir = join(dir, 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(
    join(rendererDir, 'index.html'),
    '<!doctype html><html><head><title>T</title></head><body></body></html>',
  );
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(rendererDir, 'assets', 'app.css'), 'body{}');
  writeFileSync(join(dir, 'secret.txt'), 'TOP SECRET');
  symlinkSync(join(dir, 'secret.txt'), join(rendererDir, 'assets', 'link.txt'));
  media = Buffer.alloc(10_000);
  for (let i = 0; i < media.length; i++) media[i] = (i * 7) % 251;
  mediaFile = join(dir, 'song.mp3');
  writeFileSync(mediaFile, media);
  service = makeService(mediaFile);
  server = await startHttpServer(service, {
    rendererDir,
    token: TOKEN,
    heartbeatMs: 200,
    maxBodyBytes: 64 * 1024,
    ffmpeg,
  });
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('startHttpServer', () => {
  it('listens on 127.0.0.1 with the token in the URL', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${TOKEN}`);
    expect(server.port).toBeGreaterThan(0);
  });

  it('creates a random token when none is given', async () => {
    const other = await startHttpServer(service, { rendererDir });
    try {
      expect(other.token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      expect(other.token).not.toBe(TOKEN);
      expect(other.port).not.toBe(server.port);
    } finally {
      await other.close();
    }
  });

  it('requires the token on API calls', async () => {
    const none = await raw(server.port, '/api/app.info', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body.toString()).ok).toBe(false);
    const wrong = await api('app.info', {}, { 'x-timbre-token': 'nope-nope-nope-nope-nope' });
    expect(wrong.status).toBe(401);
    const good = await api('app.info', {});
    expect(good.status).toBe(200);
    expect(JSON.parse(good.body.toString())).toEqual({
      ok: true,
      result: { version: 'test', mode: 'browser', home: '/tmp/x' },
    });
  });

  it('does not accept the cookie for API calls (no CSRF through cookies)', async () => {
    const res = await raw(server.port, '/api/app.info', {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `timbre_token_${server.port}=${TOKEN}` },
      body: '{}',
    });
    expect(res.status).toBe(401);
  });

  it('rejects foreign Host headers (DNS rebinding) and foreign origins', async () => {
    const evil = await api('app.info', {}, { host: `evil.example:${server.port}` });
    expect(evil.status).toBe(421);
    const otherPort = await api('app.info', {}, { host: `127.0.0.1:${server.port + 1}` });
    expect(otherPort.status).toBe(421);
    const localhost = await api('app.info', {}, { host: `localhost:${server.port}` });
    expect(localhost.status).toBe(200);
    const origin = await api('app.info', {}, { origin: 'http://evil.example' });
    expect(origin.status).toBe(403);
    const ownOrigin = await api('app.info', {}, { origin: `http://127.0.0.1:${server.port}` });
    expect(ownOrigin.status).toBe(200);
  });

  it('answers a bad request with 400 and the validation message', async () => {
    const res = await api('library.track', { id: '' });
    expect(res.status).toBe(400);
    const body = JSON.parse(res.body.toString());
    expect(body.ok).toBe(false);
    expect(body.error.code).toBe('bad_request');
    expect(body.error.message).toMatch(/library\.track.*id/);
    const json = await api('library.track', '{not json');
    expect(json.status).toBe(400);
    expect(JSON.parse(json.body.toString()).error.message).toMatch(/JSON/);
  });

  it('passes valid requests through and maps errors to status codes', async () => {
    const ok = await api('library.track', { id: 'track-1' });
    expect(JSON.parse(ok.body.toString())).toEqual({ ok: true, result: { id: 'track-1', title: 'One' } });
    const nothing = await api('library.track', { id: 'other' });
    expect(JSON.parse(nothing.body.toString())).toEqual({ ok: true, result: null });
    const unavailable = await api('analysis.status', {});
    expect(unavailable.status).toBe(503);
    expect(JSON.parse(unavailable.body.toString()).error).toEqual({
      code: 'unavailable',
      message: 'analysis engine is not ready',
    });
    const internal = await api('library.roots', {});
    expect(internal.status).toBe(500);
    expect(JSON.parse(internal.body.toString()).error).toEqual({ code: 'internal', message: 'disk on fire' });
  });

  it('answers an unknown method with 404', async () => {
    const res = await api('library.dropTables', {});
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body.toString()).error.code).toBe('not_found');
  });

  it('requires JSON POSTs and limits the body size', async () => {
    const get = await raw(server.port, '/api/app.info', { headers: { 'x-timbre-token': TOKEN } });
    expect(get.status).toBe(405);
    const form = await api('app.info', 'a=b', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    const big = await api('library.scan', { roots: ['x'.repeat(100 * 1024)] });
    expect(big.status).toBe(413);
  });

  it('streams service events over SSE and unsubscribes when the client leaves', async () => {
    const before = service.listenerCount();
    const received = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: server.port,
          path: `/api/events?token=${TOKEN}`,
          headers: { host: `127.0.0.1:${server.port}`, accept: 'text/event-stream' },
        },
        (res) => {
          expect(res.statusCode).toBe(200);
          expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
          let text = '';
          res.on('data', (chunk: Buffer) => {
            text += chunk.toString();
            if (text.includes(': connected')) {
              service.emit('library.changed', { reason: 'scan' });
            }
            if (text.includes('event: library.changed') && text.includes(': ping')) {
              req.destroy();
              resolve(text);
            }
          });
        },
      );
      req.on('error', (err) => {
        if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err);
      });
      req.end();
    });
    expect(received).toContain('event: library.changed\ndata: {"reason":"scan"}\n\n');
    await new Promise((r) => setTimeout(r, 100));
    expect(service.listenerCount()).toBe(before);
  });

  it('rejects an SSE connection without the token', async () => {
    const res = await raw(server.port, '/api/events');
    expect(res.status).toBe(401);
  });

  describe('media', () => {
    const get = (path: string, headers: Record<string, string> = {}) =>
      raw(server.port, path, { headers: { ...headers } });

    it('serves a catalogued file whole with type and Accept-Ranges', async () => {
      const res = await get(`/media/track-1?token=${TOKEN}`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('audio/mpeg');
      expect(res.headers['accept-ranges']).toBe('bytes');
      expect(res.headers['content-length']).toBe('10000');
      expect(res.body.equals(media)).toBe(true);
    });

    it('answers ranges with 206', async () => {
      const a = await get(`/media/track-1?token=${TOKEN}`, { range: 'bytes=100-199' });
      expect(a.status).toBe(206);
      expect(a.headers['content-range']).toBe('bytes 100-199/10000');
      expect(a.body.equals(media.subarray(100, 200))).toBe(true);
      const open = await get(`/media/track-1?token=${TOKEN}`, { range: 'bytes=9990-' });
      expect(open.status).toBe(206);
      expect(open.headers['content-range']).toBe('bytes 9990-9999/10000');
      expect(open.body.equals(media.subarray(9990))).toBe(true);
      const suffix = await get(`/media/track-1?token=${TOKEN}`, { range: 'bytes=-5' });
      expect(suffix.status).toBe(206);
      expect(suffix.headers['content-range']).toBe('bytes 9995-9999/10000');
      expect(suffix.body.equals(media.subarray(9995))).toBe(true);
      const clamped = await get(`/media/track-1?token=${TOKEN}`, { range: 'bytes=9000-99999' });
      expect(clamped.status).toBe(206);
      expect(clamped.headers['content-range']).toBe('bytes 9000-9999/10000');
      expect(clamped.body.length).toBe(1000);
    });

    it('answers an unsatisfiable range with 416', async () => {
      const res = await get(`/media/track-1?token=${TOKEN}`, { range: 'bytes=10000-' });
      expect(res.status).toBe(416);
      expect(res.headers['content-range']).toBe('bytes */10000');
      const zero = await get(`/media/track-1?token=${TOKEN}`, { range: 'bytes=-0' });
      expect(zero.status).toBe(416);
    });

    it('serves only tracks the service resolves, and only with the token', async () => {
      expect((await get(`/media/other?token=${TOKEN}`)).status).toBe(404);
      expect((await get(`/media/${encodeURIComponent(mediaFile)}?token=${TOKEN}`)).status).toBe(404);
      expect((await get('/media/track-1')).status).toBe(401);
    });

    it('transcodes formats the browser cannot decode to Ogg/Opus with ffmpeg', async () => {
      const res = await get(`/media/track-aiff?token=${TOKEN}&transcode=1`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('audio/ogg');
      expect(res.headers['accept-ranges']).toBe('none');
      expect(res.body.subarray(0, 4).toString('latin1')).toBe('OggS');
      expect(res.body.toString('latin1')).toContain('OpusHead');
      // ~30 s at 160 kb/s: far more than a header.
      expect(res.body.length).toBeGreaterThan(100_000);
      const plainAiff = await get(`/media/track-aiff?token=${TOKEN}`);
      expect(plainAiff.headers['content-type']).toBe('audio/aiff');
    });

    it('restarts a transcode at the asked start, and refuses a start that is not seconds', async () => {
      const whole = await get(`/media/track-aiff?token=${TOKEN}&transcode=1`);
      const tail = await get(`/media/track-aiff?token=${TOKEN}&transcode=1&start=20`);
      expect(tail.status).toBe(200);
      expect(tail.body.subarray(0, 4).toString('latin1')).toBe('OggS');
      // The fixture is ~30 s long: from 20 s about a third of it is left.
      expect(tail.body.length).toBeLessThan(whole.body.length * 0.5);
      expect(tail.body.length).toBeGreaterThan(whole.body.length * 0.15);
      expect((await get(`/media/track-aiff?token=${TOKEN}&transcode=1&start=-3`)).status).toBe(400);
      expect((await get(`/media/track-aiff?token=${TOKEN}&transcode=1&start=abc`)).status).toBe(400);
    });

    it('says in words why a track cannot be served', async () => {
      const gone = await get(`/media/track-gone?token=${TOKEN}`, { range: 'bytes=0-0' });
      expect(gone.status).toBe(404);
      expect(gone.body.toString()).toMatch(/^gone from disk: .*gone\.mp3 no longer exists/);
      const unknown = await get(`/media/other?token=${TOKEN}`);
      expect(unknown.body.toString()).toBe('this track is not in the library');
    });

    it('answers 501 for a transcode when no ffmpeg was given', async () => {
      const other = await startHttpServer(service, { rendererDir, token: TOKEN });
      try {
        expect((await raw(other.port, `/media/track-aiff?token=${TOKEN}&transcode=1`)).status).toBe(501);
      } finally {
        await other.close();
      }
    });

    it('accepts the cookie set by the first page load', async () => {
      const first = await get(`/?token=${TOKEN}`);
      expect(first.status).toBe(303);
      expect(first.headers.location).toBe('/');
      const cookie = String(first.headers['set-cookie']);
      expect(cookie).toContain(`timbre_token_${server.port}=${TOKEN}`);
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Strict/);
      const res = await get('/media/track-1', { cookie: cookie.split(';')[0], range: 'bytes=0-9' });
      expect(res.status).toBe(206);
      expect(res.body.equals(media.subarray(0, 10))).toBe(true);
    });
  });

  describe('static files', () => {
    const auth = { 'x-timbre-token': TOKEN };

    it('serves index.html with the token injected and a strict CSP', async () => {
      const res = await raw(server.port, '/', { headers: auth });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.body.toString()).toContain(`<meta name="timbre-token" content="${TOKEN}">`);
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
    });

    it('needs the token for the page too', async () => {
      const res = await raw(server.port, '/');
      expect(res.status).toBe(401);
      expect(res.body.toString()).not.toContain('<html');
    });

    it('uses correct MIME types', async () => {
      const js = await raw(server.port, '/assets/app.js', { headers: auth });
      expect(js.status).toBe(200);
      expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
      const css = await raw(server.port, '/assets/app.css', { headers: auth });
      expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
      expect((await raw(server.port, '/assets/none.js', { headers: auth })).status).toBe(404);
    });

    it('blocks directory traversal', async () => {
      const attempts = [
        '/../secret.txt',
        '/assets/../../secret.txt',
        '/%2e%2e/secret.txt',
        '/assets/..%2f..%2fsecret.txt',
        '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
        '/..%5csecret.txt',
        '/assets/link.txt',
        '/assets/%00.js',
        '/assets',
      ];
      for (const path of attempts) {
        const res = await raw(server.port, path, { headers: auth });
        expect(res.status, path).toBeGreaterThanOrEqual(400);
        expect(res.body.toString(), path).not.toContain('TOP SECRET');
      }
    });
  });
});

describe('parseRange', () => {
  it('parses the three forms and refuses what cannot be served', () => {
    expect(parseRange(undefined, 100)).toEqual({ kind: 'full' });
    expect(parseRange('bytes=0-9', 100)).toEqual({ kind: 'partial', start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ kind: 'partial', start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ kind: 'partial', start: 90, end: 99 });
    expect(parseRange('bytes=-500', 100)).toEqual({ kind: 'partial', start: 0, end: 99 });
    expect(parseRange('bytes=50-1000', 100)).toEqual({ kind: 'partial', start: 50, end: 99 });
    expect(parseRange('bytes=100-', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-0', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=0-1,5-6', 100)).toEqual({ kind: 'full' });
    expect(parseRange('items=0-1', 100)).toEqual({ kind: 'full' });
    expect(parseRange('bytes=9-3', 100)).toEqual({ kind: 'full' });
  });
});

describe('Electron media protocol response', () => {
  it('answers ranges with 206 and only for catalogued tracks', async () => {
    const full = await answerMediaRequest(service, new Request('timbre-media://track/track-1'));
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toBe('audio/mpeg');
    expect(Buffer.from(await full.arrayBuffer()).equals(media)).toBe(true);
    const part = await answerMediaRequest(
      service,
      new Request('timbre-media://track/track-1', { headers: { range: 'bytes=10-19' } }),
    );
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 10-19/10000');
    expect(Buffer.from(await part.arrayBuffer()).equals(media.subarray(10, 20))).toBe(true);
    const bad = await answerMediaRequest(
      service,
      new Request('timbre-media://track/track-1', { headers: { range: 'bytes=20000-' } }),
    );
    expect(bad.status).toBe(416);
    expect((await answerMediaRequest(service, new Request('timbre-media://track/other'))).status).toBe(404);
    const head = await answerMediaRequest(
      service,
      new Request('timbre-media://track/track-1', { method: 'HEAD' }),
    );
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('10000');
    expect((await head.arrayBuffer()).byteLength).toBe(0);
    const etag = full.headers.get('etag');
    expect(etag).toMatch(/^W\/"/);
    // A range of another version of the file is answered with the whole current file.
    const stale = await answerMediaRequest(
      service,
      new Request('timbre-media://track/track-1', {
        headers: { range: 'bytes=10-19', 'if-range': 'W/"0-0"' },
      }),
    );
    expect(stale.status).toBe(200);
    const fresh = await answerMediaRequest(
      service,
      new Request('timbre-media://track/track-1', {
        headers: { range: 'bytes=10-19', 'if-range': etag ?? '' },
      }),
    );
    expect(fresh.status).toBe(206);
    expect((await answerMediaRequest(service, new Request('timbre-media://other/track-1'))).status).toBe(404);
    const post = await answerMediaRequest(
      service,
      new Request('timbre-media://track/track-1', { method: 'POST' }),
    );
    expect(post.status).toBe(405);
    const transcoded = await answerMediaRequest(
      service,
      new Request('timbre-media://track/track-aiff?transcode=1'),
      ffmpeg,
    );
    expect(transcoded.status).toBe(200);
    expect(transcoded.headers.get('content-type')).toBe('audio/ogg');
    expect(
      Buffer.from(await transcoded.arrayBuffer())
        .subarray(0, 4)
        .toString('latin1'),
    ).toBe('OggS');
    expect((await answerMediaRequest(service, new Request('timbre-media://other/track-1'))).status).toBe(404);
  });
});
