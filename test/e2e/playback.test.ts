/**
 * Playback hand-overs and the audio clock in browser mode (built renderer, real service, Debian
 * Chromium) on four fixtures: crossfade set through the Settings screen overlaps two tracks of
 * different albums and the queue, Now playing, MediaSession and a reload follow; pause, play and
 * previous in the middle of a fade act on the incoming track; inside an album
 * (Awakening → Inevitable, an AIFF that plays through the ffmpeg transcode) the same setting plays
 * gaplessly; gapless mode starts the next track, loaded ahead, as one ends; off leaves a pause.
 * Then two seconds of playback re-render the seek bar several times and the app shell not at all.
 * Skipped only when /usr/bin/chromium is absent.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserMode } from '../../src/main/browser/main';
import type { Settings, TrackPage } from '../../src/shared/types';
import { CHROMIUM, hasChromium } from '../helpers/chromium';
import { audioState, openE2e, realProblems, shotsDir } from '../helpers/e2e';
import type { E2e } from '../helpers/e2e';

const fixtures = [
  'Wesnoth/Mattias Westlund/Breaking the Chains.mp3',
  'Obsidian Shell/M.A.R.S/Farewell.ogg',
  'Maxstack/Singularity/01 Awakening.flac',
  'Maxstack/Singularity/02 Inevitable.aiff',
];

/** What the page records of both audio elements (installed before the app loads). */
interface Sample {
  t: number;
  /** [#timbre-audio, #timbre-audio-standby]; `rec` names the element itself (A or B) as ids swap. */
  els: { rec: string; src: string; paused: boolean; volume: number; time: number }[];
}
interface MediaEvent {
  t: number;
  type: string;
  rec: string;
  src: string;
}
interface Recorder {
  samples: Sample[];
  events: MediaEvent[];
}

/**
 * Runs in the page: every 50 ms, the state of both elements; and their play/playing/ended events.
 * (A string, so this file needs no DOM types.)
 */
const RECORDER = `
  window.__timbreRenderCounts = {};
  window.__rec = { samples: [], events: [] };
  const watch = () => {
    const els = [...document.querySelectorAll('audio')];
    if (els.length < 2) return false;
    els.forEach((el, i) => { el.dataset.rec = 'AB'[i]; });
    for (const el of els)
      for (const type of ['play', 'playing', 'ended'])
        el.addEventListener(type, () =>
          window.__rec.events.push({ t: performance.now(), type, rec: el.dataset.rec, src: el.src }));
    setInterval(() => {
      const byId = (id) => document.getElementById(id);
      const pick = [byId('timbre-audio'), byId('timbre-audio-standby')];
      if (!pick[0] || !pick[1]) return;
      window.__rec.samples.push({ t: performance.now(), els: pick.map((e) => ({
        rec: e.dataset.rec, src: e.src, paused: e.paused, volume: e.volume, time: e.currentTime })) });
      if (window.__rec.samples.length > 4000) window.__rec.samples.splice(0, 2000);
    }, 50);
    return true;
  };
  const wait = setInterval(() => { if (watch()) clearInterval(wait); }, 20);
`;

const recorder = (page: Page): Promise<Recorder> => page.evaluate('window.__rec') as Promise<Recorder>;
const resetRecorder = (page: Page): Promise<unknown> =>
  page.evaluate('window.__rec.samples = []; window.__rec.events = []');
const title = (page: Page) => page.locator('.player-title').textContent();
const row = (page: Page, name: string) => page.locator('.table-body [data-track-id]', { hasText: name });

if (!hasChromium) console.warn(`e2e playback test skipped: ${CHROMIUM} is not installed.`);

