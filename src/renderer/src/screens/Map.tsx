/**
 * Map: every track of the active clustering run as a point coloured by its cluster, by UMAP or
 * PCA (`clusters.map`). Wheel zooms about the pointer, drag pans, hover names the track, click
 * plays it, Shift+drag draws a box whose tracks are queued, right click opens the track menu. The
 * playing track is marked and followed; the search box marks the matching tracks.
 *
 * The drawing itself is map/renderer.ts (tiles per zoom level, so a pan frame is a blit); hit
 * testing goes through map/grid.ts. Redraw times are kept for the bench (`window.timbreMapStats`).
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ClusterMap, ClusterProfileView } from '../../../shared/types';
import { client } from '../api/client';
import { LabelledSelect, type SelectOption } from '../components/LabelledSelect';
import { useTrackMenu } from '../components/TrackMenu';
import { nf } from '../format';
import { useApp, useDebounced, useKeyedLoad } from '../hooks';
import { GridIndex } from '../map/grid';
import { PALETTE, clusterCss, clusterRgb } from '../map/palette';
import { MapRenderer, type MapData } from '../map/renderer';
import { centreOn, fitView, panBy, pointRadius, toWorld, zoomAt, type View } from '../map/view';
import { usePlayer } from '../player';
import { useClusters } from '../useClusters';

/** Redraw times (ms) of the map, newest last, for bench/map.ts and the e2e suite. */
interface MapStats {
  redraws: number[];
  points: number;
  /** Milliseconds to index the points (typed arrays, grid, search text). */
  buildMs: number;
  /**
   * Set by the bench: each timed redraw ends by reading one pixel back, which makes the browser
   * rasterise the frame's canvas work inside the timing (otherwise drawImage is only recorded).
   */
  flush?: boolean;
}
declare global {
  interface Window {
    timbreMapStats?: MapStats;
  }
}

interface Loaded {
  map: ClusterMap;
  data: MapData;
  grid: GridIndex;
  /** Folded "title artist" per point, for the search box. */
  text: string[];
  indexOf: Map<string, number>;
  buildMs: number;
}

function build(map: ClusterMap): Loaded {
  const t0 = performance.now();
  const n = map.points.length;
  const xy = new Float32Array(2 * n);
  const colour = new Uint16Array(n);
  const palette = [...PALETTE.map((_, i) => clusterRgb(i)), clusterRgb(-1)];
  const noise = palette.length - 1;
  const text: string[] = new Array<string>(n);
  const indexOf = new Map<string, number>();
  map.points.forEach((p, i) => {
    xy[2 * i] = p.x;
    // Screen y grows downwards; the map's y up.
    xy[2 * i + 1] = -p.y;
    colour[i] = p.clusterId < 0 ? noise : p.clusterId % PALETTE.length;
    text[i] = `${p.title ?? ''} ${p.artist ?? ''}`.toLowerCase();
    indexOf.set(p.id, i);
  });
  const data: MapData = { xy, n, colour, palette };
  const grid = new GridIndex(data);
  return { map, data, grid, text, indexOf, buildMs: performance.now() - t0 };
}

const HIT_RADIUS = 8;
/** A wheel gesture ends this long after its last step. */
const ZOOM_SETTLE_MS = 150;

const LAYOUTS: SelectOption<'umap' | 'pca'>[] = [
  { value: 'umap', label: 'UMAP (neighbours kept close)' },
  { value: 'pca', label: 'PCA (main directions)' },
];

