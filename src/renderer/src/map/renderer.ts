/**
 * Draws the map on a <canvas> fast enough for 100,000 points while panning.
 *
 * Points are stamped as small discs straight into the pixels of 256 × 256 tiles (an ImageData per
 * tile, one 32-bit write per pixel; no path per point), at the current zoom. A tile is made once
 * per zoom level and kept, so a pan frame only blits tiles (drawImage) and draws the few overlay
 * marks (the playing track, the hovered one, search matches, the selection box); tiles just
 * outside the view are made in idle time, so a pan rarely has to make one. A new zoom level
 * starts a new set of tiles (the old ones are dropped).
 */
import type { GridIndex, PointSet } from './grid';
import { type View } from './view';

const TILE = 256;
/** Tiles kept at most (≈ 256 KB each). */
const MAX_TILES = 320;

export type Rgb = readonly [number, number, number];

export interface MapData extends PointSet {
  /** Palette index per point. */
  colour: Uint16Array;
  palette: readonly Rgb[];
}

export interface Overlay {
  /** Point indices; -1 for none. */
  playing: number;
  hover: number;
  /** Search matches (drawn as rings, at most MAX_MATCH_MARKS of them in view). */
  matches: Int32Array | null;
  /** The box being dragged, in CSS pixels. */
  box: { x0: number; y0: number; x1: number; y1: number } | null;
}

const MAX_MATCH_MARKS = 4000;

/** A disc of radius r as pixel offsets (dx, dy pairs) around its centre. */
function discOffsets(r: number): Int16Array {
  const out: number[] = [];
  const R = Math.ceil(r);
  for (let dy = -R; dy <= R; dy++)
    for (let dx = -R; dx <= R; dx++) if (dx * dx + dy * dy <= r * r + 0.25) out.push(dx, dy);
  return Int16Array.from(out);
}

/** 0xAABBGGRR: ImageData's byte order read as little-endian 32-bit words (every browser we run on). */
const packRgb = ([r, g, b]: Rgb): number => ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;

