/**
 * t-SNE to 2-D (van der Maaten & Hinton 2008; the Barnes–Hut approximation of van der Maaten
 * 2014), an optional map beside UMAP and PCA.
 *
 * - Affinities: each row's 3·perplexity nearest neighbours (exact, neighbours.ts), a Gaussian
 *   whose width is found by bisection so that the row's perplexity is the one asked for, then
 *   symmetrised, P = (P_j|i + P_i|j) / 2n. Inputs above 50-D are first reduced by PCA to 50 (the
 *   usual preprocessing, as for UMAP).
 * - Layout: PCA 2-D start scaled to σ = 1e-4 (deterministic), 1,000 iterations of gradient descent
 *   with momentum 0.5 → 0.8 and per-coordinate gains, early exaggeration 12 for the first 250,
 *   learning rate max(n / 12 / 4, 50) (the "auto" rate of openTSNE and scikit-learn).
 * - Repulsion: exact (every pair) up to EXACT_LIMIT rows, else Barnes–Hut on a quadtree with
 *   θ = 0.5: a cell far enough away (its width / distance < θ) acts as one point at its centre of mass.
 *
 * Cost grows as n log n per iteration with Barnes–Hut (and n² exact); above TSNE_LIMIT rows it is
 * refused with a message that names UMAP instead (measured figures in docs/clusters.md).
 */
import { type Matrix, type RunControl, checkAbort } from './matrix';
import { kNearest } from './neighbours';
import { pca } from './reduce-pca';

export const TSNE_LIMIT = 20_000;
export const EXACT_LIMIT = 1_500;

export interface TsneOptions extends RunControl {
  perplexity?: number;
  iterations?: number;
  /** Barnes–Hut accuracy (0: exact for every size). */
  theta?: number;
  seed?: number;
}

export class TsneTooLargeError extends Error {}

/** Sparse symmetric affinities: CSR rows. */
interface Affinities {
  rowStart: Int32Array;
  cols: Int32Array;
  values: Float64Array;
}

/** Each row's conditional distribution over its neighbours at the given perplexity, symmetrised. */
export function affinities(m: Matrix, perplexity: number, control: RunControl = {}): Affinities {
  const n = m.n;
  const k = Math.min(n - 1, Math.max(1, Math.floor(3 * perplexity)));
  const nn = kNearest(m, k, control);
  const target = Math.log(Math.min(perplexity, k));
  const cond = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const d = nn.sqDistances.subarray(i * k, (i + 1) * k);
    // Distances relative to the nearest keep exp() in range; the shift cancels in the normalisation.
    const d0 = d[0];
    let beta = 1;
    let lo = 0;
    let hi = Infinity;
    for (let iter = 0; iter < 100; iter++) {
      let sum = 0;
      let sumDP = 0;
      for (let t = 0; t < k; t++) {
        const p = Math.exp(-beta * (d[t] - d0));
        sum += p;
        sumDP += p * (d[t] - d0);
      }
      // Entropy of the row distribution, in nats.
      const h = Math.log(sum) + (beta * sumDP) / sum;
      if (Math.abs(h - target) < 1e-5) break;
      if (h > target) {
        lo = beta;
        beta = hi === Infinity ? beta * 2 : (beta + hi) / 2;
      } else {
        hi = beta;
        beta = (beta + lo) / 2;
      }
    }
    let sum = 0;
    for (let t = 0; t < k; t++) sum += cond[i * k + t] = Math.exp(-beta * (d[t] - d0));
    for (let t = 0; t < k; t++) cond[i * k + t] /= sum;
  }
  // Symmetrise: gather (i, j, p) from both directions, then sum duplicates per row.
  const rows: Map<number, number>[] = Array.from({ length: n }, () => new Map());
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      const j = nn.indices[i * k + t];
      const p = cond[i * k + t] / (2 * n);
      rows[i].set(j, (rows[i].get(j) ?? 0) + p);
      rows[j].set(i, (rows[j].get(i) ?? 0) + p);
    }
  }
  const rowStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) rowStart[i + 1] = rowStart[i] + rows[i].size;
  const cols = new Int32Array(rowStart[n]);
  const values = new Float64Array(rowStart[n]);
  for (let i = 0; i < n; i++) {
    let e = rowStart[i];
    for (const [j, p] of rows[i]) {
      cols[e] = j;
      values[e++] = p;
    }
  }
  return { rowStart, cols, values };
}

/** A quadtree over 2-D points, flattened: each node's centre of mass, mass and width. */
class QuadTree {
  private readonly cx: number[] = [];
  private readonly cy: number[] = [];
  private readonly mass: number[] = [];
  private readonly width: number[] = [];
  /** First child node (4 consecutive), or −1 for a leaf. */
  private readonly child: number[] = [];
  /** A leaf's single point (−1: empty or internal). */
  private readonly point: number[] = [];
  private readonly x0: number[] = [];
  private readonly y0: number[] = [];

