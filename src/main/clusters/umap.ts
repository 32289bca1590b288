/**
 * UMAP (McInnes, Healy & Melville 2018) on typed arrays. Ours because umap-js measured 36 s CPU
 * for its neighbour graph and 56 s for 200 epochs at 20,000 × 50 (bench/clusters.ts), three
 * times the 30 s the map may take. The steps are the reference ones:
 * 1. k nearest neighbours: exact for small n; for large n an inverted-file search (k-means lists
 *    over the rows, each row searched in its `probes` nearest lists), nearly exact on clustered data;
 * 2. fuzzy simplicial set: per row ρ = nearest distance, σ by bisection so that
 *    Σ exp(−(d − ρ)/σ) = log2 k; symmetrised w = a + b − ab;
 * 3. layout by SGD on the cross-entropy, edges sampled in proportion to their weight, 5 negative
 *    samples per positive one, curve 1 / (1 + a d^2b) fitted to min_dist. The start is the PCA of
 *    the input scaled to ±10 (deterministic, and close to the spectral start in practice).
 */
import { type Matrix, type RunControl, checkAbort, seededRandom, sqDist } from './matrix';
import { kmeans } from './kmeans';
import { kNearest, offerNeighbour } from './neighbours';
import { pca } from './reduce-pca';

export interface UmapOptions extends RunControl {
  components: number;
  neighbours?: number;
  minDist?: number;
  seed?: number;
  /** SGD epochs; 500 for small inputs, 100 above 10,000 rows (the reference: 200). */
  epochs?: number;
  /** Lists the inverted-file neighbour search probes per row. */
  probes?: number;
}

/** k nearest neighbours (indices, distances), nearly exact for large n through k-means lists. */
export function approximateNeighbours(
  m: Matrix,
  k: number,
  probes: number,
  seed: number,
  control: RunControl = {},
): { indices: Int32Array; distances: Float64Array } {
  const { n, dim, data } = m;
  if (n <= 5000) {
    const exact = kNearest(m, k, control);
    return { indices: exact.indices, distances: exact.sqDistances.map(Math.sqrt) };
  }
  const lists = Math.round(Math.sqrt(n));
  // Its iterations report progress: at 100,000 rows this k-means was a 529 s silence (wall, at load 17).
  const km = kmeans(m, {
    k: lists,
    restarts: 1,
    seed,
    maxIterations: 20,
    signal: control.signal,
    onProgress: control.onProgress,
  });
  const members: number[][] = Array.from({ length: lists }, () => []);
  for (let i = 0; i < n; i++) members[km.labels[i]].push(i);
  const indices = new Int32Array(n * k);
  const distances = new Float64Array(n * k);
  const bestI = new Int32Array(k);
  const bestD = new Float64Array(k);
  const listOrder = new Int32Array(lists);
  const listDist = new Float64Array(lists);
  for (let i = 0; i < n; i++) {
    if ((i & 511) === 0) {
      checkAbort(control.signal);
      control.onProgress?.({ step: 'umap neighbours', done: i, total: n });
    }
    for (let c = 0; c < lists; c++) {
      listDist[c] = sqDist(data, i, km.centres, c, dim);
      listOrder[c] = c;
    }
    listOrder.sort((a, b) => listDist[a] - listDist[b]);
    bestD.fill(Infinity);
    bestI.fill(-1);
    const oi = i * dim;
    for (let p = 0; p < Math.min(probes, lists); p++) {
      for (const j of members[listOrder[p]]) {
        if (j !== i) offerNeighbour(data, dim, oi, j, bestD, bestI);
      }
    }
    for (let t = 0; t < k; t++) {
      indices[i * k + t] = bestI[t];
      distances[i * k + t] = Math.sqrt(bestD[t]);
    }
  }
  return { indices, distances };
}

