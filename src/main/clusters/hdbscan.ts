/**
 * HDBSCAN (Campello, Moulavi & Sander 2013; the steps of McInnes' hdbscan library):
 * 1. core distance of each point: distance to its `minSamples`-th nearest point, itself counted;
 * 2. minimum spanning tree of the mutual reachability distance max(core(a), core(b), d(a, b)),
 *    by Prim's algorithm on the dense graph (O(n²) distance evaluations, most skipped: an edge
 *    cannot improve a point whose best is already below both core distances);
 * 3. single-linkage hierarchy from the sorted tree edges;
 * 4. condensed tree: walking down, a split where a side has fewer than `minClusterSize` points is
 *    those points "falling out" at λ = 1 / distance; a split with both sides large enough births
 *    two clusters;
 * 5. selection: excess of mass (a cluster is kept when its stability Σ (λ_p − λ_birth) is at least
 *    the summed stability of its selected descendants) or the leaves;
 * 6. labels (points outside every selected cluster are noise) and membership strength
 *    min(λ_p, λ_max) / λ_max within the selected cluster.
 * `assignHdbscan` places new points in an existing result without re-running (the mutual-
 * reachability nearest neighbour's cluster, noise if it would only join above that cluster's birth).
 */
import { type Matrix, type RunControl, NOISE, checkAbort, sqDist } from './matrix';
import { kNearest, kNearestOf } from './neighbours';

export interface HdbscanOptions extends RunControl {
  minClusterSize: number;
  /** Defaults to minClusterSize. */
  minSamples?: number;
  selection?: 'eom' | 'leaf';
  /** Let the root itself be the one cluster (off by default, as in the reference library). */
  allowSingleCluster?: boolean;
}

/** One row of the condensed tree: `child` is a point (< n) or a cluster id (≥ n). */
export interface CondensedEdge {
  parent: number;
  child: number;
  lambda: number;
  size: number;
}

export interface HdbscanResult {
  labels: Int32Array;
  /** Membership strength in [0, 1]; 0 for noise. */
  strengths: Float32Array;
  condensed: CondensedEdge[];
  /** Stability per condensed cluster id (index = id − n). */
  stability: Float64Array;
  /** Selected condensed cluster id of each output label. */
  selected: number[];
  /** What assigning new points needs. */
  model: HdbscanModel;
}

export interface HdbscanModel {
  data: Matrix;
  minSamples: number;
  coreDistances: Float64Array;
  labels: Int32Array;
  /** Per output label: λ at which its cluster was born and the largest λ inside it. */
  birthLambda: Float64Array;
  maxLambda: Float64Array;
}

/** Distances of 0 (duplicates) would give infinite λ; this caps them. */
const MAX_LAMBDA = 1e12;
const toLambda = (distance: number): number => (distance > 1 / MAX_LAMBDA ? 1 / distance : MAX_LAMBDA);

/** Core distances (not squared): distance to the (minSamples − 1)-th other point. */
export function coreDistances(m: Matrix, minSamples: number, control: RunControl = {}): Float64Array {
  const core = new Float64Array(m.n);
  if (minSamples <= 1) return core;
  const k = minSamples - 1;
  const nn = kNearest(m, k, control);
  for (let i = 0; i < m.n; i++) core[i] = Math.sqrt(nn.sqDistances[i * k + k - 1]);
  return core;
}

/** Minimum spanning tree of mutual reachability; edges (a, b, weight) sorted by weight. */
export function mutualReachabilityTree(
  m: Matrix,
  core: Float64Array,
  control: RunControl = {},
): { from: Int32Array; to: Int32Array; weight: Float64Array } {
  const { data, n, dim } = m;
  const coreSq = new Float64Array(n);
  for (let i = 0; i < n; i++) coreSq[i] = core[i] * core[i];
  const bestSq = new Float64Array(n).fill(Infinity);
  const bestFrom = new Int32Array(n);
  // Points not yet in the tree, kept compact by swap-removal.
  const rest = Int32Array.from({ length: n }, (_, i) => i);
  let restCount = n;
  const from = new Int32Array(Math.max(0, n - 1));
  const to = new Int32Array(Math.max(0, n - 1));
  const weight = new Float64Array(Math.max(0, n - 1));
  let current = 0;
  rest[0] = rest[--restCount];
  for (let e = 0; e < n - 1; e++) {
    if ((e & 255) === 0) {
      checkAbort(control.signal);
      control.onProgress?.({ step: 'spanning tree', done: e, total: n - 1 });
    }
    const cc = coreSq[current];
    let nextPos = -1;
    let nextVal = Infinity;
    for (let p = 0; p < restCount; p++) {
      const j = rest[p];
      const b = bestSq[j];
      if (cc < b && coreSq[j] < b) {
        let mr = sqDist(data, current, data, j, dim);
        if (mr < cc) mr = cc;
        if (mr < coreSq[j]) mr = coreSq[j];
        if (mr < b) {
          bestSq[j] = mr;
          bestFrom[j] = current;
        }
      }
      if (bestSq[j] < nextVal) {
        nextVal = bestSq[j];
        nextPos = p;
      }
    }
    const next = rest[nextPos];
    from[e] = bestFrom[next];
    to[e] = next;
    weight[e] = Math.sqrt(nextVal);
    rest[nextPos] = rest[--restCount];
    current = next;
  }
  const order = Array.from({ length: n - 1 }, (_, i) => i).sort((a, b) => weight[a] - weight[b] || a - b);
  return {
    from: Int32Array.from(order, (i) => from[i]),
    to: Int32Array.from(order, (i) => to[i]),
    weight: Float64Array.from(order, (i) => weight[i]),
  };
}

