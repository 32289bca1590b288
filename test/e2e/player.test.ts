/**
 * The player end to end in browser mode (built renderer, real service, Debian Chromium): keyboard
 * play and seek, the context menu's Play next, drag to reorder and multi-select in the queue, the
 * queue surviving a reload, a deleted file that says why and is skipped, and seeking in a track
 * played through the ffmpeg transcode. Screenshots of each view go to test-results/.
 * Skipped only when /usr/bin/chromium is absent.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserMode } from '../../src/main/browser/main';
import { hasChromium } from '../helpers/chromium';
import { audioState, openE2e, realProblems, shotsDir as shots } from '../helpers/e2e';
import type { AudioLike, E2e } from '../helpers/e2e';

const fixtures = [
  'Wesnoth/Mattias Westlund/Breaking the Chains.mp3',
  'Obsidian Shell/M.A.R.S/Farewell.ogg',
  'Maxstack/Singularity/01 Awakening.flac',
  'Maxstack/Singularity/02 Inevitable.aiff',
  'Tracker/TecnoballZ/Tecno Winn.mp3',
  'Wesnoth/Stephen Rozanc/Northerners.flac',
];

const audio = (page: Page) => audioState(page);
const queueTitles = (page: Page) => page.locator('.queue-list li .q-title').allTextContents();
const row = (page: Page, title: string) => page.locator('.table-body [data-track-id]', { hasText: title });

describe.skipIf(!hasChromium)('player in browser mode', () => {
  let e2e: E2e;
  let dir: string;
  let music: string;
  let app: BrowserMode;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    e2e = await openE2e({ prefix: 'timbre-e2e-player-', fixtures, scan: true });
    ({ dir, music, app, page, problems } = e2e);
  });

  afterAll(async () => {
    await e2e?.close();
  });

  it('plays with the keyboard, seeks, and Space is not swallowed by a focused button', async () => {
    await page.goto(app.url);
    await page.waitForSelector('.table-body [data-track-id]', { timeout: 15_000 });
    expect(await page.locator('.table-body [data-track-id]').count()).toBe(fixtures.length);

    // Arrows move the selection in the table, Enter plays from it.
    await row(page, 'Breaking the Chains').click();
    const titles = await page.locator('.table-body [data-track-id] .title').allTextContents();
    const below = titles[titles.findIndex((t) => t.includes('Breaking the Chains')) + 1];
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.locator('.table-body .row.selected .title').textContent()).toBe(below);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await expect
      .poll(
        async () => {
          const a = await audio(page);
          return a.time > 0.3 && !a.paused;
        },
        { timeout: 20_000 },
      )
      .toBe(true);
    expect(await page.locator('.player-title').textContent()).toBe('Breaking the Chains');

    // Space on a focused button toggles once (the button does not click as well).
    await page.getByRole('button', { name: 'Next' }).focus();
    await page.keyboard.press('Space');
    await expect.poll(async () => (await audio(page)).paused).toBe(true);
    expect(await page.locator('.player-title').textContent()).toBe('Breaking the Chains');
    await page.keyboard.press('Space');
    await expect.poll(async () => (await audio(page)).paused).toBe(false);

    // Ctrl+→ seeks 5 s forward, Ctrl+Shift+→ 30 s.
    const before = (await audio(page)).time;
    await page.keyboard.press('Control+ArrowRight');
    await expect.poll(async () => (await audio(page)).time).toBeGreaterThan(before + 4);
    const vol = await page.locator('input[aria-label="Volume"]').inputValue();
    await page.keyboard.press('Control+ArrowDown');
    expect(Number(await page.locator('input[aria-label="Volume"]').inputValue())).toBeCloseTo(
      Number(vol) - 0.05,
      5,
    );
    // Ctrl+F focuses the search box.
    await page.keyboard.press('Control+f');
    expect(
      await page.evaluate("document.activeElement && document.activeElement.getAttribute('aria-label')"),
    ).toBe('Search');
    await page.locator('.brand').click();
    // Paused for the queue edits that follow (the fixtures are 30 s long).
    await page.keyboard.press('Space');
    await expect.poll(async () => (await audio(page)).paused).toBe(true);
    await page.screenshot({ path: join(shots, 'player-library.png') });
  });

  it('context menu: Play next and Add to queue; drag and multi-select edit the queue', async () => {
    // Enter played from the row on (the rest of the list follows): keep only the playing track,
    // then the queue is what Play next and Add to queue put there.
    await page.click('[data-screen="queue"]');
    expect((await queueTitles(page)).length).toBeGreaterThan(1);
    await page.getByRole('button', { name: 'Clear upcoming' }).click();
    await page.click('[data-screen="library"]');
    await row(page, 'Farewell').click({ button: 'right' });
    await expect(page.getByRole('menu')).toBeDefined();
    await page.screenshot({ path: join(shots, 'player-context-menu.png') });
    await page.getByRole('menuitem', { name: 'Play next' }).click();
    await row(page, 'Awakening').click({ button: 'right' });
    await page.getByRole('menuitem', { name: 'Add to queue' }).click();
    await row(page, 'Tecno Winn').click({ button: 'right' });
    await page.getByRole('menuitem', { name: 'Play next' }).click();
    await page.click('[data-screen="queue"]');
    expect(await queueTitles(page)).toEqual(['Breaking the Chains', 'Tecno Winn', 'Farewell', 'Awakening']);

    // Drag Awakening above Tecno Winn.
    await page
      .locator('.queue-list li', { hasText: 'Awakening' })
      .dragTo(page.locator('.queue-list li', { hasText: 'Tecno Winn' }), { targetPosition: { x: 40, y: 4 } });
    await expect
      .poll(() => queueTitles(page))
      .toEqual(['Breaking the Chains', 'Awakening', 'Tecno Winn', 'Farewell']);

    // Select two with Ctrl-click and move them to the end, then remove one with Delete.
    await page.locator('.queue-list li', { hasText: 'Awakening' }).click();
    await page.locator('.queue-list li', { hasText: 'Tecno Winn' }).click({ modifiers: ['Control'] });
    await page.getByRole('button', { name: 'Move to the end' }).click();
    expect(await queueTitles(page)).toEqual(['Breaking the Chains', 'Farewell', 'Awakening', 'Tecno Winn']);
    await page.screenshot({ path: join(shots, 'player-queue.png') });
    await page.getByRole('button', { name: 'Clear selection' }).click();
    await page.locator('.queue-list li', { hasText: 'Tecno Winn' }).click();
    await page.keyboard.press('Delete');
    expect(await queueTitles(page)).toEqual(['Breaking the Chains', 'Farewell', 'Awakening']);
  });

  it('a reload keeps the queue, the playing track and its position', async () => {
    await page.locator('#timbre-audio').evaluate((a: AudioLike) => {
      a.currentTime = 12;
    });
    await expect.poll(async () => (await audio(page)).time).toBeGreaterThanOrEqual(12);
    await page.reload();
    await page.click('[data-screen="queue"]');
    await expect
      .poll(() => queueTitles(page), { timeout: 10_000 })
      .toEqual(['Breaking the Chains', 'Farewell', 'Awakening']);
    expect(await page.locator('.np-title').textContent()).toBe('Breaking the Chains');
    // Restored paused, at the saved position (saved on leaving the page).
    await expect.poll(async () => (await audio(page)).ready, { timeout: 10_000 }).toBeGreaterThan(0);
    const restored = await audio(page);
    expect(restored.paused).toBe(true);
    expect(restored.time).toBeGreaterThan(11);
    await page.keyboard.press('Space');
    await expect.poll(async () => (await audio(page)).paused).toBe(false);
  });

  it('a deleted file says why, is marked, and the queue moves on', async () => {
    rmSync(join(music, 'Northerners.flac'));
    await page.click('[data-screen="library"]');
    await row(page, 'Northerners').click({ button: 'right' });
    await page.getByRole('menuitem', { name: 'Play next' }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    await expect
      .poll(() => page.locator('.notice').allTextContents(), { timeout: 10_000 })
      .toContainEqual(expect.stringMatching(/Cannot play “Northerners”: gone from disk: .*no longer exists/));
    expect((await page.locator('.notice').allTextContents()).join(' ')).not.toMatch(/cannot decode/);
    await expect
      .poll(() => page.locator('.player-title').textContent(), { timeout: 10_000 })
      .toBe('Farewell');
    expect(await row(page, 'Northerners').getAttribute('class')).toContain('unplayable');
    await page.screenshot({ path: join(shots, 'player-deleted-file.png') });
    await page.click('[data-screen="queue"]');
    expect(await page.locator('.queue-list li', { hasText: 'Northerners' }).getAttribute('class')).toContain(
      'unplayable',
    );
  });

  it('seeks in a transcoded track by restarting the transcode at the position', async () => {
    await page.click('[data-screen="library"]');
    await row(page, 'Inevitable').dblclick();
    await expect
      .poll(
        async () => {
          const a = await audio(page);
          return a.src.includes('transcode=1') && a.time > 0.3 && !a.paused;
        },
        { timeout: 20_000 },
      )
      .toBe(true);
    await page.locator('.brand').click();
    for (let i = 0; i < 3; i++) await page.keyboard.press('Control+ArrowRight');
    await expect.poll(async () => (await audio(page)).src, { timeout: 10_000 }).toMatch(/start=\d+/);
    const start = Number(/start=([\d.]+)/.exec((await audio(page)).src)?.[1]);
    expect(start).toBeGreaterThan(14);
    // The clock shows the position in the track, not in the new stream.
    await expect
      .poll(async () => (await audio(page)).time > 0.2 && !(await audio(page)).paused, { timeout: 20_000 })
      .toBe(true);
    const clock = await page.getByTestId('time').textContent();
    expect(clock).toMatch(/^0:(1[4-9]|2\d)$/);
    await page.screenshot({ path: join(shots, 'player-bar-transcoded.png') });
  });

  it('saves the queue as an M3U playlist and opens it again', async () => {
    await page.click('[data-screen="queue"]');
    const before = await queueTitles(page);
    const file = join(dir, 'mix.m3u8');
    await page.getByRole('button', { name: 'Save as playlist…' }).click();
    await page.getByLabel('Playlist file').fill(file);
    await page.screenshot({ path: join(shots, 'player-playlist-save.png') });
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect
      .poll(() => page.locator('.notice').allTextContents())
      .toContainEqual(`Saved ${before.length} tracks to ${file}.`);
    await page.getByRole('button', { name: 'Clear upcoming' }).click();
    expect((await queueTitles(page)).length).toBeLessThan(before.length);
    await page.getByRole('button', { name: 'Open playlist…' }).click();
    await page.getByLabel('Playlist file').fill(file);
    await page.getByRole('button', { name: 'Play it' }).click();
    await expect.poll(() => queueTitles(page)).toEqual(before);
  });

  it('Play similar on a track not analysed yet plays it, analyses it first, then follows up', async () => {
    await page.click('[data-screen="library"]');
    await row(page, 'Farewell').click({ button: 'right' });
    await page.getByRole('menuitem', { name: 'Play similar' }).click();
    await expect
      .poll(() => page.locator('.notice').allTextContents(), { timeout: 10_000 })
      .toContainEqual(
        '“Farewell” is not analysed yet: it is being analysed first, and its similar tracks follow as soon as it is.',
      );
    await expect.poll(() => page.locator('.player-title').textContent()).toBe('Farewell');
    const farewell = await row(page, 'Farewell').getAttribute('data-track-id');
    // Analysed ahead of the others: it is done before the run is.
    await expect
      .poll(() => app.service.invoke('analysis.track', { id: farewell }), { timeout: 90_000 })
      .not.toBeNull();
    // Then the player asks again: a queue follows, or (few tracks analysed yet) it says none was found.
    await page.click('[data-screen="queue"]');
    await expect
      .poll(
        async () =>
          (await queueTitles(page)).length > 1 ||
          (await page.locator('.notice').allTextContents()).includes(
            'No similar tracks found for this one yet.',
          ),
        { timeout: 60_000 },
      )
      .toBe(true);
    expect((await queueTitles(page))[0]).toBe('Farewell');
    await page.screenshot({ path: join(shots, 'player-now-playing.png') });
    expect(realProblems(problems)).toEqual([]);
  }, 180_000);
});
