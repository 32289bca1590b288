/**
 * The map's view: world (map) coordinates to CSS pixels, `screen = world × scale + offset`, with
 * fitting, zooming about a point and panning. Pure, so the screen and the tests share it.
 */
import type { Bounds } from './grid';

export interface View {
  scale: number;
  tx: number;
  ty: number;
}

/** The view that shows `bounds` whole inside a `width × height` canvas with `pad` pixels around. */
export function fitView(bounds: Bounds, width: number, height: number, pad = 24): View {
  const w = Math.max(1, width - 2 * pad);
  const h = Math.max(1, height - 2 * pad);
  const scale = Math.min(w / (bounds.maxX - bounds.minX), h / (bounds.maxY - bounds.minY));
  const cx = (bounds.minX + bounds.maxX) / 2;
  const cy = (bounds.minY + bounds.maxY) / 2;
  return { scale, tx: width / 2 - cx * scale, ty: height / 2 - cy * scale };
}

export const toScreen = (v: View, x: number, y: number): [number, number] => [
  x * v.scale + v.tx,
  y * v.scale + v.ty,
];
export const toWorld = (v: View, sx: number, sy: number): [number, number] => [
  (sx - v.tx) / v.scale,
  (sy - v.ty) / v.scale,
];

/** Zooms by `factor` keeping the world point under (sx, sy) where it is; scale kept in [min, max]. */
export function zoomAt(v: View, sx: number, sy: number, factor: number, min: number, max: number): View {
  const scale = Math.min(max, Math.max(min, v.scale * factor));
  const [wx, wy] = toWorld(v, sx, sy);
  return { scale, tx: sx - wx * scale, ty: sy - wy * scale };
}

export const panBy = (v: View, dx: number, dy: number): View => ({ ...v, tx: v.tx + dx, ty: v.ty + dy });

/** The view moved so that world (x, y) is at the centre of the canvas. */
export const centreOn = (v: View, x: number, y: number, width: number, height: number): View => ({
  ...v,
  tx: width / 2 - x * v.scale,
  ty: height / 2 - y * v.scale,
});

/**
 * Point radius in CSS pixels: big for a small library, small when 100,000 tracks share the view,
 * growing as one zooms in.
 */
export function pointRadius(scale: number, fitScale: number, points: number): number {
  const base = Math.min(5, Math.max(1.6, 6 - Math.log10(Math.max(1, points))));
  const zoom = Math.log2(Math.max(1, scale / fitScale));
  return Math.min(8, base + zoom * 0.8);
}
