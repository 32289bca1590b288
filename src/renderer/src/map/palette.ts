/** Cluster colours, the same on the map, its legend and the Clusters screen's cards. */
import type { Rgb } from './renderer';

/** 20 hues that stay apart on the dark background (Tableau 20, lightened where too dark). */
export const PALETTE: readonly Rgb[] = [
  [78, 140, 220],
  [255, 152, 62],
  [94, 196, 94],
  [234, 84, 85],
  [170, 128, 215],
  [180, 120, 100],
  [240, 130, 200],
  [190, 190, 190],
  [210, 210, 70],
  [60, 210, 225],
  [160, 200, 240],
  [255, 195, 130],
  [160, 225, 140],
  [255, 160, 160],
  [205, 185, 230],
  [215, 170, 150],
  [250, 185, 220],
  [140, 140, 160],
  [230, 230, 150],
  [160, 230, 240],
];
/** Tracks in no cluster (noise). */
export const NOISE_RGB: Rgb = [85, 90, 102];

export const clusterRgb = (id: number): Rgb => (id < 0 ? NOISE_RGB : PALETTE[id % PALETTE.length]);
export const clusterCss = (id: number): string => `rgb(${clusterRgb(id).join(',')})`;
