/**
 * A uniform grid over the map's points (world coordinates) for hit testing and box selection:
 * points sorted by cell (compressed rows: `start[c]..start[c+1]` of `items`), so a query touches
 * only the cells under it. Built in O(n); at 100,000 points a hover query reads a few dozen points.
 */
export interface PointSet {
  /** x0, y0, x1, y1, … (world coordinates). */
  xy: Float32Array;
  n: number;
}

export interface Bounds {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export function boundsOf(points: PointSet): Bounds {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < points.n; i++) {
    const x = points.xy[2 * i];
    const y = points.xy[2 * i + 1];
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  if (points.n === 0) return { minX: 0, minY: 0, maxX: 1, maxY: 1 };
  // A degenerate extent (one point, a line) still gets an area.
  if (maxX - minX < 1e-9) {
    minX -= 0.5;
    maxX += 0.5;
  }
  if (maxY - minY < 1e-9) {
    minY -= 0.5;
    maxY += 0.5;
  }
  return { minX, minY, maxX, maxY };
}

export class GridIndex {
  readonly bounds: Bounds;
  private readonly cols: number;
  private readonly rows: number;
  private readonly cellW: number;
  private readonly cellH: number;
  private readonly start: Int32Array;
  private readonly items: Int32Array;

  constructor(
    private readonly points: PointSet,
    /** Points per cell on average. */
    perCell = 8,
  ) {
    this.bounds = boundsOf(points);
    const { minX, minY, maxX, maxY } = this.bounds;
    const cells = Math.max(1, Math.ceil(points.n / perCell));
    const aspect = (maxX - minX) / (maxY - minY);
    this.cols = Math.max(1, Math.min(4096, Math.round(Math.sqrt(cells * aspect))));
    this.rows = Math.max(1, Math.min(4096, Math.ceil(cells / this.cols)));
    this.cellW = (maxX - minX) / this.cols;
    this.cellH = (maxY - minY) / this.rows;
    const cellOf = new Int32Array(points.n);
    const counts = new Int32Array(this.cols * this.rows + 1);
    for (let i = 0; i < points.n; i++) {
      const c = this.cell(points.xy[2 * i], points.xy[2 * i + 1]);
      cellOf[i] = c;
      counts[c + 1]++;
    }
    for (let c = 1; c < counts.length; c++) counts[c] += counts[c - 1];
    this.start = counts.slice();
    const fill = counts;
    this.items = new Int32Array(points.n);
    for (let i = 0; i < points.n; i++) this.items[fill[cellOf[i]]++] = i;
  }

  private col(x: number): number {
    return Math.min(this.cols - 1, Math.max(0, Math.floor((x - this.bounds.minX) / this.cellW)));
  }

  private row(y: number): number {
    return Math.min(this.rows - 1, Math.max(0, Math.floor((y - this.bounds.minY) / this.cellH)));
  }

  private cell(x: number, y: number): number {
    return this.row(y) * this.cols + this.col(x);
  }

  /** Calls `visit` with every point inside the rectangle (world coordinates, edges included). */
  forEachIn(x0: number, y0: number, x1: number, y1: number, visit: (i: number) => void): void {
    const lx = Math.min(x0, x1);
    const hx = Math.max(x0, x1);
    const ly = Math.min(y0, y1);
    const hy = Math.max(y0, y1);
    if (hx < this.bounds.minX || lx > this.bounds.maxX || hy < this.bounds.minY || ly > this.bounds.maxY)
      return;
    const c0 = this.col(lx);
    const c1 = this.col(hx);
    const r0 = this.row(ly);
    const r1 = this.row(hy);
    const xy = this.points.xy;
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        const cell = r * this.cols + c;
        for (let k = this.start[cell]; k < this.start[cell + 1]; k++) {
          const i = this.items[k];
          const x = xy[2 * i];
          const y = xy[2 * i + 1];
          if (x >= lx && x <= hx && y >= ly && y <= hy) visit(i);
        }
      }
    }
  }

  /** Indices of the points inside the rectangle. */
  within(x0: number, y0: number, x1: number, y1: number): number[] {
    const out: number[] = [];
    this.forEachIn(x0, y0, x1, y1, (i) => out.push(i));
    return out;
  }

  /** The point nearest (x, y) no farther than `radius` (world units), or -1. */
  nearest(x: number, y: number, radius: number): number {
    let best = -1;
    let bestD = radius * radius;
    const xy = this.points.xy;
    this.forEachIn(x - radius, y - radius, x + radius, y + radius, (i) => {
      const dx = xy[2 * i] - x;
      const dy = xy[2 * i + 1] - y;
      const d = dx * dx + dy * dy;
      if (d <= bestD) {
        bestD = d;
        best = i;
      }
    });
    return best;
  }
}