/** Symmetric fuzzy graph as an edge list (each undirected edge once per direction kept by the reference: once here). */
export function fuzzyGraph(
  n: number,
  k: number,
  indices: Int32Array,
  distances: Float64Array,
): { heads: Int32Array; tails: Int32Array; weights: Float64Array } {
  const target = Math.log2(k);
  const directed = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    let rho = Infinity;
    for (let t = 0; t < k; t++)
      if (indices[i * k + t] >= 0 && distances[i * k + t] > 0) rho = Math.min(rho, distances[i * k + t]);
    if (!Number.isFinite(rho)) rho = 0;
    let lo = 0;
    let hi = Infinity;
    let sigma = 1;
    for (let iter = 0; iter < 64; iter++) {
      let s = 0;
      for (let t = 0; t < k; t++) {
        if (indices[i * k + t] < 0) continue;
        const d = distances[i * k + t] - rho;
        s += d > 0 ? Math.exp(-d / sigma) : 1;
      }
      if (Math.abs(s - target) < 1e-5) break;
      if (s > target) {
        hi = sigma;
        sigma = (lo + hi) / 2;
      } else {
        lo = sigma;
        sigma = hi === Infinity ? sigma * 2 : (lo + hi) / 2;
      }
    }
    for (let t = 0; t < k; t++) {
      const j = indices[i * k + t];
      if (j < 0) continue;
      const d = distances[i * k + t] - rho;
      directed.set(i * n + j, d > 0 ? Math.exp(-d / sigma) : 1);
    }
  }
  const heads: number[] = [];
  const tails: number[] = [];
  const weights: number[] = [];
  for (const [key, w] of directed) {
    const i = Math.floor(key / n);
    const j = key - i * n;
    const back = directed.get(j * n + i);
    if (back !== undefined && j < i) continue; // counted from the other side
    const sym = back === undefined ? w : w + back - w * back;
    heads.push(i);
    tails.push(j);
    weights.push(sym);
  }
  return {
    heads: Int32Array.from(heads),
    tails: Int32Array.from(tails),
    weights: Float64Array.from(weights),
  };
}

/** a, b of 1 / (1 + a d^2b) fitted (least squares on a grid, then refined) to the min_dist curve. */
export function curveParameters(minDist: number, spread = 1): { a: number; b: number } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let t = 0; t < 300; t++) {
    const x = (t / 299) * spread * 3;
    xs.push(x);
    ys.push(x < minDist ? 1 : Math.exp(-(x - minDist) / spread));
  }
  const error = (a: number, b: number): number => {
    let e = 0;
    for (let t = 0; t < xs.length; t++) {
      const r = 1 / (1 + a * Math.pow(xs[t], 2 * b)) - ys[t];
      e += r * r;
    }
    return e;
  };
  let best = { a: 1, b: 1, e: Infinity };
  let aRange = [0.1, 5];
  let bRange = [0.2, 2];
  for (let round = 0; round < 5; round++) {
    for (let ia = 0; ia <= 20; ia++) {
      for (let ib = 0; ib <= 20; ib++) {
        const a = aRange[0] + ((aRange[1] - aRange[0]) * ia) / 20;
        const b = bRange[0] + ((bRange[1] - bRange[0]) * ib) / 20;
        const e = error(a, b);
        if (e < best.e) best = { a, b, e };
      }
    }
    const da = (aRange[1] - aRange[0]) / 10;
    const db = (bRange[1] - bRange[0]) / 10;
    aRange = [Math.max(1e-3, best.a - da), best.a + da];
    bRange = [Math.max(1e-3, best.b - db), best.b + db];
  }
  return { a: best.a, b: best.b };
}

const clip = (x: number): number => (x > 4 ? 4 : x < -4 ? -4 : x);