export interface Hierarchy {
  /** Node n + s merges left[s] and right[s] at distance[s]; size[s] points below. */
  left: Int32Array;
  right: Int32Array;
  distance: Float64Array;
  size: Int32Array;
}

function singleLinkage(
  n: number,
  tree: { from: Int32Array; to: Int32Array; weight: Float64Array },
): Hierarchy {
  const parent = Int32Array.from({ length: 2 * n - 1 }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  const steps = n - 1;
  const left = new Int32Array(steps);
  const right = new Int32Array(steps);
  const distance = new Float64Array(steps);
  const size = new Int32Array(steps);
  const sizeOf = (node: number): number => (node < n ? 1 : size[node - n]);
  for (let s = 0; s < steps; s++) {
    const a = find(tree.from[s]);
    const b = find(tree.to[s]);
    left[s] = a;
    right[s] = b;
    distance[s] = tree.weight[s];
    size[s] = sizeOf(a) + sizeOf(b);
    parent[a] = n + s;
    parent[b] = n + s;
  }
  return { left, right, distance, size };
}

/** The condensed tree; cluster ids start at n (the root) and children get larger ids than parents. */
export function condenseTree(n: number, h: Hierarchy, minClusterSize: number): CondensedEdge[] {
  const out: CondensedEdge[] = [];
  if (n < 2) return out;
  const sizeOf = (node: number): number => (node < n ? 1 : h.size[node - n]);
  const fallOut = (node: number, cluster: number, lambda: number): void => {
    const stack = [node];
    while (stack.length) {
      const x = stack.pop() as number;
      if (x < n) out.push({ parent: cluster, child: x, lambda, size: 1 });
      else stack.push(h.left[x - n], h.right[x - n]);
    }
  };
  let nextId = n + 1;
  const stack: [number, number][] = [[2 * n - 2, n]];
  while (stack.length) {
    const [node, cluster] = stack.pop() as [number, number];
    const s = node - n;
    const lambda = toLambda(h.distance[s]);
    const l = h.left[s];
    const r = h.right[s];
    const bigL = sizeOf(l) >= minClusterSize;
    const bigR = sizeOf(r) >= minClusterSize;
    if (bigL && bigR) {
      for (const child of [l, r]) {
        const id = nextId++;
        out.push({ parent: cluster, child: id, lambda, size: sizeOf(child) });
        stack.push([child, id]);
      }
    } else {
      for (const [child, big] of [
        [l, bigL],
        [r, bigR],
      ] as const) {
        if (big) stack.push([child, cluster]);
        else fallOut(child, cluster, lambda);
      }
    }
  }
  return out;
}

/** The parts of a run that depend only on minSamples: reused across minClusterSize values. */
export interface HdbscanHierarchy {
  minSamples: number;
  core: Float64Array;
  hierarchy: Hierarchy;
}

export function hdbscanHierarchy(m: Matrix, minSamples: number, control: RunControl = {}): HdbscanHierarchy {
  if (!Number.isInteger(minSamples) || minSamples < 1 || minSamples > m.n) {
    throw new Error(`minSamples must be an integer in 1..${m.n}`);
  }
  const core = coreDistances(m, minSamples, control);
  const tree = mutualReachabilityTree(m, core, control);
  checkAbort(control.signal);
  return { minSamples, core, hierarchy: singleLinkage(m.n, tree) };
}

export function hdbscanFromHierarchy(
  m: Matrix,
  h: HdbscanHierarchy,
  options: Omit<HdbscanOptions, 'minSamples' | keyof RunControl>,
): HdbscanResult {
  const { minClusterSize } = options;
  if (!Number.isInteger(minClusterSize) || minClusterSize < 2)
    throw new Error('minClusterSize must be an integer ≥ 2');
  const condensed = condenseTree(m.n, h.hierarchy, minClusterSize);
  return selectClusters(
    m,
    condensed,
    h.core,
    h.minSamples,
    options.selection ?? 'eom',
    options.allowSingleCluster ?? false,
  );
}

export function hdbscan(m: Matrix, options: HdbscanOptions): HdbscanResult {
  const minSamples = options.minSamples ?? options.minClusterSize;
  if (!Number.isInteger(options.minClusterSize) || options.minClusterSize < 2) {
    throw new Error('minClusterSize must be an integer ≥ 2');
  }
  return hdbscanFromHierarchy(m, hdbscanHierarchy(m, minSamples, options), options);
}

function selectClusters(
  m: Matrix,
  condensed: CondensedEdge[],
  core: Float64Array,
  minSamples: number,
  selection: 'eom' | 'leaf',
  allowSingle: boolean,
): HdbscanResult {
  const n = m.n;
  let clusterCount = 1;
  for (const e of condensed) if (e.child >= n) clusterCount = Math.max(clusterCount, e.child - n + 1);
  const parentOf = new Int32Array(clusterCount).fill(-1);
  const birth = new Float64Array(clusterCount);
  const stability = new Float64Array(clusterCount);
  const children: number[][] = Array.from({ length: clusterCount }, () => []);
  for (const e of condensed) {
    if (e.child >= n) {
      parentOf[e.child - n] = e.parent - n;
      birth[e.child - n] = e.lambda;
      children[e.parent - n].push(e.child - n);
    }
  }
  for (const e of condensed) stability[e.parent - n] += (e.lambda - birth[e.parent - n]) * e.size;

  const isSelected = new Uint8Array(clusterCount);
  if (selection === 'leaf') {
    for (let c = 1; c < clusterCount; c++) if (children[c].length === 0) isSelected[c] = 1;
    if (clusterCount === 1 && allowSingle) isSelected[0] = 1;
  } else {
    const subtree = Float64Array.from(stability);
    // Children have larger ids than parents: one backward pass is bottom-up.
    for (let c = clusterCount - 1; c >= 0; c--) {
      if (c === 0 && !allowSingle) break;
      let childSum = 0;
      for (const ch of children[c]) childSum += subtree[ch];
      if (children[c].length > 0 && childSum > stability[c]) {
        subtree[c] = childSum;
      } else {
        isSelected[c] = 1;
        const stack = [...children[c]];
        while (stack.length) {
          const x = stack.pop() as number;
          isSelected[x] = 0;
          stack.push(...children[x]);
        }
      }
    }
  }
  // Top-down: the selected ancestor (or self) of each cluster.
  const selectedAncestor = new Int32Array(clusterCount).fill(-1);
  for (let c = 0; c < clusterCount; c++) {
    const up = parentOf[c] >= 0 ? selectedAncestor[parentOf[c]] : -1;
    selectedAncestor[c] = up >= 0 ? up : isSelected[c] ? c : -1;
  }
  const selected: number[] = [];
  const labelOf = new Int32Array(clusterCount).fill(NOISE);
  for (let c = 0; c < clusterCount; c++) {
    if (isSelected[c]) {
      labelOf[c] = selected.length;
      selected.push(c + n);
    }
  }
  const k = selected.length;
  const labels = new Int32Array(n).fill(NOISE);
  const pointLambda = new Float64Array(n);
  const maxLambda = new Float64Array(k);
  const birthLambda = new Float64Array(k);
  for (let c = 0; c < k; c++) birthLambda[c] = birth[selected[c] - n];
  for (const e of condensed) {
    if (e.child >= n) continue;
    const anc = selectedAncestor[e.parent - n];
    if (anc < 0) continue;
    const label = labelOf[anc];
    labels[e.child] = label;
    pointLambda[e.child] = e.lambda;
    if (e.lambda > maxLambda[label]) maxLambda[label] = e.lambda;
  }
  const strengths = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const c = labels[i];
    if (c < 0) continue;
    strengths[i] = maxLambda[c] > 0 ? Math.min(pointLambda[i], maxLambda[c]) / maxLambda[c] : 1;
  }
  return {
    labels,
    strengths,
    condensed,
    stability,
    selected,
    model: { data: m, minSamples, coreDistances: core, labels, birthLambda, maxLambda },
  };
}