describe.skipIf(!hasChromium)('track hand-overs and the clock in browser mode', () => {
  let e2e: E2e;
  let app: BrowserMode;
  let page: Page;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    e2e = await openE2e({ prefix: 'timbre-e2e-playback-', fixtures, scan: true });
    ({ app, page } = e2e);
    await page.addInitScript(RECORDER);
    const list = (await app.service.invoke('library.list', {})) as TrackPage;
    for (const t of list.tracks) ids.set(t.title, t.id);
  });

  afterAll(async () => {
    await e2e?.close();
  });

  /**
   * Plays `first` with only `second` queued after it, then jumps to `before` s from its end;
   * returns the first one's length.
   */
  async function playPair(first: string, second: string, before: number): Promise<number> {
    await page.click('[data-screen="library"]');
    await row(page, first).dblclick();
    await expect
      .poll(async () => (await title(page)) === first && (await audioState(page)).time > 0.2, {
        timeout: 20_000,
      })
      .toBe(true);
    await page.click('[data-screen="queue"]');
    await page.getByRole('button', { name: 'Clear upcoming' }).click();
    await page.click('[data-screen="library"]');
    await row(page, second).click({ button: 'right' });
    await page.getByRole('menuitem', { name: 'Play next' }).click();
    await resetRecorder(page);
    return page
      .locator('#timbre-audio')
      .evaluate((a: { currentTime: number; duration: number }, s: number) => {
        a.currentTime = a.duration - s;
        return a.duration;
      }, before);
  }

  /** Waits until `name` plays and is the queue's current entry (the row Now playing marks). */
  async function waitPlaying(name: string): Promise<void> {
    await expect.poll(() => title(page), { timeout: 20_000 }).toBe(name);
    await expect.poll(async () => (await audioState(page)).time, { timeout: 20_000 }).toBeGreaterThan(0.3);
    await page.click('[data-screen="queue"]');
    await expect.poll(() => page.locator('.np-title').textContent()).toBe(name);
  }

  const srcOf = (name: string) => `/media/${ids.get(name)}`;

  it('crossfade (set in Settings) overlaps two albums’ tracks and the queue moves on', async () => {
    await page.goto(app.url);
    await page.waitForSelector('.table-body [data-track-id]', { timeout: 15_000 });
    await page.click('[data-screen="settings"]');
    await page
      .locator('label.field', { hasText: 'Between tracks' })
      .locator('select')
      .selectOption('crossfade');
    const length = page.locator('label.field', { hasText: 'Crossfade length' }).locator('input');
    await length.fill('20');
    await expect
      .poll(() => page.locator('.settings-problems').textContent())
      .toBe('The crossfade length (seconds) must be at most 12.');
    await length.fill('3');
    expect(await page.locator('.settings-problems').count()).toBe(0);
    await page
      .locator('.card', { has: page.getByRole('heading', { name: 'Playback', exact: true }) })
      .scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shotsDir, 'settings-playback.png') });
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Settings saved.').waitFor({ timeout: 10_000 });
    expect(((await app.service.invoke('settings.get', {})) as Settings).playback).toEqual({
      transition: 'crossfade',
      crossfadeSeconds: 3,
      albumGapless: true,
    });

    const trackLength = await playPair('Breaking the Chains', 'Farewell', 6);
    await waitPlaying('Farewell');
    // The fade is over when the outgoing element is emptied.
    await expect
      .poll(async () => (await audioState(page, 'timbre-audio-standby')).src, { timeout: 10_000 })
      .not.toContain('/media/');
    const rec = await recorder(page);
    // Some moment had both playing: Farewell rising while Breaking the Chains, not yet ended, faded.
    const both = rec.samples.filter(
      (s) =>
        s.els[0].src.includes(srcOf('Farewell')) &&
        s.els[1].src.includes(srcOf('Breaking the Chains')) &&
        !s.els[0].paused &&
        !s.els[1].paused,
    );
    expect(both.length).toBeGreaterThan(3);
    const mid = both.filter((s) => s.els[0].volume > 0.1 && s.els[1].volume > 0.1);
    expect(mid.length).toBeGreaterThan(0);
    // Equal power: the two gains' squares sum to the volume's (0.8 by default) squared.
    for (const s of mid) expect(s.els[0].volume ** 2 + s.els[1].volume ** 2).toBeCloseTo(0.64, 1);
    const overlap = (both[both.length - 1].t - both[0].t) / 1000;
    const began = trackLength - both[0].els[1].time;
    console.info(
      `crossfade of 3 s: began ${began.toFixed(2)} s before the end, both sounded for ${overlap.toFixed(2)} s`,
    );
    expect(overlap).toBeGreaterThan(1.5);
    expect(began).toBeGreaterThan(2);
    expect(began).toBeLessThan(3.6);
    // The queue moved on by one entry, the system controls show the new track, and a reload keeps it.
    expect(await page.locator('.queue-list li .q-title').allTextContents()).toEqual([
      'Breaking the Chains',
      'Farewell',
    ]);
    expect(await page.evaluate('navigator.mediaSession.metadata?.title')).toBe('Farewell');
    expect(await page.evaluate('navigator.mediaSession.playbackState')).toBe('playing');
    await page.screenshot({ path: join(shotsDir, 'now-playing-after-crossfade.png') });
    await page.reload();
    await page.click('[data-screen="queue"]');
    await expect.poll(() => page.locator('.np-title').textContent(), { timeout: 10_000 }).toBe('Farewell');
  });

  it('pause, play and previous during a crossfade act on the incoming track', async () => {
    await app.service.invoke('settings.set', { playback: { crossfadeSeconds: 6 } });
    await page.waitForTimeout(500);
    await playPair('Breaking the Chains', 'Farewell', 9);
    const standby = () => audioState(page, 'timbre-audio-standby');
    // Mid-fade: the outgoing track still plays in the other element.
    await expect
      .poll(
        async () => {
          const s = await standby();
          return s.src.includes(srcOf('Breaking the Chains')) && !s.paused;
        },
        { timeout: 15_000, interval: 50 },
      )
      .toBe(true);
    expect(await title(page)).toBe('Farewell');
    await page.locator('.brand').click();
    await page.keyboard.press('Space');
    // Paused: the fade is cut (the outgoing element emptied), the incoming track paused where it was.
    await expect.poll(async () => (await audioState(page)).paused).toBe(true);
    expect((await standby()).src).not.toContain('/media/');
    expect((await audioState(page)).src).toContain(srcOf('Farewell'));
    expect(await page.evaluate('navigator.mediaSession.playbackState')).toBe('paused');
    await page.keyboard.press('Space');
    await expect.poll(async () => (await audioState(page)).paused).toBe(false);
    expect((await audioState(page)).volume).toBeCloseTo(0.8, 5);
    // Previous within its first seconds goes back to the entry before, from the top.
    await page.getByRole('button', { name: 'Previous' }).click();
    await expect.poll(() => title(page)).toBe('Breaking the Chains');
    await expect
      .poll(async () => {
        const a = await audioState(page);
        return a.src.includes(srcOf('Breaking the Chains')) && !a.paused && a.time < 10;
      })
      .toBe(true);
    await app.service.invoke('settings.set', { playback: { crossfadeSeconds: 3 } });
    await page.waitForTimeout(500);
  });

  it('inside an album the crossfade setting plays gaplessly, into a transcoded AIFF', async () => {
    await playPair('Awakening', 'Inevitable', 4);
    await waitPlaying('Inevitable');
    const a = await audioState(page);
    expect(a.src).toContain('transcode=1');
    expect(a.src).toContain(srcOf('Inevitable'));
    const rec = await recorder(page);
    // Never both audible at once: the album's next track starts as the previous one ends.
    expect(
      rec.samples.some(
        (s) => !s.els[0].paused && !s.els[1].paused && s.els[0].volume > 0.05 && s.els[1].volume > 0.05,
      ),
    ).toBe(false);
    const ended = rec.events.find((e) => e.type === 'ended' && e.src.includes(srcOf('Awakening')));
    const started = rec.events.find((e) => e.type === 'play' && e.src.includes(srcOf('Inevitable')));
    expect(ended).toBeDefined();
    expect(started).toBeDefined();
    console.info(
      `album-gapless into a transcode: play() ${(started!.t - ended!.t).toFixed(0)} ms after the end`,
    );
    // Started by the engine at the end, not by a reload through the queue (which waits for React).
    expect(Math.abs(started!.t - ended!.t)).toBeLessThan(400);
    // And seeking in it still restarts the transcode at the position.
    await page.locator('.brand').click();
    await page.keyboard.press('Control+ArrowRight');
    await expect.poll(async () => (await audioState(page)).src, { timeout: 10_000 }).toMatch(/start=\d/);
  });

  it('gapless mode starts the next track, loaded ahead, as one ends; off waits for the end', async () => {
    await app.service.invoke('settings.set', { playback: { transition: 'gapless' } });
    await page.waitForTimeout(500);
    await playPair('Breaking the Chains', 'Farewell', 4);
    // Farewell is loaded into the other element before Breaking the Chains ends (as the page's
    // recorder saw it: polled on its samples, which it takes every 50 ms when it gets the CPU).
    const loadedAhead = async () =>
      (await recorder(page)).samples.find((s) => s.els[1].src.includes(srcOf('Farewell')));
    await expect.poll(loadedAhead, { timeout: 5_000 }).toBeDefined();
    const ahead = await loadedAhead();
    await waitPlaying('Farewell');
    let rec = await recorder(page);
    const ended = rec.events.find((e) => e.type === 'ended' && e.src.includes(srcOf('Breaking the Chains')));
    const started = rec.events.find((e) => e.type === 'playing' && e.src.includes(srcOf('Farewell')));
    expect(ended && started).toBeTruthy();
    const gapless = started!.t - ended!.t;
    // The element that had been loading Farewell ahead is the one that played it.
    expect(ahead).toBeDefined();
    expect(started!.rec).toBe(ahead!.els[1].rec);
    expect(ended!.rec).not.toBe(started!.rec);
    expect(gapless).toBeLessThan(300);

    await app.service.invoke('settings.set', { playback: { transition: 'off' } });
    await page.waitForTimeout(500);
    await playPair('Breaking the Chains', 'Farewell', 4);
    await page.waitForTimeout(1000);
    // Nothing is loaded ahead; the next track loads after the end.
    expect((await audioState(page, 'timbre-audio-standby')).src).not.toContain('/media/');
    await waitPlaying('Farewell');
    rec = await recorder(page);
    const endedOff = rec.events.find(
      (e) => e.type === 'ended' && e.src.includes(srcOf('Breaking the Chains')),
    );
    const startedOff = rec.events.find((e) => e.type === 'playing' && e.src.includes(srcOf('Farewell')));
    expect(endedOff && startedOff).toBeTruthy();
    const off = startedOff!.t - endedOff!.t;
    console.info(
      `end of one track to sound from the next: gapless ${gapless.toFixed(0)} ms, off ${off.toFixed(0)} ms`,
    );
    expect(off).toBeGreaterThan(0);
  });

  it('two seconds of playback re-render the seek bar, not the app shell', async () => {
    await page.click('[data-screen="library"]');
    await row(page, 'Breaking the Chains').dblclick();
    await expect
      .poll(async () => (await title(page)) === 'Breaking the Chains' && (await audioState(page)).time > 1, {
        timeout: 20_000,
      })
      .toBe(true);
    await page.locator('.brand').click();
    await page.waitForTimeout(500);
    await page.evaluate(
      'for (const k of Object.keys(window.__timbreRenderCounts)) delete window.__timbreRenderCounts[k]',
    );
    const t0 = (await audioState(page)).time;
    await page.waitForTimeout(2000);
    const counts = (await page.evaluate('({ ...window.__timbreRenderCounts })')) as Record<string, number>;
    const played = (await audioState(page)).time - t0;
    console.info(`over ${played.toFixed(2)} s of playback: ${JSON.stringify(counts)}`);
    expect(played).toBeGreaterThan(1.5);
    expect(counts.SeekBar ?? 0).toBeGreaterThanOrEqual(4);
    expect(counts.Shell ?? 0).toBe(0);
    expect(counts.App ?? 0).toBe(0);
    expect(counts.PlayerBar ?? 0).toBe(0);
    // The counter does count the shell: changing screens renders it.
    await page.click('[data-screen="queue"]');
    await expect
      .poll(() => page.evaluate('window.__timbreRenderCounts.Shell ?? 0') as Promise<number>)
      .toBeGreaterThan(0);
    expect(realProblems(e2e.problems)).toEqual([]);
  });
});
