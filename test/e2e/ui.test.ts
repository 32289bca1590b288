/**
 * End to end in browser mode: the built renderer (out/renderer, `npm run build` runs first) served
 * by the real service on a temp home, driven in Debian Chromium: scan a folder through the UI, see
 * the tracks, play one and check the <audio> element plays through a 206 Range response.
 * Skipped only when /usr/bin/chromium is absent.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserMode } from '../../src/main/browser/main';
import { CHROMIUM, hasChromium } from '../helpers/chromium';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { audioState, openE2e, realProblems, shotsDir } from '../helpers/e2e';
import type { AudioLike, E2e } from '../helpers/e2e';
import { modelsRootDir } from '../helpers/shared';

if (!hasChromium) console.warn(`e2e UI test skipped: ${CHROMIUM} is not installed (apt install chromium).`);

const fixtures = [
  'Wesnoth/Mattias Westlund/Breaking the Chains.mp3',
  'Obsidian Shell/M.A.R.S/Farewell.ogg',
  'Maxstack/Singularity/01 Awakening.flac',
  // Chromium cannot decode AIFF: the player falls back to an ffmpeg transcode.
  'Maxstack/Singularity/02 Inevitable.aiff',
];

describe.skipIf(!hasChromium)('browser-mode UI', () => {
  let e2e: E2e;
  let music: string;
  let app: BrowserMode;
  let page: Page;
  let pageProblems: string[];
  const mediaStatuses: number[] = [];

  beforeAll(async () => {
    // The model manager converts the default model (EfficientAT) from the shared folder (no download).
    process.env.TIMBRE_MODELS_DIR = modelsRootDir;
    e2e = await openE2e({ prefix: 'timbre-e2e-', fixtures });
    ({ music, app, page, problems: pageProblems } = e2e);
    page.on('response', (res) => {
      if (new URL(res.url()).pathname.startsWith('/media/')) mediaStatuses.push(res.status());
    });
  });

  afterAll(async () => {
    await e2e?.close();
  });

  it('opens with the token, scans a folder, lists the tracks and plays one', async () => {
    // The token URL sets the cookie and redirects to a clean address.
    await page.goto(app.url);
    expect(new URL(page.url()).search).toBe('');
    await expect
      .poll(() => page.getByText('No music yet — add a folder').count(), { timeout: 15_000 })
      .toBe(1);

    // Scan through the UI.
    await page.click('[data-screen="scan"]');
    await page.fill('input[aria-label="Music folder"]', music);
    await page.click('button[type="submit"]');
    await page.waitForSelector('[data-phase="done"]', { timeout: 30_000 });
    const progressText = await page.textContent('[data-phase="done"]');
    await page.screenshot({ path: join(shotsDir, 'scan.png') });
    expect(progressText).toContain('4 added');

    // The library lists them.
    await page.click('[data-screen="library"]');
    await page.waitForSelector('[data-track-id]', { timeout: 10_000 });
    expect(await page.locator('.table-body [data-track-id]').count()).toBe(4);
    const titles = await page.locator('.table-body [data-track-id] .title').allTextContents();
    expect(titles.join(' | ')).toMatch(/Breaking the Chains/);

    // Search narrows the list (library.list with text).
    await page.fill('input[aria-label="Search"]', 'Farewell');
    await expect.poll(() => page.locator('.table-body [data-track-id]').count(), { timeout: 5_000 }).toBe(1);
    await page.fill('input[aria-label="Search"]', '');
    await expect.poll(() => page.locator('.table-body [data-track-id]').count(), { timeout: 5_000 }).toBe(4);

    // Double-click plays.
    await page.locator('.table-body [data-track-id]', { hasText: 'Breaking the Chains' }).dblclick();
    await expect
      .poll(
        async () => {
          const a = await audioState(page);
          return a.ready >= 2 && a.time > 0.3 && !a.paused;
        },
        { timeout: 20_000 },
      )
      .toBe(true);
    const playing = await audioState(page);
    expect(playing.src).toMatch(/\/media\/[^?]+\?token=/);
    expect(playing.error).toBeNull();
    expect(mediaStatuses).toContain(206);

    // Space pauses (the keyboard shortcut).
    await page.locator('.brand').click();
    await page.keyboard.press('Space');
    await expect.poll(async () => (await audioState(page)).paused).toBe(true);

    // Seeking issues a ranged request that the server answers with 206.
    const before = mediaStatuses.length;
    await page.locator('#timbre-audio').evaluate((a: AudioLike) => {
      a.currentTime = Math.max(0, a.duration - 5);
    });
    await expect
      .poll(async () => {
        const a = await audioState(page);
        return !a.seeking && a.ready >= 2 && a.time > 20;
      })
      .toBe(true);
    expect(mediaStatuses.slice(before).every((s) => s === 206)).toBe(true);

    // AIFF does not play natively: the player retries through the server's ffmpeg transcode.
    await page.locator('.table-body [data-track-id]', { hasText: 'Inevitable' }).dblclick();
    await expect
      .poll(
        async () => {
          const a = await audioState(page);
          return a.src.includes('transcode=1') && a.time > 0.3 && !a.paused;
        },
        { timeout: 20_000 },
      )
      .toBe(true);

    await page.keyboard.press('Space');
    await page.waitForTimeout(600);
    await page.screenshot({ path: join(shotsDir, 'ui-transcoded-playing.png') });

    // No CSP violations or script errors along the way.
    expect(realProblems(pageProblems)).toEqual([]);
  });

  it('analyses through the UI, then Play similar fills the queue and Similar explains', async () => {
    await page.click('[data-screen="analysis"]');
    await page.getByRole('button', { name: 'Start analysis' }).click();
    // The done line appears when analysis is idle with nothing pending.
    await page.locator('.done-line').waitFor({ state: 'visible', timeout: 150_000 });
    expect(await page.textContent('.done-line')).toBe('Every track is analysed.');
    expect(await page.locator('.analysis .counters').first().textContent()).toMatch(/0 failed/);
    await page.screenshot({ path: join(shotsDir, 'analysis.png') });

    await page.click('[data-screen="library"]');
    const row = page.locator('.table-body [data-track-id]', { hasText: 'Farewell' });
    const farewellId = await row.getAttribute('data-track-id');
    await row.click();
    await row.getByRole('button', { name: /Play similar/ }).click();
    await page.click('[data-screen="queue"]');
    await expect
      .poll(() => page.locator('.np-title').textContent(), { timeout: 15_000 })
      .toContain('Farewell');
    // The seed first, then what similar.queue chose (variety rules may hold some tracks back).
    const queued = await page.locator('.queue-list li .q-title').allTextContents();
    expect(queued[0]).toBe('Farewell');
    expect(queued.length).toBeGreaterThanOrEqual(2);
    expect(new Set(queued).size).toBe(queued.length);
    expect(await page.locator('[data-screen="queue"] .badge').textContent()).toBe(String(queued.length));
    await page.screenshot({ path: join(shotsDir, 'now-playing-similar-queue.png') });

    // Radio tops the queue up through similar.radio with the history; Next before 30 s is a skip.
    const radioCalls: { seed: { id: string }; history: string[]; skipped: string[] }[] = [];
    page.on('request', (req) => {
      if (req.url().includes('/api/similar.radio')) radioCalls.push(JSON.parse(req.postData() ?? '{}'));
    });
    await page.getByRole('button', { name: 'Clear upcoming' }).click();
    await page.locator('.np-actions .toggle input').check();
    await expect.poll(() => radioCalls.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(radioCalls[0].seed.id).toBe(farewellId);
    expect(radioCalls[0].history).toContain(farewellId);
    expect(radioCalls[0].skipped).toEqual([]);
    await page.getByRole('button', { name: 'Next' }).click();
    await expect
      .poll(() => radioCalls.some((c) => c.skipped.length === 1 && c.skipped[0] === farewellId), {
        timeout: 10_000,
      })
      .toBe(true);
    await page.locator('.np-actions .toggle input').uncheck();

    await page.click('[data-screen="similar"]');
    await page.waitForSelector('.similar-list li', { timeout: 15_000 });
    // The other three tracks, best first, each with a score.
    expect(await page.locator('.similar-list li').count()).toBe(3);
    expect(await page.locator('.similar-list li .score').first().textContent()).toMatch(/-?\d\.\d\d/);
    await page.locator('.similar-list li').first().click();
    await page.waitForSelector('.explain .summary', { timeout: 15_000 });
    expect((await page.textContent('.explain .summary'))?.length).toBeGreaterThan(10);
    await page.screenshot({ path: join(shotsDir, 'similar.png') });

    // Now playing: a song path to another track, and play similar from an album, an artist and
    // the whole queue; new queues hold back what was played (Farewell).
    const queueCalls: { seed: { kind: string }; variety?: { recentlyPlayed?: string[] } }[] = [];
    const pathCalls: { from: string; to: string; steps: number }[] = [];
    page.on('request', (req) => {
      if (req.url().includes('/api/similar.queue')) queueCalls.push(JSON.parse(req.postData() ?? '{}'));
      if (req.url().includes('/api/similar.path')) pathCalls.push(JSON.parse(req.postData() ?? '{}'));
    });
    await page.click('[data-screen="library"]');
    const breaking = page.locator('.table-body [data-track-id]', { hasText: 'Breaking the Chains' });
    const breakingId = await breaking.getAttribute('data-track-id');
    await breaking.dblclick();
    await page.click('[data-screen="queue"]');
    await expect.poll(() => page.locator('.np-title').textContent()).toContain('Breaking the Chains');
    await page.getByRole('button', { name: 'Path to…' }).click();
    await page.getByLabel('Destination track').fill('Awakening');
    await page.locator('.path-matches button', { hasText: 'Awakening' }).click();
    await expect.poll(() => pathCalls.length, { timeout: 10_000 }).toBe(1);
    expect(pathCalls[0]).toMatchObject({ from: breakingId, steps: 10 });
    await expect
      .poll(async () => (await page.locator('.queue-list li .q-title').allTextContents()).slice(-1)[0], {
        timeout: 10_000,
      })
      .toBe('Awakening');
    const pathQueue = await page.locator('.queue-list li .q-title').allTextContents();
    expect(pathQueue[0]).toBe('Breaking the Chains');
    expect(new Set(pathQueue).size).toBe(pathQueue.length);
    expect(await page.locator('.path-picker').count()).toBe(0);

    await page.getByRole('button', { name: '≈ Artist' }).click();
    await expect.poll(() => queueCalls.length, { timeout: 10_000 }).toBe(1);
    expect(queueCalls[0].seed).toEqual({ kind: 'artist', artist: 'Mattias Westlund' });
    expect(queueCalls[0].variety?.recentlyPlayed).toContain(farewellId);
    await page.getByRole('button', { name: /Add similar to queue/ }).click();
    await expect.poll(() => queueCalls.length, { timeout: 10_000 }).toBe(2);
    expect(queueCalls[1].seed.kind).toBe('tracks');
    await page.screenshot({ path: join(shotsDir, 'now-playing-path.png') });

    // Settings round-trip through settings.get / settings.set.
    await page.click('[data-screen="settings"]');
    const workers = page.locator('label.field', { hasText: 'Worker processes' }).locator('input');
    await workers.fill('1');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Settings saved.').waitFor({ timeout: 10_000 });
    expect(((await app.service.invoke('settings.get', {})) as { workers: number }).workers).toBe(1);
    // Only what was changed is saved: the similarity defaults keep following the app.
    const file = JSON.parse(readFileSync(join(e2e.home, 'settings.json'), 'utf8')) as Record<string, unknown>;
    expect(file.workers).toBe(1);
    expect(file.similarity).toBeUndefined();
    await page.screenshot({ path: join(shotsDir, 'settings.png') });
    expect(realProblems(pageProblems)).toEqual([]);
  }, 240_000);
});
