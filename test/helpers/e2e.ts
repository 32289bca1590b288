/**
 * The one harness the browser-mode e2e tests share: a temp folder with fixture music in it, the
 * real service and HTTP server over the built renderer (out/renderer), Debian Chromium with one
 * page that records script errors, and the screenshot folder (test-results/, gitignored).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { runBrowserMode, type BrowserMode, type BrowserModeOptions } from '../../src/main/browser/main';
import { projectRoot } from '../../src/main/project-root';
import { launchChromium } from './chromium';
import { fixtureLibraryDir } from './shared';

export const rendererDir = join(projectRoot(), 'out', 'renderer');
export const shotsDir = join(projectRoot(), 'test-results');

/** The parts of HTMLAudioElement the tests read (test files compile without the DOM lib). */
export interface AudioLike {
  id: string;
  src: string;
  paused: boolean;
  ended: boolean;
  seeking: boolean;
  readyState: number;
  currentTime: number;
  duration: number;
  volume: number;
  error: { code: number } | null;
}

export interface AudioState {
  src: string;
  paused: boolean;
  ended: boolean;
  seeking: boolean;
  ready: number;
  time: number;
  duration: number;
  volume: number;
  error: number | null;
}

/** The playing element (`#timbre-audio`, or another id such as the standby one). */
export const audioState = (page: Page, id = 'timbre-audio'): Promise<AudioState> =>
  page.locator(`#${id}`).evaluate((a: AudioLike) => ({
    src: a.src,
    paused: a.paused,
    ended: a.ended,
    seeking: a.seeking,
    ready: a.readyState,
    time: a.currentTime,
    duration: a.duration,
    volume: a.volume,
    error: a.error ? a.error.code : null,
  }));

/** Console noise that is not a problem: a failed media or cover request the test caused on purpose. */
export const realProblems = (problems: readonly string[]): string[] =>
  problems.filter((p) => !/Failed to load resource/.test(p));

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

export interface E2eOptions {
  /** Temp folder name prefix. */
  prefix: string;
  /**
   * Fixture files (paths under the fixture library) copied flat into Music/, or 'tree': the whole
   * library with its folders (`skip` leaves some out).
   */
  fixtures: readonly string[] | 'tree';
  skip?: (relativePath: string) => boolean;
  /** Runs after the copy, before the server starts (add covers, edit files…). */
  prepare?: (dir: string, music: string) => void;
  /** Scan Music/ through the service before the browser opens (else the test scans through the UI). */
  scan?: boolean;
  viewport?: { width: number; height: number };
}

export interface E2e {
  dir: string;
  music: string;
  home: string;
  /** The running browser mode (replaced by `relaunch`). */
  app: BrowserMode;
  browser: Browser;
  page: Page;
  /** Script errors and console errors seen on the page. */
  problems: string[];
  /** Stops the running app and starts another on the same data folder. */
  relaunch(options?: Pick<BrowserModeOptions, 'newAddress'>): Promise<BrowserMode>;
  close(): Promise<void>;
}

const startApp = (home: string, extra: Pick<BrowserModeOptions, 'newAddress'> = {}): Promise<BrowserMode> =>
  runBrowserMode({
    home,
    rendererDir,
    open: false,
    quiet: true,
    autoAnalyze: false,
    handleSignals: false,
    ...extra,
  });

export async function openE2e(options: E2eOptions): Promise<E2e> {
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new Error(`${rendererDir}/index.html is missing: run \`npx electron-vite build\` before this test`);
  }
  mkdirSync(shotsDir, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), options.prefix));
  const music = join(dir, 'Music');
  const home = join(dir, 'home');
  mkdirSync(music);
  if (options.fixtures === 'tree') {
    for (const file of files(fixtureLibraryDir)) {
      const rel = relative(fixtureLibraryDir, file);
      if (options.skip?.(rel)) continue;
      const to = join(music, rel);
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(file, to);
    }
  } else {
    for (const rel of options.fixtures)
      copyFileSync(join(fixtureLibraryDir, rel), join(music, basename(rel)));
  }
  options.prepare?.(dir, music);
  let app: BrowserMode | null = null;
  let browser: Browser | null = null;
  try {
    app = await startApp(home);
    if (options.scan) await app.service.invoke('library.scan', { roots: [music] });
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: options.viewport ?? { width: 1280, height: 800 } });
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(msg.text());
    });
    const e2e: E2e = {
      dir,
      music,
      home,
      app,
      browser,
      page,
      problems,
      async relaunch(extra = {}) {
        await e2e.app.close();
        e2e.app = await startApp(home, extra);
        return e2e.app;
      },
      async close() {
        await browser?.close();
        await e2e.app.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return e2e;
  } catch (err) {
    await browser?.close();
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