export async function umap(m: Matrix, options: UmapOptions): Promise<Matrix> {
  const { components, neighbours = 15, minDist = 0.1, seed = 5, probes = 6 } = options;
  const n = m.n;
  if (n < 3) return { data: new Float32Array(n * components), n, dim: components };
  const k = Math.min(neighbours, n - 1);
  // Fewer epochs than the reference's 200 above 10,000 rows: bench/clusters.ts measured the
  // 20,000-row map at 200 epochs beyond the 30 s budget, with the blobs as separable at 100.
  const epochs = options.epochs ?? (n > 10_000 ? 100 : 500);
  const random = seededRandom(seed);
  const nn = approximateNeighbours(m, k, probes, seed, options);
  checkAbort(options.signal);
  const graph = fuzzyGraph(n, k, nn.indices, nn.distances);
  const { a, b } = curveParameters(minDist);

  // Start: PCA scaled to ±10 per component.
  const start = pca(m, { components: Math.min(components, m.dim), seed });
  const emb = new Float32Array(n * components);
  for (let c = 0; c < start.dim; c++) {
    let max = 0;
    for (let i = 0; i < n; i++) max = Math.max(max, Math.abs(start.data[i * start.dim + c]));
    for (let i = 0; i < n; i++)
      emb[i * components + c] = max > 0 ? (10 * start.data[i * start.dim + c]) / max : 0;
  }
  // A little seeded jitter separates duplicates.
  for (let i = 0; i < emb.length; i++) emb[i] += (random() - 0.5) * 1e-4;

  let maxWeight = 0;
  for (const w of graph.weights) maxWeight = Math.max(maxWeight, w);
  const edges = graph.weights.length;
  const perSample = new Float64Array(edges);
  const nextSample = new Float64Array(edges);
  const perNegative = new Float64Array(edges);
  const nextNegative = new Float64Array(edges);
  const negativeRate = 5;
  for (let e = 0; e < edges; e++) {
    const w = graph.weights[e];
    perSample[e] = w >= maxWeight / epochs ? maxWeight / w : -1; // −1: never sampled
    nextSample[e] = perSample[e];
    perNegative[e] = perSample[e] / negativeRate;
    nextNegative[e] = perNegative[e];
  }
  const dim = components;
  let alpha = 1;
  const twoAB = 2 * a * b;
  const attract = (j: number, t: number): void => {
    const oj = j * dim;
    const ot = t * dim;
    let distSq = 0;
    for (let d = 0; d < dim; d++) {
      const diff = emb[oj + d] - emb[ot + d];
      distSq += diff * diff;
    }
    if (distSq <= 0) return;
    const pb = Math.pow(distSq, b);
    const coeff = (-twoAB * (pb / distSq)) / (a * pb + 1);
    for (let d = 0; d < dim; d++) {
      const g = clip(coeff * (emb[oj + d] - emb[ot + d])) * alpha;
      emb[oj + d] += g;
      emb[ot + d] -= g;
    }
  };
  const repel = (j: number, r: number): void => {
    const oj = j * dim;
    const or = r * dim;
    let dSq = 0;
    for (let d = 0; d < dim; d++) {
      const diff = emb[oj + d] - emb[or + d];
      dSq += diff * diff;
    }
    if (dSq > 0) {
      const coeff = (2 * b) / ((0.001 + dSq) * (a * Math.pow(dSq, b) + 1));
      for (let d = 0; d < dim; d++) emb[oj + d] += clip(coeff * (emb[oj + d] - emb[or + d])) * alpha;
    } else {
      for (let d = 0; d < dim; d++) emb[oj + d] += 4 * alpha;
    }
  };
  for (let epoch = 0; epoch < epochs; epoch++) {
    if ((epoch & 7) === 0) {
      checkAbort(options.signal);
      options.onProgress?.({ step: 'umap', done: epoch, total: epochs });
      // Let a cancel message through when running in a worker.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    alpha = 1 - epoch / epochs;
    for (let e = 0; e < edges; e++) {
      if (perSample[e] < 0 || nextSample[e] > epoch) continue;
      // Both directions of the symmetric edge pull; each end then pushes off negative samples.
      const negatives = Math.floor((epoch - nextNegative[e]) / perNegative[e]);
      for (let side = 0; side < 2; side++) {
        const j = side === 0 ? graph.heads[e] : graph.tails[e];
        const t = side === 0 ? graph.tails[e] : graph.heads[e];
        attract(j, t);
        for (let p = 0; p < negatives; p++) {
          const r = Math.floor(random() * n);
          if (r !== j) repel(j, r);
        }
      }
      nextSample[e] += perSample[e];
      nextNegative[e] += Math.max(0, negatives) * perNegative[e];
    }
  }
  return { data: emb, n, dim: components };
}
