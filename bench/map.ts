/**
 * Map bench: the Map screen of the built renderer (out/renderer; `npx electron-vite build` first)
 * in Debian Chromium, served by browser mode on an empty temp home, with `clusters.map` and
 * `clusters.list` answered by a synthetic run of N points in 30 blobs (the page code is the real
 * one; only those two answers are injected). Drives drag pans and wheel zooms with the mouse and
 * prints the redraw times the map records (window.timbreMapStats: milliseconds spent in each
 * frame's draw) and the intervals between animation frames while panning.
 *
 * Each timed redraw reads one pixel back so that the canvas work is rasterised inside the timing
 * (`--no-flush` times only the JavaScript that records it).
 *
 *   npx tsx bench/map.ts [--points 100000] [--pans 6] [--no-flush]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { runBrowserMode } from '../src/main/browser/main';
import { projectRoot } from '../src/main/project-root';
import type { ClusterList, ClusterMap } from '../src/shared/types';
import { launchChromium } from '../test/helpers/chromium';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg('points', 100_000);
const PANS = arg('pans', 6);
const BLOBS = 30;

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function synthetic(): { map: ClusterMap; list: ClusterList } {
  const random = seeded(7);
  const gauss = (): number => Math.sqrt(-2 * Math.log(random() || 1e-9)) * Math.cos(2 * Math.PI * random());
  const centres = Array.from({ length: BLOBS }, () => [random() * 40 - 20, random() * 40 - 20]);
  const points = Array.from({ length: N }, (_, i) => {
    const c = i % BLOBS;
    return {
      id: `t${i}`,
      x: centres[c][0] + gauss() * 1.5,
      y: centres[c][1] + gauss() * 1.5,
      clusterId: c,
      title: `Song ${i}`,
      artist: `Artist ${i % 997}`,
    };
  });
  const list: ClusterList = {
    run: {
      id: 'bench',
      algorithm: 'kmeans',
      params: { k: BLOBS },
      space: 'default:embedding',
      reduce: { method: 'none', dims: 2 },
      metrics: { scores: null, candidates: [] },
      seconds: 0,
      libraryVersion: 'bench',
      fingerprint: 'bench',
      subset: '',
      trackCount: N,
      createdAt: Date.now(),
      stale: false,
    },
    clusters: Array.from({ length: BLOBS }, (_, c) => ({
      id: c,
      size: Math.ceil(N / BLOBS),
      name: `blob ${c}`,
      topTags: [],
      distinctive: [],
      cohesion: 1,
      representatives: [],
      trackIds: [],
    })),
    noiseIds: [],
  };
  return { map: { runId: 'bench', method: 'umap', stale: false, points }, list };
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};
const fmt = (xs: number[]): string =>
  `p50 ${pct(xs, 50).toFixed(2)} ms, p95 ${pct(xs, 95).toFixed(2)} ms, max ${Math.max(...xs).toFixed(2)} ms (${xs.length} frames)`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'timbre-bench-map-'));
  const app = await runBrowserMode({
    home: join(dir, 'home'),
    rendererDir: join(projectRoot(), 'out', 'renderer'),
    open: false,
    quiet: true,
    autoAnalyze: false,
    handleSignals: false,
  });
  const browser = await launchChromium();
  try {
    const { map, list } = synthetic();
    const mapBody = JSON.stringify({ ok: true, result: map });
    const listBody = JSON.stringify({ ok: true, result: list });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.route('**/api/clusters.map', (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: mapBody }),
    );
    await page.route('**/api/clusters.list', (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: listBody }),
    );
    await page.addInitScript(
      `window.timbreMapStats = { redraws: [], points: 0, buildMs: 0, flush: ${process.argv.includes('--no-flush') ? 'false' : 'true'} };`,
    );
    await page.goto(app.url);
    await page.evaluate(`window.location.hash = '#/map'`);
    const loadStart = Date.now();
    await page.waitForSelector(`canvas.map-canvas[data-points="${N}"]`, { timeout: 120_000 });
    await page.waitForFunction(`(window.timbreMapStats?.redraws.length ?? 0) > 0`, undefined, {
      timeout: 60_000,
    });
    const [first, buildMs] = (await page.evaluate(
      `[window.timbreMapStats.redraws[0], window.timbreMapStats.buildMs]`,
    )) as [number, number];
    console.log(
      `points ${N}; map shown ${Date.now() - loadStart} ms after opening (answer injected through playwright); index ${buildMs.toFixed(0)} ms; first draw ${first.toFixed(1)} ms`,
    );
    // Idle time makes the tiles around the view.
    await page.waitForTimeout(1500);

    const box = await page.locator('canvas.map-canvas').boundingBox();
    if (!box) throw new Error('no canvas');
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;

    /** Drag pans: out and back along a few directions, 40 moves each way. */
    const pan = async (): Promise<{ redraws: number[]; frames: number[] }> => {
      // A string: tsx's helpers (__name) do not exist in the page.
      await page.evaluate(`(() => {
        if (window.timbreMapStats) window.timbreMapStats.redraws = [];
        window.__frames = [];
        window.__stop = false;
        let last = performance.now();
        const tick = (t) => {
          window.__frames.push(t - last);
          last = t;
          if (!window.__stop) requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      })()`);
      for (let k = 0; k < PANS; k++) {
        const angle = (k / PANS) * Math.PI * 2;
        const dx = Math.cos(angle) * 300;
        const dy = Math.sin(angle) * 200;
        await page.mouse.move(cx, cy);
        await page.mouse.down();
        await page.mouse.move(cx + dx, cy + dy, { steps: 40 });
        await page.mouse.move(cx, cy, { steps: 40 });
        await page.mouse.up();
      }
      return page.evaluate(`(() => {
        window.__stop = true;
        return { redraws: window.timbreMapStats ? window.timbreMapStats.redraws : [], frames: window.__frames.slice(1) };
      })()`) as Promise<{ redraws: number[]; frames: number[] }>;
    };

    const fitted = await pan();
    console.log(
      `pan, whole map in view: redraw ${fmt(fitted.redraws)}; frame interval p95 ${pct(fitted.frames, 95).toFixed(1)} ms`,
    );

    // Zoom in 8 wheel steps (2^¼ each) about the centre, then pan there.
    await page.evaluate(`window.timbreMapStats.redraws = []`);
    for (let k = 0; k < 8; k++) {
      await page.mouse.move(cx, cy);
      await page.mouse.wheel(0, -100);
      await page.waitForTimeout(30);
    }
    const zooms = (await page.evaluate(`window.timbreMapStats.redraws`)) as number[];
    console.log(`wheel zoom, 8 steps 30 ms apart (scaled tiles while the wheel turns): redraw ${fmt(zooms)}`);
    await page.waitForTimeout(400);
    const settled = (await page.evaluate(`window.timbreMapStats.redraws.slice(-1)[0]`)) as number;
    console.log(`the sharp frame after the wheel stops (a new tile level): ${settled.toFixed(1)} ms`);
    await page.waitForTimeout(1500);
    const zoomed = await pan();
    console.log(
      `pan, zoomed in 4×: redraw ${fmt(zoomed.redraws)}; frame interval p95 ${pct(zoomed.frames, 95).toFixed(1)} ms`,
    );

    // Hover hit testing (grid index) through the page's own handler.
    const hoverStart = Date.now();
    for (let k = 0; k < 50; k++) await page.mouse.move(cx + (k % 10) * 7, cy + Math.floor(k / 10) * 7);
    console.log(`50 hover moves: ${Date.now() - hoverStart} ms round trip (playwright included)`);
    const all = [...fitted.redraws, ...zoomed.redraws];
    console.log(`PAN REDRAW over both: ${fmt(all)}`);
    console.log(
      `load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    await browser.close();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
