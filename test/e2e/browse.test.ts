/**
 * Browsing in browser mode, in Debian Chromium, on the fixture library copied to a temp folder
 * with cover art added the three ways a library has it: a picture embedded in a file's tags,
 * cover.jpg / Folder.PNG / front.webp beside the files, and none (placeholders). Scans through the
 * folder picker, browses the album grid, opens an album page and plays from it, opens an artist
 * page, checks that a reload keeps the screen, sorts and searches the table, and that Settings
 * speaks in words and asks before dropping edits. Screenshots go to test-results/.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserMode } from '../../src/main/browser/main';
import { CHROMIUM, hasChromium } from '../helpers/chromium';
import { openE2e, realProblems, shotsDir as shots } from '../helpers/e2e';
import type { AudioLike, E2e } from '../helpers/e2e';
import { fixtureLibraryDir } from '../helpers/shared';

interface ImageLike {
  complete: boolean;
  naturalWidth: number;
}

/** A square picture from one of ffmpeg's generators (no image files are kept in the project). */
function picture(out: string, source: string): void {
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', source, '-frames:v', '1', '-y', out]);
}

/** Waits until every cover on the page has loaded (thumbnails are made on their first request). */
async function coversLoaded(page: Page): Promise<void> {
  await expect
    .poll(
      () =>
        page
          .locator('img.cover')
          .evaluateAll(
            (imgs: ImageLike[]) => imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 0),
          ),
      { timeout: 20_000 },
    )
    .toBe(true);
}

/** A screenshot once covers are in and nothing is hovered or focused. */
async function shot(page: Page, name: string): Promise<void> {
  await coversLoaded(page);
  await page.mouse.move(0, 0);
  await page.evaluate(() =>
    (
      globalThis as unknown as { document: { activeElement: { blur?: () => void } | null } }
    ).document.activeElement?.blur?.(),
  );
  await page.screenshot({ path: join(shots, name) });
}

/** Cover art the three ways a library has it: embedded in tags, image files beside the tracks, none. */
function addCovers(dir: string, music: string): void {
  // Embedded: the M.A.R.S. mp3 gets a picture in its ID3 tag.
  const art = join(dir, 'mars.png');
  picture(art, 'mandelbrot=s=640x640:maxiter=300:outer=normalized_iteration_count');
  execFileSync('ffmpeg', [
    ...['-v', 'error', '-i', join(fixtureLibraryDir, 'Obsidian Shell/M.A.R.S/Elveszett Lelkek.mp3')],
    ...['-i', art, '-map', '0:a', '-map', '1:v', '-c', 'copy', '-id3v2_version', '3'],
    ...['-metadata:s:v', 'comment=Cover (front)', join(music, 'Obsidian Shell/M.A.R.S/Elveszett Lelkek.mp3')],
  ]);
  // Folder images, in the three names and three formats people use.
  for (const who of ['Gianmarco Leone', 'Mattias Westlund', 'Stephen Rozanc']) {
    picture(
      join(music, 'Wesnoth', who, 'cover.jpg'),
      'gradients=s=640x640:c0=0x2b4a6f:c1=0xd9a441:c2=0x7a2f2f:x0=0:y0=0:x1=640:y1=640:nb_colors=3',
    );
  }
  picture(
    join(music, 'Maxstack/Singularity/Folder.PNG'),
    'gradients=s=640x640:c0=0x1b1f4a:c1=0x8e3fd1:c2=0xf0a35b:nb_colors=3:x0=0:y0=640:x1=640:y1=0',
  );
  picture(join(music, 'Nexuiz/front.webp'), 'cellauto=s=640x640:rule=110:random_fill_ratio=0.5,negate');
}

if (!hasChromium) console.warn(`e2e browse test skipped: ${CHROMIUM} is not installed.`);

