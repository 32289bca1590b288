/**
 * Clusters and the map end to end in browser mode (built renderer, real service, Debian Chromium)
 * on the fixture library analysed on features alone: run the clustering from the Clusters screen
 * (in the worker process, as a big library would) and follow its progress events, see the cards
 * and the metrics in words, play a cluster, export the run (CSV) and a cluster (M3U) as downloads,
 * open the Map: hover names a track, click plays it, Shift+drag queues the box, the search marks
 * matches, right click opens the track menu; the "By cluster" card on Now playing shows the run's
 * clusters. Screenshots go to test-results/. Skipped only when /usr/bin/chromium is absent.
 */
import { hasChromium, launchChromium } from '../helpers/chromium';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBrowserMode } from '../../src/main/browser/main';
import type { BrowserMode } from '../../src/main/browser/main';
import { projectRoot } from '../../src/main/project-root';
import { boundsOf } from '../../src/renderer/src/map/grid';
import { fitView } from '../../src/renderer/src/map/view';
import type { ClusterList, ClusterMap, ClusterProgress } from '../../src/shared/types';
import { fixtureLibraryDir } from '../helpers/shared';

const rendererDir = join(projectRoot(), 'out', 'renderer');
const shots = join(projectRoot(), 'test-results');

describe.skipIf(!hasChromium)('clusters and map in browser mode', () => {
  let dir: string;
  let app: BrowserMode;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(join(rendererDir, 'index.html'))) {
      throw new Error(
        `${rendererDir}/index.html is missing: run \`npx electron-vite build\` before this test`,
      );
    }
    mkdirSync(shots, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'timbre-e2e-clusters-'));
    const music = join(dir, 'Music');
    cpSync(fixtureLibraryDir, music, { recursive: true });
    // Every run in the worker process (out/main/clusters-worker.js), as a big library's would.
    process.env.TIMBRE_CLUSTERS_WORKER_THRESHOLD = '0';
    app = await runBrowserMode({
      home: join(dir, 'home'),
      rendererDir,
      open: false,
      quiet: true,
      autoAnalyze: false,
      handleSignals: false,
    });
    // Features alone (no model) analyse the 12 fixtures in seconds.
    await app.service.invoke('settings.set', { model: 'none', workers: 2 });
    await app.service.invoke('library.scan', { roots: [music] });
    await app.service.invoke('analysis.start', {});
    for (let i = 0; i < 1200; i++) {
      const s = (await app.service.invoke('analysis.status', {})) as { state: string };
      if (s.state === 'idle') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) problems.push(msg.text());
    });
  }, 240_000);

  afterAll(async () => {
    delete process.env.TIMBRE_CLUSTERS_WORKER_THRESHOLD;
    await browser?.close();
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs the clustering from the Clusters screen, shows the cards, plays a cluster and exports', async () => {
    await page.goto(app.url);
    await page.click('[data-screen="clusters"]');
    await page.getByText('No clusters yet').waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(shots, 'clusters-empty.png') });

    // The page's own stream of clusters.progress events (same token as the app's client).
    await page.evaluate(`(() => {
      const token = document.querySelector('meta[name="timbre-token"]').content;
      window.__progress = [];
      const source = new EventSource('/api/events?token=' + encodeURIComponent(token));
      source.addEventListener('clusters.progress', (m) => window.__progress.push(JSON.parse(m.data)));
      window.__progressSource = source;
    })()`);
    await page.waitForTimeout(300);

    await page.getByLabel('Algorithm').selectOption('kmeans');
    await page.getByRole('button', { name: 'Run clustering' }).first().click();
    await page.locator('.cluster-card').first().waitFor({ timeout: 45_000 });
    const events = (await page.evaluate('window.__progress')) as ClusterProgress[];
    expect(events[0]).toMatchObject({ state: 'running', algorithm: 'kmeans' });
    expect(events.at(-1)).toMatchObject({ state: 'done', inWorker: true, tracks: 12 });

    const list = (await app.service.invoke('clusters.list', {})) as ClusterList;
    expect(list.run?.algorithm).toBe('kmeans');
    expect(await page.locator('.cluster-card').count()).toBe(list.clusters.length);
    const first = page.locator('.cluster-card').first();
    expect(await first.locator('.cluster-name').textContent()).toBe(list.clusters[0].name);
    expect(await first.locator('.cluster-size').textContent()).toBe(`${list.clusters[0].size} tracks`);
    expect(await first.locator('.rep-list li').count()).toBe(list.clusters[0].representatives.length);
    expect(await page.locator('.metric-words').textContent()).toMatch(/silhouette -?\d\.\d\d/);
    await page.screenshot({ path: join(shots, 'clusters-cards.png'), fullPage: true });

    // Play the cluster: its tracks become the queue, the first one plays.
    await first.getByRole('button', { name: 'Play cluster' }).click();
    await expect
      .poll(() => page.locator('[data-screen="queue"] .badge').textContent(), { timeout: 10_000 })
      .toBe(String(list.clusters[0].size));
    expect(await page.locator('.player-title').textContent()).toBe(list.clusters[0].representatives[0].title);

    // A representative track has the track menu.
    await first.locator('.rep-list li').first().click({ button: 'right' });
    await page.locator('.track-menu').waitFor({ timeout: 5_000 });
    expect(await page.locator('.track-menu [role="menuitem"]').first().textContent()).toBe('Play');
    // Why this track? says, once clustered, what put it in its cluster.
    await page.locator('.track-menu [role="menuitem"]', { hasText: 'Why this track?' }).click();
    const why = page.locator('[role="dialog"][aria-label="Why this track?"] .cluster-why');
    await why.waitFor({ timeout: 10_000 });
    expect(await why.textContent()).toContain(`In the cluster “${list.clusters[0].name}” because it is:`);
    expect(await why.locator('li').count()).toBeGreaterThan(0);
    await page.locator('[role="dialog"] button[aria-label="Close"]').click();

    // Exports arrive as downloads.
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(csv.suggestedFilename()).toMatch(/^timbre-clusters-.*-kmeans\.csv$/);
    const csvText = readFileSync((await csv.path()) as string, 'utf8');
    expect(csvText.trim().split('\r\n')).toHaveLength(13);
    const [m3u] = await Promise.all([
      page.waitForEvent('download'),
      first.getByRole('button', { name: 'Export M3U' }).click(),
    ]);
    expect(m3u.suggestedFilename()).toMatch(/\.m3u8$/);
    const m3uText = readFileSync((await m3u.path()) as string, 'utf8');
    expect(m3uText.startsWith('#EXTM3U')).toBe(true);
    expect(m3uText.split('\n').filter((l) => l.startsWith('/'))).toHaveLength(list.clusters[0].size);
    expect(problems).toEqual([]);
  }, 60_000);

  it('the map: hover names a track, click plays it, Shift+drag queues the box, search marks matches', async () => {
    await page.click('[data-screen="map"]');
    await page.waitForSelector('canvas.map-canvas[data-points="12"]', { timeout: 15_000 });
    const map = (await app.service.invoke('clusters.map', { method: 'umap' })) as ClusterMap;
    const canvas = page.locator('canvas.map-canvas');
    const box = await canvas.boundingBox();
    if (!box) throw new Error('no canvas box');
    // Where the page draws each point: the same fit of the same points (y drawn upwards).
    const xy = new Float32Array(map.points.flatMap((p) => [p.x, -p.y]));
    const view = fitView(
      boundsOf({ xy, n: map.points.length }),
      Math.floor(box.width),
      Math.floor(box.height),
    );
    const at = (i: number) => ({
      x: box.x + xy[2 * i] * view.scale + view.tx,
      y: box.y + xy[2 * i + 1] * view.scale + view.ty,
    });
    // A point with no other within 12 px, so hover and click cannot pick a neighbour.
    const alone = map.points.findIndex((_, i) =>
      map.points.every((__, j) => j === i || Math.hypot(at(i).x - at(j).x, at(i).y - at(j).y) > 12),
    );
    expect(alone).toBeGreaterThanOrEqual(0);
    const target = map.points[alone];
    await page.mouse.move(at(alone).x, at(alone).y);
    await page.locator('.map-tip').waitFor({ timeout: 5_000 });
    expect(await page.locator('.map-tip-title').textContent()).toBe(target.title);
    await page.screenshot({ path: join(shots, 'map-hover.png') });

    // Click plays it (and the map marks it as playing).
    await page.mouse.click(at(alone).x, at(alone).y);
    await expect
      .poll(() => page.locator('.player-title').textContent(), { timeout: 10_000 })
      .toBe(target.title);
    expect(await page.locator('[data-screen="queue"] .badge').textContent()).toBe('1');

    // Shift+drag a box around the whole map: every track is queued after the playing one.
    await page.keyboard.down('Shift');
    await page.mouse.move(box.x + 3, box.y + 3);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 5 });
    await page.mouse.move(box.x + box.width - 3, box.y + box.height - 3, { steps: 5 });
    await page.screenshot({ path: join(shots, 'map-box.png') });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    await expect
      .poll(() => page.locator('[data-screen="queue"] .badge').textContent(), { timeout: 10_000 })
      .toBe('13');
    await page.getByText('Queued 12 tracks from the map.').waitFor({ timeout: 5_000 });

    // A drag pans: the point moves with it.
    const before = (await page.evaluate('window.timbreMapStats.redraws.length')) as number;
    await page.mouse.move(box.x + 40, box.y + 40);
    await page.mouse.down();
    await page.mouse.move(box.x + 140, box.y + 90, { steps: 10 });
    await page.mouse.up();
    expect(await page.evaluate('window.timbreMapStats.redraws.length')).toBeGreaterThan(before);
    await page.mouse.move(at(alone).x + 100, at(alone).y + 50);
    await page.locator('.map-tip').waitFor({ timeout: 5_000 });
    expect(await page.locator('.map-tip-title').textContent()).toBe(target.title);

    // Right click: the track menu of that point.
    await page.mouse.click(at(alone).x + 100, at(alone).y + 50, { button: 'right' });
    await page.locator('.track-menu').waitFor({ timeout: 5_000 });
    expect(await page.locator('.track-menu-title').textContent()).toBe(target.title);
    await page.keyboard.press('Escape');

    // Search marks the matches.
    await page.getByLabel('Search the map').fill(target.title ?? '');
    await expect
      .poll(() => page.locator('.map-matches').textContent(), { timeout: 5_000 })
      .toMatch(/^1 match$/);
    await page.getByLabel('Search the map').fill('zzzz-nothing');
    await expect.poll(() => page.locator('.map-matches').textContent(), { timeout: 5_000 }).toBe('no match');
    await page.getByLabel('Search the map').fill('');
    await page.screenshot({ path: join(shots, 'map.png') });
    expect(problems).toEqual([]);
  }, 60_000);

  it('the By cluster card on Now playing and Similar shows the run’s clusters', async () => {
    const list = (await app.service.invoke('clusters.list', {})) as ClusterList;
    await page.click('[data-screen="queue"]');
    const card = page.locator('.by-cluster');
    await card.locator('.cluster-group').first().waitFor({ timeout: 15_000 });
    const titles = await card.locator('.cluster-title').allTextContents();
    expect(titles[0]).toMatch(/^\s*Same cluster: /);
    const names = list.clusters.map((c) => c.name);
    expect(names.some((n) => titles[0].includes(n))).toBe(true);
    for (const t of titles.slice(1)) expect(names.some((n) => t.includes(n))).toBe(true);
    // Its tracks have the track menu.
    await card.locator('.cluster-group li').first().click({ button: 'right' });
    await page.locator('.track-menu').waitFor({ timeout: 5_000 });
    await page.keyboard.press('Escape');
    await page.screenshot({ path: join(shots, 'now-playing-by-cluster.png'), fullPage: true });

    await page.click('[data-screen="similar"]');
    await page.locator('.by-cluster .cluster-group').first().waitFor({ timeout: 15_000 });
    expect(problems).toEqual([]);
  }, 60_000);
});
