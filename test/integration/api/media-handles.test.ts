/**
 * Every descriptor `/media/<id>` opens is closed, whatever the client does: a player that seeks
 * aborts requests all the time (before the answer, mid-body, on HEAD, on a transcode). A handle
 * left to the garbage collector shows up as Node's DEP0137 warning ("Closing a FileHandle object on
 * garbage collection") and, before it, as an open descriptor of the audio file: that is what this
 * counts, in /proc/self/fd (Linux), so the test does not depend on when the collector runs.
 */
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type RunningHttpServer } from '../../../src/main/api/http-server';
import { createService, type CoreService } from '../../../src/main/api/service';
import { fixtureLibraryDir } from '../../helpers/shared';

const TOKEN = 'test-token-0123456789abcdef';
const flac = join(fixtureLibraryDir, 'Maxstack', 'Singularity', '01 Awakening.flac');

let dir: string;
let lib: string;
let service: CoreService;
let server: RunningHttpServer;
let id: string;

/** Descriptors of this process open on a file under the test's library. */
function openOnLibrary(): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(lib)) out.push(target);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

/**
 * Sends a request on a raw socket and hangs up after `afterBytes` bytes of the answer (0: at once,
 * before the server has answered).
 */
function abortedRequest(path: string, opts: { method?: string; range?: string; afterBytes: number }) {
  return new Promise<void>((resolve) => {
    const socket = connect(server.port, '127.0.0.1');
    let got = 0;
    socket.on('connect', () => {
      socket.write(
        `${opts.method ?? 'GET'} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n` +
          `x-timbre-token: ${TOKEN}\r\n${opts.range ? `Range: ${opts.range}\r\n` : ''}\r\n`,
      );
      if (opts.afterBytes === 0) socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => {
      got += chunk.length;
      if (got >= opts.afterBytes) socket.destroy();
    });
    socket.on('close', () => resolve());
    socket.on('error', () => resolve());
  });
}

/** ffmpeg processes this process started that still run (a transcode nobody reads). */
function ffmpegChildren(): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [, comm, rest] = /^\d+ \((.*)\) (.*)$/s.exec(stat) ?? [];
      if (comm === 'ffmpeg' && Number(rest.split(' ')[1]) === process.pid) out.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'timbre-media-fd-'));
  lib = join(dir, 'lib');
  mkdirSync(lib);
  copyFileSync(flac, join(lib, 'a.flac'));
  const rendererDir = join(dir, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>T</title>');
  service = await createService({ home: join(dir, 'home'), mode: 'cli' });
  await service.catalog.scan([lib]);
  id = (await service.catalog.allTracks())[0].id;
  server = await startHttpServer(service, {
    rendererDir,
    token: TOKEN,
    ffmpeg: async () => '/usr/bin/ffmpeg',
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('media descriptors', () => {
  it.skipIf(process.platform !== 'linux')(
    'are all closed after clients hang up at any moment',
    async () => {
      const path = `/media/${encodeURIComponent(id)}`;
      const tries: Promise<void>[] = [];
      for (let i = 0; i < 20; i++) {
        tries.push(abortedRequest(path, { afterBytes: 0 }));
        tries.push(abortedRequest(path, { afterBytes: 1 }));
        tries.push(abortedRequest(path, { range: 'bytes=1000-', afterBytes: 0 }));
        tries.push(abortedRequest(path, { method: 'HEAD', afterBytes: 0 }));
        tries.push(abortedRequest(`${path}?transcode=1`, { afterBytes: 0 }));
      }
      const collected: string[] = [];
      // A descriptor the collector had to close was leaked, even if it is closed by now.
      const onWarning = (w: Error) => {
        if (/on garbage collection/.test(w.message)) collected.push(w.message);
      };
      process.on('warning', onWarning);
      try {
        await Promise.all(tries);
        // Lets the server finish what it started for each request, then looks.
        await new Promise((r) => setTimeout(r, 1_500));
        expect(openOnLibrary()).toEqual([]);
        expect(ffmpegChildren()).toEqual([]);
        expect(collected).toEqual([]);
      } finally {
        process.off('warning', onWarning);
      }
    },
    60_000,
  );
});