describe.skipIf(!hasChromium)('browsing albums and artists in browser mode', () => {
  let e2e: E2e;
  let dir: string;
  let music: string;
  let app: BrowserMode;
  let page: Page;
  const coverKinds: string[] = [];
  let problems: string[];

  beforeAll(async () => {
    e2e = await openE2e({
      prefix: 'timbre-browse-',
      fixtures: 'tree',
      // Copied below with a picture in its tags.
      skip: (rel) => rel.endsWith('Elveszett Lelkek.mp3'),
      prepare: addCovers,
      viewport: { width: 1360, height: 860 },
    });
    ({ dir, music, app, page, problems } = e2e);
    page.on('response', (res) => {
      if (new URL(res.url()).pathname.startsWith('/cover/'))
        coverKinds.push(res.headers()['x-timbre-cover'] ?? '?');
    });
  }, 60_000);

  afterAll(async () => {
    await e2e?.close();
  });

  it('scans through the folder picker, browses covers, plays from an album page', async () => {
    await page.goto(app.url);
    await page.click('[data-screen="scan"]');
    // The picker opens where the typed path points, lists folders only, and picks one.
    await page.fill('input[aria-label="Music folder"]', dir);
    await page.getByRole('button', { name: 'Browse…' }).click();
    const picker = page.getByRole('dialog', { name: 'Choose a music folder' });
    await picker.locator('.fp-dir', { hasText: 'Music' }).click();
    await expect.poll(() => picker.locator('.fp-current').textContent()).toBe(music);
    expect(await picker.locator('.fp-dir').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining('Maxstack'), expect.stringContaining('Wesnoth')]),
    );
    await page.screenshot({ path: join(shots, 'folder-picker.png') });
    await picker.getByRole('button', { name: 'Choose this folder' }).click();
    expect(await page.inputValue('input[aria-label="Music folder"]')).toBe(music);
    await page.click('button[type="submit"]');
    await page.waitForSelector('[data-phase="done"]', { timeout: 30_000 });
    expect(await page.textContent('[data-phase="done"]')).toContain('12 added');

    // The album grid: one card per album, every cover image loaded.
    await page.click('[data-screen="albums"]');
    await expect.poll(() => page.locator('.album-card').count(), { timeout: 10_000 }).toBe(7);
    await expect
      .poll(
        () =>
          page
            .locator('.album-card img.cover')
            .evaluateAll((imgs: ImageLike[]) => imgs.every((i) => i.complete && i.naturalWidth > 0)),
        { timeout: 20_000 },
      )
      .toBe(true);
    expect(new Set(coverKinds)).toEqual(new Set(['embedded', 'folder', 'placeholder']));
    expect(await page.locator('.album-card', { hasText: 'Battle for Wesnoth' }).textContent()).toContain(
      'Various Artists',
    );
    await shot(page, 'album-grid.png');

    // The album page: tracks in track order; Play starts the first.
    await page.locator('.album-card .album-title', { hasText: 'Battle for Wesnoth' }).click();
    await page.waitForSelector('.album-page .track-item');
    expect(new URL(page.url()).hash).toMatch(/^#\/album\//);
    const titles = await page.locator('.album-page .track-item .ti-title').allTextContents();
    expect(titles).toEqual(['Breaking the Chains', 'Northerners', 'The Deep Path']);
    await page
      .locator('.album-page .hero-actions')
      .getByRole('button', { name: 'Play', exact: true })
      .click();
    await expect
      .poll(
        () =>
          page
            .locator('#timbre-audio')
            .evaluate((a: AudioLike) => !a.paused && a.currentTime > 0.3 && a.readyState >= 2),
        { timeout: 20_000 },
      )
      .toBe(true);
    await expect.poll(() => page.locator('.player-title').textContent()).toBe('Breaking the Chains');
    expect(await page.locator('.player-bar img.cover').count()).toBe(1);
    // Enter on another row plays from it.
    await page.locator('.album-page .track-item', { hasText: 'Northerners' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.player-title').textContent()).toBe('Northerners');
    await shot(page, 'album-page.png');

    // The artist page from an album's artist link.
    await page.click('[data-screen="albums"]');
    await page.locator('.album-card', { hasText: 'Singularity' }).locator('.album-artist').click();
    await page.waitForSelector('.artist-page .hero-title');
    expect(await page.textContent('.artist-page .hero-title')).toBe('Maxstack');
    expect(await page.locator('.artist-page .track-item .ti-title').allTextContents()).toEqual([
      'Awakening',
      'Inevitable',
    ]);
    await shot(page, 'artist-page.png');

    // A reload comes back to the same page (the route lives in the URL hash).
    await page.reload();
    await page.waitForSelector('.artist-page .hero-title');
    expect(await page.textContent('.artist-page .hero-title')).toBe('Maxstack');

    await page.click('[data-screen="artists"]');
    await expect.poll(() => page.locator('.artist-card').count()).toBeGreaterThanOrEqual(8);
    await shot(page, 'artists.png');
    expect(realProblems(problems)).toEqual([]);
  }, 120_000);

  it('sorts the table by any header both ways, folds accents in search, suggests from the library', async () => {
    await page.click('[data-screen="library"]');
    await page.waitForSelector('.table-body [data-track-id]');
    const column = (i: number) =>
      page
        .locator('.table-body .row')
        .evaluateAll(
          (
            rows: { style: { top: string }; children: ArrayLike<{ textContent: string | null }> }[],
            idx: number,
          ) =>
            [...rows]
              .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
              .map((r) => r.children[idx].textContent ?? ''),
          i,
        );
    await page.click('[data-sort="trackNo"]');
    await expect.poll(async () => (await column(0)).slice(0, 4)).toEqual(['1', '1', '1', '2']);
    await page.click('[data-sort="trackNo"]');
    await expect.poll(async () => (await column(0))[0]).toBe('10');
    expect(await page.getAttribute('[role="columnheader"][aria-sort="descending"] button', 'data-sort')).toBe(
      'trackNo',
    );
    const inTitleOrder = async (desc: boolean) => {
      // The playing track's title carries the now-playing mark; order is by the title itself.
      const shown = (await column(1)).map((t) => t.replace(/^♪\s*/, ''));
      const sorted = [...shown].sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' }));
      if (desc) sorted.reverse();
      return shown.length === 12 && JSON.stringify(shown) === JSON.stringify(sorted);
    };
    await page.click('[data-sort="title"]');
    await expect.poll(() => inTitleOrder(false)).toBe(true);
    await page.click('[data-sort="title"]');
    await expect.poll(() => inTitleOrder(true)).toBe(true);

    await page.fill('input[aria-label="Search"]', 'unicode');
    await expect.poll(() => page.locator('.table-body [data-track-id]').count(), { timeout: 5_000 }).toBe(1);
    // Its tags say "Sorcerer"; the accents are in its file name, which search covers too.
    expect(await page.getAttribute('.table-body [data-track-id] .title', 'title')).toContain('Ünïcødé');
    await page.fill('input[aria-label="Search"]', '');

    // The album filter matches part of a name; its suggestions come from library.values.
    const values = page.waitForRequest((r) => r.url().includes('/api/library.values'));
    await page.fill('input[aria-label="Album"]', 'wesn');
    expect(JSON.parse((await values).postData() ?? '{}')).toMatchObject({ field: 'album' });
    await expect.poll(() => page.locator('.table-body [data-track-id]').count(), { timeout: 5_000 }).toBe(3);
    expect(await page.locator('#filter-album option').first().getAttribute('value')).toBe(
      'Battle for Wesnoth',
    );
    await page.screenshot({ path: join(shots, 'library-table.png') });
    await page.fill('input[aria-label="Album"]', '');
  });

  it('says what to change in Settings and asks before dropping unsaved edits', async () => {
    await page.click('[data-screen="settings"]');
    const workers = page.locator('label.field', { hasText: 'Worker processes' }).locator('input');
    await workers.fill('0');
    await expect
      .poll(() => page.locator('.settings-problems').textContent())
      .toBe('Workers must be at least 1.');
    expect(await page.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);
    await page.screenshot({ path: join(shots, 'settings-error.png') });

    const dialogs: string[] = [];
    page.once('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.click('[data-screen="albums"]');
    expect(dialogs).toEqual(['Your settings changes are not saved. Leave and lose them?']);
    expect(new URL(page.url()).hash).toBe('#/settings');
    page.once('dialog', (d) => void d.accept());
    await page.click('[data-screen="albums"]');
    await expect.poll(() => new URL(page.url()).hash).toBe('#/albums');
  });

  it('keeps its address: a second launch on the same data folder has the same port and token', async () => {
    const { port, token } = app.server;
    // The cookie set from the token address outlives the browser session (a bookmark works).
    expect(
      (await page.context().cookies()).some((c) => c.name === `timbre_token_${port}` && c.expires > 0),
    ).toBe(true);
    app = await e2e.relaunch();
    expect(app.server.port).toBe(port);
    expect(app.server.token).toBe(token);
    // A fresh visit of the bookmark: the page may already be at this address, and a goto that only
    // changes the hash would keep the page that lost its server during the relaunch.
    await page.goto('about:blank');
    await page.goto(`${app.server.origin}/#/albums`);
    await expect.poll(() => page.locator('.album-card').count(), { timeout: 10_000 }).toBe(7);
    app = await e2e.relaunch({ newAddress: true });
    expect(app.server.token).not.toBe(token);
  }, 60_000);
});