  constructor(private readonly y: Float64Array) {
    const n = y.length / 2;
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      minX = Math.min(minX, y[2 * i]);
      maxX = Math.max(maxX, y[2 * i]);
      minY = Math.min(minY, y[2 * i + 1]);
      maxY = Math.max(maxY, y[2 * i + 1]);
    }
    const w = Math.max(maxX - minX, maxY - minY) * (1 + 1e-9) + 1e-12;
    this.node(minX, minY, w);
    for (let i = 0; i < n; i++) this.insert(0, i, 0);
  }

  private node(x0: number, y0: number, w: number): number {
    this.cx.push(0);
    this.cy.push(0);
    this.mass.push(0);
    this.width.push(w);
    this.child.push(-1);
    this.point.push(-1);
    this.x0.push(x0);
    this.y0.push(y0);
    return this.cx.length - 1;
  }

  private quadrant(node: number, i: number): number {
    const half = this.width[node] / 2;
    const qx = this.y[2 * i] >= this.x0[node] + half ? 1 : 0;
    const qy = this.y[2 * i + 1] >= this.y0[node] + half ? 1 : 0;
    return this.child[node] + qx + 2 * qy;
  }

  private insert(node: number, i: number, depth: number): void {
    const px = this.y[2 * i];
    const py = this.y[2 * i + 1];
    for (;;) {
      const m = this.mass[node];
      this.cx[node] = (this.cx[node] * m + px) / (m + 1);
      this.cy[node] = (this.cy[node] * m + py) / (m + 1);
      this.mass[node] = m + 1;
      if (this.child[node] < 0) {
        if (m === 0) {
          this.point[node] = i;
          return;
        }
        // Coincident points (or too deep): keep them together in this leaf's mass.
        if (depth > 40) return;
        const other = this.point[node];
        this.point[node] = -1;
        const half = this.width[node] / 2;
        const first = this.node(this.x0[node], this.y0[node], half);
        this.node(this.x0[node] + half, this.y0[node], half);
        this.node(this.x0[node], this.y0[node] + half, half);
        this.node(this.x0[node] + half, this.y0[node] + half, half);
        this.child[node] = first;
        if (other >= 0) {
          const q = this.quadrant(node, other);
          this.cx[q] = this.y[2 * other];
          this.cy[q] = this.y[2 * other + 1];
          this.mass[q] = 1;
          this.point[q] = other;
        }
      }
      node = this.quadrant(node, i);
      depth++;
    }
  }

  /** Adds point i's unnormalised repulsion to (fx, fy)[0..1]; returns its share of Z. */
  repulse(i: number, theta: number, out: Float64Array): number {
    const px = this.y[2 * i];
    const py = this.y[2 * i + 1];
    let z = 0;
    const stack = [0];
    while (stack.length > 0) {
      const node = stack.pop() as number;
      const m = this.mass[node];
      if (m === 0 || (this.child[node] < 0 && this.point[node] === i && m === 1)) continue;
      const dx = px - this.cx[node];
      const dy = py - this.cy[node];
      const d2 = dx * dx + dy * dy;
      if (this.child[node] < 0 || this.width[node] * this.width[node] < theta * theta * d2) {
        // A leaf holding i among coincident points: count only the others.
        const count = this.child[node] < 0 && this.point[node] === i ? m - 1 : m;
        const q = 1 / (1 + d2);
        z += count * q;
        out[0] += count * q * q * dx;
        out[1] += count * q * q * dy;
      } else {
        const c = this.child[node];
        stack.push(c, c + 1, c + 2, c + 3);
      }
    }
    return z;
  }
}