/** Label and strength of each row of `points` in an existing clustering, without re-running it. */
export function assignHdbscan(
  model: HdbscanModel,
  points: Matrix,
): { labels: Int32Array; strengths: Float32Array } {
  if (points.dim !== model.data.dim)
    throw new Error(`points have ${points.dim} dimensions, not ${model.data.dim}`);
  const labels = new Int32Array(points.n).fill(NOISE);
  const strengths = new Float32Array(points.n);
  const k = Math.max(1, model.minSamples - 1);
  for (let q = 0; q < points.n; q++) {
    const nn = kNearestOf(model.data, points.data, q, k);
    const core = model.minSamples <= 1 ? 0 : Math.sqrt(nn.sqDistances[nn.indices.length - 1]);
    let best = -1;
    let bestMr = Infinity;
    for (let t = 0; t < nn.indices.length; t++) {
      const j = nn.indices[t];
      const mr = Math.max(core, model.coreDistances[j], Math.sqrt(nn.sqDistances[t]));
      if (mr < bestMr) {
        bestMr = mr;
        best = j;
      }
    }
    const c = best >= 0 ? model.labels[best] : NOISE;
    if (c < 0) continue;
    const lambda = toLambda(bestMr);
    // Joining only at a distance larger than the one the cluster was born at is joining above it.
    if (lambda < model.birthLambda[c]) continue;
    labels[q] = c;
    strengths[q] = model.maxLambda[c] > 0 ? Math.min(lambda, model.maxLambda[c]) / model.maxLambda[c] : 1;
  }
  return { labels, strengths };
}
