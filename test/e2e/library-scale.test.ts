/**
 * The library table with 20,000 tracks: the built renderer over the real HTTP transport, with an
 * in-test service that pages through generated tracks. Only the rows in view are in the DOM and
 * only the pages scrolled to are fetched. Skipped only when /usr/bin/chromium is absent.
 */
import { hasChromium, launchChromium } from '../helpers/chromium';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, isMethod, parseRequest } from '../../src/shared/contract';
import type { ParsedRequest } from '../../src/shared/contract';
import type { Track } from '../../src/shared/types';
import { projectRoot } from '../../src/main/project-root';
import { startHttpServer } from '../../src/main/api/http-server';
import type { RunningHttpServer } from '../../src/main/api/http-server';
import type { TimbreService } from '../../src/main/api/service-types';

const rendererDir = join(projectRoot(), 'out', 'renderer');
const TOTAL = 20_000;

function track(i: number): Track {
  const n = String(i).padStart(5, '0');
  return {
    id: `t${n}`,
    path: `/music/a${i % 300}/b${i % 1200}/${n}.mp3`,
    root: '/music',
    size: 1,
    mtimeMs: 0,
    fingerprint: n,
    format: 'MPEG',
    codec: 'MPEG 1 Layer 3',
    duration: 180 + (i % 120),
    sampleRate: 44100,
    channels: 2,
    bitrate: 192000,
    title: `Song ${n}`,
    artists: [`Artist ${i % 300}`],
    artist: `Artist ${i % 300}`,
    album: `Album ${i % 1200}`,
    albumArtist: `Artist ${i % 300}`,
    trackNo: null,
    discNo: null,
    year: null,
    genres: ['Test'],
    hasCover: false,
    musicbrainz: {},
    status: 'ok',
    addedAt: 0,
    updatedAt: 0,
  };
}

describe.skipIf(!hasChromium)('library table at scale', () => {
  const tracks = Array.from({ length: TOTAL }, (_, i) => track(i));
  const listCalls: ParsedRequest<'library.list'>[] = [];
  let server: RunningHttpServer;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(join(rendererDir, 'index.html'))) {
      throw new Error(`${rendererDir}/index.html is missing: run \`npm run build\` before this test`);
    }
    const service: TimbreService = {
      handlers: {} as TimbreService['handlers'],
      async invoke(method, request) {
        if (!isMethod(method)) throw new ApiError('not_found', method);
        if (method === 'library.list') {
          const q = parseRequest('library.list', request);
          listCalls.push(q);
          const text = q.text?.toLowerCase();
          const hits = text ? tracks.filter((t) => t.title.toLowerCase().includes(text)) : tracks;
          const offset = q.offset ?? 0;
          return { total: hits.length, offset, tracks: hits.slice(offset, offset + (q.limit ?? 1000)) };
        }
        throw new ApiError('unavailable', `${method} is not part of this test`);
      },
      subscribe: () => () => undefined,
      mediaFile: async () => null,
      mediaChanged: async () => undefined,
      close: async () => undefined,
    };
    server = await startHttpServer(service, { rendererDir });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('keeps the DOM small and fetches pages as they scroll into view', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(server.url);
    await page.waitForSelector('.table-body [data-track-id="t00000"]');
    expect(await page.textContent('.screen-header')).toContain('20,000 tracks');
    const rowsInDom = await page.locator('.table-body .row').count();
    expect(rowsInDom).toBeGreaterThan(10);
    expect(rowsInDom).toBeLessThan(80);

    // Jump to the end: the last page is fetched, the last track rendered, the DOM stays small.
    const started = Date.now();
    await page.locator('.table').evaluate((el: { scrollTop: number; scrollHeight: number }) => {
      el.scrollTop = el.scrollHeight;
    });
    await page.waitForSelector(`.table-body [data-track-id="t${String(TOTAL - 1).padStart(5, '0')}"]`);
    const jumpMs = Date.now() - started;
    expect(await page.locator('.table-body .row').count()).toBeLessThan(80);
    const offsets = listCalls.map((c) => c.offset ?? 0);
    expect(offsets).toContain(Math.floor((TOTAL - 1) / 200) * 200);
    // Only the first page and the pages at the end were fetched, not the 100 in between.
    expect(new Set(offsets).size).toBeLessThanOrEqual(4);
    console.log(
      `library table: ${TOTAL} rows, ${rowsInDom} in the DOM, jump to end rendered in ${jumpMs} ms`,
    );

    // Search goes through library.list and resets the view.
    await page.fill('input[aria-label="Search"]', 'Song 1999');
    await expect.poll(() => page.locator('.table-body [data-track-id]').count(), { timeout: 5_000 }).toBe(10);
    expect(listCalls.at(-1)?.text).toBe('Song 1999');
    await page.close();
  });
});