export function tsne(input: Matrix, options: TsneOptions = {}): Matrix {
  const n = input.n;
  if (n > TSNE_LIMIT) {
    throw new TsneTooLargeError(
      `t-SNE is limited to ${TSNE_LIMIT.toLocaleString('en')} tracks (this run has ${n.toLocaleString('en')}); use the UMAP map instead`,
    );
  }
  const { iterations = 1000, theta = 0.5, seed = 1 } = options;
  const out = new Float32Array(n * 2);
  if (n < 3) return { data: out, n, dim: 2 };
  const perplexity = Math.min(options.perplexity ?? 30, (n - 1) / 3);
  const m = input.dim > 50 ? pca(input, { components: 50, seed }) : input;
  const P = affinities(m, perplexity, options);
  // Start: PCA 2-D, scaled so that the first coordinate's spread is 1e-4.
  const start = pca(m, { components: Math.min(2, m.dim), seed }).data;
  const perRow = start.length / n;
  const y = new Float64Array(n * 2);
  let sd = 0;
  for (let i = 0; i < n; i++) sd += start[i * perRow] ** 2;
  sd = Math.sqrt(sd / n) || 1;
  for (let i = 0; i < n; i++) {
    y[2 * i] = (start[i * perRow] / sd) * 1e-4;
    y[2 * i + 1] = perRow > 1 ? (start[i * perRow + 1] / sd) * 1e-4 : 0;
  }
  const update = new Float64Array(n * 2);
  const gains = new Float64Array(n * 2).fill(1);
  const grad = new Float64Array(n * 2);
  const rep = new Float64Array(n * 2);
  const exaggerationUntil = Math.min(250, Math.floor(iterations / 4));
  const rate = Math.max(n / 12 / 4, 50);
  const exact = theta === 0 || n <= EXACT_LIMIT;
  const force = new Float64Array(2);
  for (let iter = 0; iter < iterations; iter++) {
    const exaggeration = iter < exaggerationUntil ? 12 : 1;
    const momentum = iter < exaggerationUntil ? 0.5 : 0.8;
    // Repulsion: Σ_j q_ij² (y_i − y_j) and Z = Σ_{i≠j} q_ij (q unnormalised: 1 / (1 + d²)).
    rep.fill(0);
    let z = 0;
    if (exact) {
      for (let i = 0; i < n; i++) {
        for (let j = i + 1; j < n; j++) {
          const dx = y[2 * i] - y[2 * j];
          const dy = y[2 * i + 1] - y[2 * j + 1];
          const q = 1 / (1 + dx * dx + dy * dy);
          z += 2 * q;
          const q2 = q * q;
          rep[2 * i] += q2 * dx;
          rep[2 * i + 1] += q2 * dy;
          rep[2 * j] -= q2 * dx;
          rep[2 * j + 1] -= q2 * dy;
        }
      }
    } else {
      const tree = new QuadTree(y);
      for (let i = 0; i < n; i++) {
        force[0] = 0;
        force[1] = 0;
        z += tree.repulse(i, theta, force);
        rep[2 * i] = force[0];
        rep[2 * i + 1] = force[1];
      }
    }
    // Attraction over the sparse P: Σ_j p_ij q_ij (y_i − y_j); gradient 4 (attraction − repulsion / Z).
    for (let i = 0; i < n; i++) {
      let ax = 0;
      let ay = 0;
      for (let e = P.rowStart[i]; e < P.rowStart[i + 1]; e++) {
        const j = P.cols[e];
        const dx = y[2 * i] - y[2 * j];
        const dy = y[2 * i + 1] - y[2 * j + 1];
        const pq = (exaggeration * P.values[e]) / (1 + dx * dx + dy * dy);
        ax += pq * dx;
        ay += pq * dy;
      }
      grad[2 * i] = 4 * (ax - rep[2 * i] / z);
      grad[2 * i + 1] = 4 * (ay - rep[2 * i + 1] / z);
    }
    for (let c = 0; c < 2 * n; c++) {
      // Gains grow while the step keeps its direction, shrink when it flips (Jacobs 1988).
      gains[c] =
        Math.sign(grad[c]) !== Math.sign(update[c]) ? gains[c] + 0.2 : Math.max(0.01, gains[c] * 0.8);
      update[c] = momentum * update[c] - rate * gains[c] * grad[c];
      y[c] += update[c];
    }
    if (iter % 10 === 0) {
      checkAbort(options.signal);
      options.onProgress?.({ step: 'tsne', done: iter, total: iterations });
      // Keep the layout centred (the gradient is translation-invariant; drift only costs precision).
      let mx = 0;
      let my = 0;
      for (let i = 0; i < n; i++) {
        mx += y[2 * i];
        my += y[2 * i + 1];
      }
      for (let i = 0; i < n; i++) {
        y[2 * i] -= mx / n;
        y[2 * i + 1] -= my / n;
      }
    }
  }
  for (let c = 0; c < 2 * n; c++) out[c] = y[c];
  return { data: out, n, dim: 2 };
}

/**
 * Trustworthiness (Venna & Kaski 2001) of a 2-D layout for k neighbours: 1 when every row's k
 * nearest in the layout were among its k nearest in the input, lower the further down the input
 * ranking the intruders stand. Exact ranks by sorting each row's distances (n² log n): for tests
 * and small checks.
 */
export function trustworthiness(input: Matrix, layout: Matrix, k: number): number {
  const n = input.n;
  const lowNn = kNearest(layout, k);
  let penalty = 0;
  const rank = new Int32Array(n);
  const order = Array.from({ length: n }, (_, j) => j);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let c = 0; c < input.dim; c++) {
        const v = input.data[i * input.dim + c] - input.data[j * input.dim + c];
        s += v * v;
      }
      d[j] = j === i ? -1 : s;
    }
    order.sort((a, b) => d[a] - d[b]);
    // order[0] is i itself (distance −1): ranks start at 1 with its nearest other row.
    for (let r = 1; r < n; r++) rank[order[r]] = r;
    for (let t = 0; t < k; t++) {
      const r = rank[lowNn.indices[i * k + t]];
      if (r > k) penalty += r - k;
    }
  }
  return 1 - (2 / (n * k * (2 * n - 3 * k - 1))) * penalty;
}