export class MapRenderer {
  private readonly ctx: CanvasRenderingContext2D;
  private tiles = new Map<string, { i: number; j: number; canvas: HTMLCanvasElement }>();
  private tileScale = NaN;
  private tileRadius = NaN;
  private disc: Int16Array = discOffsets(2);
  private readonly colours: Uint32Array;
  private readonly background: number;
  private width = 0;
  private height = 0;
  private dpr = 1;
  private idle: number | null = null;
  private lastView: View | null = null;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly data: MapData,
    private readonly grid: GridIndex,
    private readonly backgroundRgb: Rgb = [21, 23, 28],
  ) {
    const ctx = canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('this browser gives no 2-D canvas');
    this.ctx = ctx;
    this.colours = Uint32Array.from(data.palette.map(packRgb));
    this.background = packRgb(backgroundRgb);
  }

  /** Sets the canvas size in CSS pixels (device pixels follow `dpr`). */
  resize(width: number, height: number, dpr: number): void {
    this.width = width;
    this.height = height;
    if (dpr !== this.dpr) {
      this.dpr = dpr;
      this.tiles.clear();
      this.tileScale = NaN;
    }
    this.canvas.width = Math.max(1, Math.round(width * dpr));
    this.canvas.height = Math.max(1, Math.round(height * dpr));
  }

  /**
   * Draws the view and the overlay; returns the milliseconds it took (with `flush`, until the
   * canvas has been rasterised: one pixel is read back).
   */
  draw(view: View, radius: number, overlay: Overlay, flush = false, preview = false): number {
    const t0 = performance.now();
    const s = view.scale * this.dpr;
    const r = radius * this.dpr;
    if (preview && s !== this.tileScale && this.tiles.size > 0) {
      // In the middle of a zoom gesture: the tiles of the last level, scaled, instead of a new
      // level per wheel step (the caller draws again without `preview` when the gesture ends).
      this.drawScaled(view, s / this.tileScale);
      this.drawOverlay(view, radius, overlay);
      if (flush) this.ctx.getImageData(0, 0, 1, 1);
      return performance.now() - t0;
    }
    if (s !== this.tileScale || r !== this.tileRadius) {
      this.tiles.clear();
      this.tileScale = s;
      this.tileRadius = r;
      this.disc = discOffsets(r);
    }
    const ctx = this.ctx;
    const W = this.canvas.width;
    const H = this.canvas.height;
    const ox = view.tx * this.dpr;
    const oy = view.ty * this.dpr;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    const [br, bg, bb] = this.backgroundRgb;
    ctx.fillStyle = `rgb(${br},${bg},${bb})`;
    ctx.fillRect(0, 0, W, H);
    // Tile (i, j) covers zoomed-world pixels [i·T, (i+1)·T) × [j·T, (j+1)·T); screen = zoomed + offset.
    const i0 = Math.floor(-ox / TILE);
    const i1 = Math.floor((W - ox) / TILE);
    const j0 = Math.floor(-oy / TILE);
    const j1 = Math.floor((H - oy) / TILE);
    const b = this.grid.bounds;
    const bi0 = Math.floor((b.minX * s - r) / TILE);
    const bi1 = Math.floor((b.maxX * s + r) / TILE);
    const bj0 = Math.floor((b.minY * s - r) / TILE);
    const bj1 = Math.floor((b.maxY * s + r) / TILE);
    for (let j = Math.max(j0, bj0); j <= Math.min(j1, bj1); j++) {
      for (let i = Math.max(i0, bi0); i <= Math.min(i1, bi1); i++) {
        ctx.drawImage(this.tile(i, j), Math.round(i * TILE + ox), Math.round(j * TILE + oy));
      }
    }
    this.drawOverlay(view, radius, overlay);
    if (flush) ctx.getImageData(0, 0, 1, 1);
    const ms = performance.now() - t0;
    this.lastView = view;
    this.scheduleIdle();
    return ms;
  }

  /** The background, then every kept tile scaled by `k` about the view's origin. */
  private drawScaled(view: View, k: number): void {
    const ctx = this.ctx;
    const ox = view.tx * this.dpr;
    const oy = view.ty * this.dpr;
    const W = this.canvas.width;
    const H = this.canvas.height;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    const [br, bg, bb] = this.backgroundRgb;
    ctx.fillStyle = `rgb(${br},${bg},${bb})`;
    ctx.fillRect(0, 0, W, H);
    const size = TILE * k;
    for (const { i, j, canvas } of this.tiles.values()) {
      const x = i * size + ox;
      const y = j * size + oy;
      if (x + size < 0 || y + size < 0 || x > W || y > H) continue;
      ctx.drawImage(canvas, x, y, size, size);
    }
  }

  /** The tile at (i, j) for the current zoom, made if missing. */
  private tile(i: number, j: number): HTMLCanvasElement {
    const key = `${i},${j}`;
    const have = this.tiles.get(key);
    if (have !== undefined) return have.canvas;
    const made = this.makeTile(i, j);
    if (this.tiles.size >= MAX_TILES) this.tiles.clear();
    this.tiles.set(key, { i, j, canvas: made });
    return made;
  }

  private makeTile(i: number, j: number): HTMLCanvasElement {
    const s = this.tileScale;
    const r = this.tileRadius;
    const x0 = i * TILE;
    const y0 = j * TILE;
    const canvas = document.createElement('canvas');
    canvas.width = TILE;
    canvas.height = TILE;
    const tctx = canvas.getContext('2d', { alpha: false });
    if (!tctx) return canvas;
    const image = tctx.createImageData(TILE, TILE);
    const px = new Uint32Array(image.data.buffer);
    px.fill(this.background);
    const disc = this.disc;
    const xy = this.data.xy;
    const colour = this.data.colour;
    const colours = this.colours;
    // Every point whose disc reaches into the tile.
    this.grid.forEachIn((x0 - r) / s, (y0 - r) / s, (x0 + TILE + r) / s, (y0 + TILE + r) / s, (p) => {
      const cx = Math.round(xy[2 * p] * s - x0);
      const cy = Math.round(xy[2 * p + 1] * s - y0);
      const c = colours[colour[p]];
      for (let k = 0; k < disc.length; k += 2) {
        const x = cx + disc[k];
        const y = cy + disc[k + 1];
        if (x >= 0 && x < TILE && y >= 0 && y < TILE) px[y * TILE + x] = c;
      }
    });
    tctx.putImageData(image, 0, 0);
    return canvas;
  }

  private drawOverlay(view: View, radius: number, o: Overlay): void {
    const ctx = this.ctx;
    const d = this.dpr;
    ctx.setTransform(d, 0, 0, d, 0, 0);
    const xy = this.data.xy;
    const at = (p: number): [number, number] => [
      xy[2 * p] * view.scale + view.tx,
      xy[2 * p + 1] * view.scale + view.ty,
    ];
    if (o.matches && o.matches.length > 0) {
      ctx.beginPath();
      let drawn = 0;
      const rr = radius + 3;
      for (let k = 0; k < o.matches.length && drawn < MAX_MATCH_MARKS; k++) {
        const [x, y] = at(o.matches[k]);
        if (x < -rr || y < -rr || x > this.width + rr || y > this.height + rr) continue;
        ctx.moveTo(x + rr, y);
        ctx.arc(x, y, rr, 0, Math.PI * 2);
        drawn++;
      }
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = '#ffffff';
      ctx.stroke();
    }
    if (o.hover >= 0) {
      const [x, y] = at(o.hover);
      ctx.beginPath();
      ctx.arc(x, y, radius + 4, 0, Math.PI * 2);
      ctx.lineWidth = 2;
      ctx.strokeStyle = '#e6e8ee';
      ctx.stroke();
    }
    if (o.playing >= 0) {
      const [x, y] = at(o.playing);
      ctx.beginPath();
      ctx.arc(x, y, radius + 7, 0, Math.PI * 2);
      ctx.lineWidth = 3;
      ctx.strokeStyle = '#f0b45b';
      ctx.stroke();
      ctx.beginPath();
      ctx.arc(x, y, radius + 1.5, 0, Math.PI * 2);
      ctx.fillStyle = '#f0b45b';
      ctx.fill();
    }
    if (o.box) {
      const { x0, y0, x1, y1 } = o.box;
      ctx.fillStyle = 'rgba(124, 156, 255, 0.15)';
      ctx.strokeStyle = '#7c9cff';
      ctx.lineWidth = 1;
      ctx.fillRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
      ctx.strokeRect(Math.min(x0, x1) + 0.5, Math.min(y0, y1) + 0.5, Math.abs(x1 - x0), Math.abs(y1 - y0));
    }
  }

  /** Makes the ring of tiles around the view while the browser is idle, so pans find them made. */
  private scheduleIdle(): void {
    if (this.idle !== null) return;
    this.idle = window.setTimeout(() => {
      this.idle = null;
      this.prefetch();
    }, 50);
  }

  private prefetch(): void {
    const v = this.lastView;
    if (!v) return;
    const s = this.tileScale;
    const r = this.tileRadius;
    const ox = v.tx * this.dpr;
    const oy = v.ty * this.dpr;
    const b = this.grid.bounds;
    const i0 = Math.max(Math.floor(-ox / TILE) - 1, Math.floor((b.minX * s - r) / TILE));
    const i1 = Math.min(Math.floor((this.canvas.width - ox) / TILE) + 1, Math.floor((b.maxX * s + r) / TILE));
    const j0 = Math.max(Math.floor(-oy / TILE) - 1, Math.floor((b.minY * s - r) / TILE));
    const j1 = Math.min(
      Math.floor((this.canvas.height - oy) / TILE) + 1,
      Math.floor((b.maxY * s + r) / TILE),
    );
    const start = performance.now();
    for (let j = j0; j <= j1; j++) {
      for (let i = i0; i <= i1; i++) {
        if (this.tiles.has(`${i},${j}`)) continue;
        if (this.tiles.size >= MAX_TILES - 4) return;
        this.tile(i, j);
        // A few milliseconds at a time: input and frames come first.
        if (performance.now() - start > 6) {
          this.scheduleIdle();
          return;
        }
      }
    }
  }

  dispose(): void {
    if (this.idle !== null) window.clearTimeout(this.idle);
    this.tiles.clear();
  }
}