export function MapScreen() {
  const { go, notify } = useApp();
  const player = usePlayer();
  const menu = useTrackMenu();
  const clusters = useClusters();
  const [method, setMethod] = useState<'umap' | 'pca'>('umap');
  const [query, setQuery] = useState('');
  const search = useDebounced(query, 150);
  const [hover, setHover] = useState<{ i: number; x: number; y: number } | null>(null);
  const runId = clusters.list?.run?.id ?? null;

  const canvasRef = useRef<HTMLCanvasElement>(null);
  const wrapRef = useRef<HTMLDivElement>(null);
  const rendererRef = useRef<MapRenderer | null>(null);
  const viewRef = useRef<View | null>(null);
  const fitScaleRef = useRef(1);
  const pointsRef = useRef(0);
  const overlayRef = useRef<{
    playing: number;
    hover: number;
    matches: Int32Array | null;
    box: { x0: number; y0: number; x1: number; y1: number } | null;
  }>({ playing: -1, hover: -1, matches: null, box: null });
  const frame = useRef<number | null>(null);
  /** Until when a wheel gesture counts as going on (frames then scale the last tiles). */
  const zoomingUntil = useRef(0);
  const size = useRef({ w: 0, h: 0 });

  const mapLoad = useKeyedLoad(`${method}|${runId}`, () => client.invoke('clusters.map', { method }));
  const mapValue = mapLoad?.value ?? null;
  const loaded = useMemo(() => (mapValue ? build(mapValue) : null), [mapValue]);
  const error = mapLoad?.error ?? null;

  const redraw = useCallback(() => {
    if (frame.current !== null) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      const r = rendererRef.current;
      const v = viewRef.current;
      if (!r || !v) return;
      const stats = window.timbreMapStats;
      const preview = performance.now() < zoomingUntil.current;
      const ms = r.draw(
        v,
        pointRadius(v.scale, fitScaleRef.current, pointsRef.current),
        overlayRef.current,
        stats?.flush,
        preview,
      );
      if (stats) {
        stats.redraws.push(ms);
        if (stats.redraws.length > 5000) stats.redraws.splice(0, stats.redraws.length - 5000);
      }
    });
  }, []);

  // A renderer per loaded map, sized to its box (and again when the box changes).
  useEffect(() => {
    const canvas = canvasRef.current;
    const wrap = wrapRef.current;
    if (!canvas || !wrap || !loaded || loaded.data.n === 0) return;
    const renderer = new MapRenderer(canvas, loaded.data, loaded.grid);
    pointsRef.current = loaded.data.n;
    rendererRef.current = renderer;
    window.timbreMapStats = {
      ...window.timbreMapStats,
      redraws: [],
      points: loaded.data.n,
      buildMs: loaded.buildMs,
    };
    const fit = (): void => {
      const box = wrap.getBoundingClientRect();
      const w = Math.max(1, Math.floor(box.width));
      const h = Math.max(1, Math.floor(box.height));
      const first = size.current.w === 0;
      size.current = { w, h };
      renderer.resize(w, h, window.devicePixelRatio || 1);
      const fitted = fitView(loaded.grid.bounds, w, h);
      fitScaleRef.current = fitted.scale;
      if (first || !viewRef.current) viewRef.current = fitted;
      redraw();
    };
    size.current = { w: 0, h: 0 };
    viewRef.current = null;
    fit();
    const observer = new ResizeObserver(fit);
    observer.observe(wrap);
    return () => {
      observer.disconnect();
      renderer.dispose();
      rendererRef.current = null;
    };
  }, [loaded, redraw]);

  // The playing track: marked, and brought into view when it changes.
  const playingId = player.current?.id ?? null;
  useEffect(() => {
    if (!loaded) return;
    const i = playingId ? (loaded.indexOf.get(playingId) ?? -1) : -1;
    overlayRef.current.playing = i;
    const v = viewRef.current;
    if (i >= 0 && v) {
      const x = loaded.data.xy[2 * i] * v.scale + v.tx;
      const y = loaded.data.xy[2 * i + 1] * v.scale + v.ty;
      const { w, h } = size.current;
      if (x < w * 0.1 || x > w * 0.9 || y < h * 0.1 || y > h * 0.9) {
        viewRef.current = centreOn(v, loaded.data.xy[2 * i], loaded.data.xy[2 * i + 1], w, h);
      }
    }
    redraw();
  }, [playingId, loaded, redraw]);

  // Search: every word in the title or artist.
  const matches = useMemo(() => {
    const words = search.toLowerCase().split(/\s+/).filter(Boolean);
    if (!loaded || words.length === 0) return null;
    const out: number[] = [];
    for (let i = 0; i < loaded.text.length; i++)
      if (words.every((w) => loaded.text[i].includes(w))) out.push(i);
    return Int32Array.from(out);
  }, [search, loaded]);
  useEffect(() => {
    overlayRef.current.matches = matches;
    redraw();
  }, [matches, redraw]);

  const pointAt = (sx: number, sy: number): number => {
    const v = viewRef.current;
    if (!loaded || !v) return -1;
    const [wx, wy] = toWorld(v, sx, sy);
    return loaded.grid.nearest(wx, wy, HIT_RADIUS / v.scale);
  };
  const local = (e: { clientX: number; clientY: number }): [number, number] => {
    const box = canvasRef.current?.getBoundingClientRect();
    return box ? [e.clientX - box.left, e.clientY - box.top] : [0, 0];
  };
  const trackOf = async (i: number) => {
    const id = loaded?.map.points[i]?.id;
    return id ? client.invoke('library.track', { id }) : null;
  };

  const drag = useRef<{ x: number; y: number; moved: boolean; box: boolean; id: number } | null>(null);

  const onPointerDown = (e: React.PointerEvent<HTMLCanvasElement>): void => {
    if (e.button !== 0) return;
    const [x, y] = local(e);
    drag.current = { x, y, moved: false, box: e.shiftKey, id: e.pointerId };
    e.currentTarget.setPointerCapture(e.pointerId);
  };
  const onPointerMove = (e: React.PointerEvent<HTMLCanvasElement>): void => {
    const [x, y] = local(e);
    const d = drag.current;
    if (d) {
      if (!d.moved && Math.hypot(x - d.x, y - d.y) < 4) return;
      if (d.box) {
        overlayRef.current.box = { x0: d.x, y0: d.y, x1: x, y1: y };
        d.moved = true;
      } else if (viewRef.current) {
        viewRef.current = panBy(viewRef.current, x - d.x, y - d.y);
        d.x = x;
        d.y = y;
        d.moved = true;
      }
      if (hover) setHover(null);
      overlayRef.current.hover = -1;
      redraw();
      return;
    }
    const i = pointAt(x, y);
    if (i !== overlayRef.current.hover) {
      overlayRef.current.hover = i;
      setHover(i >= 0 ? { i, x, y } : null);
      redraw();
    }
  };
  const onPointerUp = (e: React.PointerEvent<HTMLCanvasElement>): void => {
    const d = drag.current;
    drag.current = null;
    if (!d) return;
    e.currentTarget.releasePointerCapture(d.id);
    const [x, y] = local(e);
    if (d.box && d.moved) {
      const box = overlayRef.current.box;
      overlayRef.current.box = null;
      redraw();
      const v = viewRef.current;
      if (!box || !v || !loaded) return;
      const [ax, ay] = toWorld(v, box.x0, box.y0);
      const [bx, by] = toWorld(v, box.x1, box.y1);
      const picked = loaded.grid.within(ax, ay, bx, by);
      if (picked.length === 0) return;
      const ids = picked.slice(0, 100000).map((i) => loaded.map.points[i].id);
      client
        .invoke('library.tracksById', { ids })
        .then((tracks) => {
          player.addToQueue(tracks);
          notify(`Queued ${nf.format(tracks.length)} tracks from the map.`, 'info');
        })
        .catch((err: unknown) => notify(err));
      return;
    }
    if (d.moved) return;
    const i = pointAt(x, y);
    if (i < 0) return;
    trackOf(i)
      .then((track) =>
        track ? player.playQueue([track], 0) : notify('This track is no longer in the library.'),
      )
      .catch((err: unknown) => notify(err));
  };

  // Wheel zoom: a listener of our own, because React's is passive (it cannot stop the page scrolling).
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const onWheel = (e: WheelEvent): void => {
      e.preventDefault();
      const v = viewRef.current;
      if (!v) return;
      const box = canvas.getBoundingClientRect();
      const factor = Math.pow(2, -Math.sign(e.deltaY) * 0.25);
      const fit = fitScaleRef.current;
      viewRef.current = zoomAt(v, e.clientX - box.left, e.clientY - box.top, factor, fit / 4, fit * 512);
      zoomingUntil.current = performance.now() + ZOOM_SETTLE_MS;
      redraw();
      // The sharp frame at the new level once the wheel has stopped.
      if (settle !== null) window.clearTimeout(settle);
      settle = window.setTimeout(() => {
        settle = null;
        redraw();
      }, ZOOM_SETTLE_MS + 10);
    };
    let settle: number | null = null;
    canvas.addEventListener('wheel', onWheel, { passive: false });
    return () => {
      canvas.removeEventListener('wheel', onWheel);
      if (settle !== null) window.clearTimeout(settle);
    };
  }, [loaded, redraw]);

  const onContextMenu = (e: React.MouseEvent<HTMLCanvasElement>): void => {
    e.preventDefault();
    const [x, y] = local(e);
    const i = pointAt(x, y);
    if (i < 0) return;
    const at = { x: e.clientX, y: e.clientY };
    const from = e.currentTarget;
    trackOf(i)
      .then((track) => track && menu.open(track, at, {}, from))
      .catch((err: unknown) => notify(err));
  };

  const resetView = (): void => {
    if (!loaded) return;
    viewRef.current = fitView(loaded.grid.bounds, size.current.w, size.current.h);
    redraw();
  };

  const names = useMemo(
    () => new Map((clusters.list?.clusters ?? []).map((c) => [c.id, c])),
    [clusters.list],
  );
  const hovered = hover && loaded ? loaded.map.points[hover.i] : null;

  if (clusters.list && !clusters.list.run) {
    return (
      <section className="screen map-screen">
        <header className="screen-header">
          <h1>Map</h1>
        </header>
        <div className="empty">
          <p className="empty-title">No map yet</p>
          <p className="muted">The map is drawn from a clustering run. Run the clustering first.</p>
          <button className="primary" onClick={() => go('clusters')}>
            Open Clusters
          </button>
        </div>
      </section>
    );
  }

  return (
    <section className="screen map-screen">
      <header className="screen-header">
        <h1>Map</h1>
        <div className="filters">
          <input
            className="search"
            type="search"
            aria-label="Search the map"
            placeholder="Find on the map"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
          {matches && (
            <span className="muted small map-matches">
              {matches.length === 0
                ? 'no match'
                : `${nf.format(matches.length)} match${matches.length === 1 ? '' : 'es'}`}
            </span>
          )}
          <LabelledSelect label="Layout" value={method} options={LAYOUTS} onChange={setMethod} />
          <button onClick={resetView}>Fit</button>
        </div>
      </header>
      {clusters.list?.run?.stale && (
        <div className="banner warn">
          The analysed library changed since this run: some tracks are missing from the map.{' '}
          <button className="link-button" onClick={() => go('clusters')}>
            Re-run on Clusters
          </button>
        </div>
      )}
      {error && <p className="error-text">{error}</p>}
      <div className="map-body">
        <div className="map-wrap" ref={wrapRef}>
          <canvas
            ref={canvasRef}
            className="map-canvas"
            aria-label={`Map of ${loaded ? nf.format(loaded.data.n) : ''} tracks`}
            data-points={loaded?.data.n ?? 0}
            onPointerDown={onPointerDown}
            onPointerMove={onPointerMove}
            onPointerUp={onPointerUp}
            onPointerLeave={() => {
              if (!drag.current && overlayRef.current.hover >= 0) {
                overlayRef.current.hover = -1;
                setHover(null);
                redraw();
              }
            }}
            onContextMenu={onContextMenu}
          />
          {hovered && hover && (
            <div className="map-tip" role="tooltip" style={{ left: hover.x + 14, top: hover.y + 10 }}>
              <div className="map-tip-title">{hovered.title ?? hovered.id}</div>
              <div className="muted small">{hovered.artist}</div>
              {names.get(hovered.clusterId) && (
                <div className="small" style={{ color: clusterCss(hovered.clusterId) }}>
                  {names.get(hovered.clusterId)?.name}
                </div>
              )}
            </div>
          )}
          <p className="map-help muted small">
            Wheel: zoom · drag: move · click: play · Shift+drag: queue the tracks in the box · right click:
            more
          </p>
        </div>
        <Legend clusters={clusters.list?.clusters ?? []} noise={clusters.list?.noiseIds.length ?? 0} />
      </div>
    </section>
  );
}

function Legend({ clusters, noise }: { clusters: ClusterProfileView[]; noise: number }) {
  if (clusters.length === 0) return null;
  return (
    <ul className="map-legend" aria-label="Clusters">
      {clusters.map((c) => (
        <li key={c.id}>
          <span className="swatch" style={{ background: clusterCss(c.id) }} aria-hidden />
          <span className="legend-name">{c.name}</span>{' '}
          <span className="muted small">{nf.format(c.size)}</span>
        </li>
      ))}
      {noise > 0 && (
        <li>
          <span className="swatch" style={{ background: clusterCss(-1) }} aria-hidden />
          <span className="legend-name">in no cluster</span>{' '}
          <span className="muted small">{nf.format(noise)}</span>
        </li>
      )}
    </ul>
  );
}
