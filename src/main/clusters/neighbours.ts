/**
 * Exact nearest neighbours over the dense matrix: a k-d tree in the low-dimensional spaces density
 * clustering runs in (≤ 16-D, where it prunes most of the rows), else brute force with partial
 * distances abandoned once they exceed the current k-th best.
 */
import { type Matrix, type RunControl, checkAbort } from './matrix';

export interface Neighbours {
  k: number;
  /** n × k indices, nearest first (the row itself excluded). */
  indices: Int32Array;
  /** n × k squared distances, matching `indices`. */
  sqDistances: Float64Array;
}

/** The k nearest other rows of every row. */
export function kNearest(m: Matrix, k: number, control: RunControl = {}): Neighbours {
  const { n, dim } = m;
  if (k < 1 || k >= n) throw new Error(`k = ${k} must be between 1 and n - 1 = ${n - 1}`);
  return dim <= 16 && n > 1000 ? kNearestTree(m, k, control) : kNearestBrute(m, k, control);
}

const LEAF = 16;

/** k-d tree: rows permuted so that each node owns a contiguous range; split at the median of the widest dimension. */
function buildTree(m: Matrix): {
  order: Int32Array;
  lo: Int32Array;
  hi: Int32Array;
  splitDim: Int32Array;
  splitValue: Float64Array;
  left: Int32Array;
  right: Int32Array;
  count: number;
} {
  const { data, n, dim } = m;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const cap = 2 * Math.ceil(n / LEAF) * 2 + 1;
  const lo = new Int32Array(cap);
  const hi = new Int32Array(cap);
  const splitDim = new Int32Array(cap).fill(-1);
  const splitValue = new Float64Array(cap);
  const left = new Int32Array(cap).fill(-1);
  const right = new Int32Array(cap).fill(-1);
  let count = 0;
  const stack: [number, number, number][] = [];
  const make = (a: number, b: number): number => {
    const id = count++;
    lo[id] = a;
    hi[id] = b;
    return id;
  };
  stack.push([make(0, n), 0, n]);
  while (stack.length) {
    const [id, a, b] = stack.pop() as [number, number, number];
    if (b - a <= LEAF) continue;
    let bestDim = 0;
    let bestSpread = -1;
    for (let d = 0; d < dim; d++) {
      let min = Infinity;
      let max = -Infinity;
      for (let p = a; p < b; p++) {
        const v = data[order[p] * dim + d];
        if (v < min) min = v;
        if (v > max) max = v;
      }
      if (max - min > bestSpread) [bestSpread, bestDim] = [max - min, d];
    }
    if (bestSpread <= 0) continue; // all equal: a leaf however large
    const slice = Array.from(order.subarray(a, b)).sort(
      (x, y) => data[x * dim + bestDim] - data[y * dim + bestDim],
    );
    order.set(slice, a);
    const mid = (a + b) >> 1;
    splitDim[id] = bestDim;
    splitValue[id] = data[order[mid] * dim + bestDim];
    left[id] = make(a, mid);
    right[id] = make(mid, b);
    stack.push([left[id], a, mid], [right[id], mid, b]);
  }
  return { order, lo, hi, splitDim, splitValue, left, right, count };
}

function kNearestTree(m: Matrix, k: number, control: RunControl): Neighbours {
  const { data, n, dim } = m;
  const tree = buildTree(m);
  const indices = new Int32Array(n * k);
  const sq = new Float64Array(n * k);
  const bestI = new Int32Array(k);
  const bestD = new Float64Array(k);
  const nodeStack = new Int32Array(256);
  const gapStack = new Float64Array(256);
  for (let i = 0; i < n; i++) {
    if ((i & 1023) === 0) {
      checkAbort(control.signal);
      control.onProgress?.({ step: 'neighbours', done: i, total: n });
    }
    bestD.fill(Infinity);
    bestI.fill(-1);
    const oi = i * dim;
    let top = 0;
    nodeStack[top] = 0;
    gapStack[top++] = 0;
    while (top > 0) {
      const node = nodeStack[--top];
      // The squared gap along the split is a lower bound on any row of the far side.
      if (gapStack[top] >= bestD[k - 1]) continue;
      const sd = tree.splitDim[node];
      if (sd < 0) {
        for (let p = tree.lo[node]; p < tree.hi[node]; p++) {
          const j = tree.order[p];
          if (j !== i) offerNeighbour(data, dim, oi, j, bestD, bestI);
        }
        continue;
      }
      const diff = data[oi + sd] - tree.splitValue[node];
      const near = diff < 0 ? tree.left[node] : tree.right[node];
      const far = diff < 0 ? tree.right[node] : tree.left[node];
      // Far side first on the stack so that the near side is searched first.
      nodeStack[top] = far;
      gapStack[top++] = diff * diff;
      nodeStack[top] = near;
      gapStack[top++] = 0;
    }
    indices.set(bestI, i * k);
    sq.set(bestD, i * k);
  }
  return { k, indices, sqDistances: sq };
}

/**
 * Offers row j (at offset j * dim) as a neighbour of the row at offset oi: inserted into the
 * ascending top-k (bestD squared distances, bestI rows) when closer than its last entry. The sum
 * stops as soon as it passes that entry, which is most of the saving on long vectors.
 */
export function offerNeighbour(
  data: Float32Array,
  dim: number,
  oi: number,
  j: number,
  bestD: Float64Array,
  bestI: Int32Array,
): void {
  const last = bestD.length - 1;
  const worst = bestD[last];
  const oj = j * dim;
  let s = 0;
  for (let d = 0; d < dim; d++) {
    const e = data[oi + d] - data[oj + d];
    s += e * e;
    if (s >= worst) return;
  }
  let q = last;
  while (q > 0 && bestD[q - 1] > s) {
    bestD[q] = bestD[q - 1];
    bestI[q] = bestI[q - 1];
    q--;
  }
  bestD[q] = s;
  bestI[q] = j;
}

function kNearestBrute(m: Matrix, k: number, control: RunControl): Neighbours {
  const { data, n, dim } = m;
  const indices = new Int32Array(n * k);
  const sq = new Float64Array(n * k).fill(Infinity);
  const bestI = new Int32Array(k);
  const bestD = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    if ((i & 255) === 0) {
      checkAbort(control.signal);
      control.onProgress?.({ step: 'neighbours', done: i, total: n });
    }
    bestD.fill(Infinity);
    bestI.fill(-1);
    const oi = i * dim;
    for (let j = 0; j < n; j++) {
      if (j !== i) offerNeighbour(data, dim, oi, j, bestD, bestI);
    }
    indices.set(bestI, i * k);
    sq.set(bestD, i * k);
  }
  return { k, indices, sqDistances: sq };
}

/** The k nearest rows of `reference` to row `q` of `queries` (for assigning new points). */
export function kNearestOf(
  reference: Matrix,
  queries: Float32Array,
  q: number,
  k: number,
): { indices: Int32Array; sqDistances: Float64Array } {
  const { data, n, dim } = reference;
  const kk = Math.min(k, n);
  const bestI = new Int32Array(kk).fill(-1);
  const bestD = new Float64Array(kk).fill(Infinity);
  const oq = q * dim;
  for (let j = 0; j < n; j++) {
    const oj = j * dim;
    let s = 0;
    for (let d = 0; d < dim; d++) {
      const e = queries[oq + d] - data[oj + d];
      s += e * e;
    }
    if (s >= bestD[kk - 1]) continue;
    let p = kk - 1;
    while (p > 0 && bestD[p - 1] > s) {
      bestD[p] = bestD[p - 1];
      bestI[p] = bestI[p - 1];
      p--;
    }
    bestD[p] = s;
    bestI[p] = j;
  }
  return { indices: bestI, sqDistances: bestD };
}
