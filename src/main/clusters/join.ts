/**
 * New tracks joining a stored clustering without re-running it. Everything is measured in the
 * space the run's tracks have in the library now (the similarity space the run names), against
 * the run's members there:
 *
 * - k-means: the nearest centroid (members' mean per cluster); strength as for the run's members,
 *   the share of the track's k nearest members in that cluster.
 * - GMM: the posterior under diagonal Gaussians fitted to each cluster's members (mean, variance,
 *   share of the rows); label the most probable, strength that probability.
 * - Ward (agglomerative): the cluster whose merge with the track costs least,
 *   n_c / (n_c + 1) · ‖x − μ_c‖² (Ward's criterion); strength as for k-means.
 * - HDBSCAN (approximate_predict-style): the track's core distance is the distance to its
 *   minSamples-th nearest member; among its k nearest members the one with the least mutual
 *   reachability max(core_x, core_j, d) gives the label (noise gives noise); strength: that
 *   member's strength × core_j / reachability (1 when the track lies within its core distance); a
 *   track farther from that member than every nearby member's core distance is noise.
 * - DBSCAN: the nearest core member (strength 1 in the run) whose own minPoints-radius covers the
 *   track gives the label, strength 0.5 (a border point, as DBSCAN makes one); else noise.
 * Map coordinates (UMAP and PCA) are the k nearest members' coordinates weighted by 1 / distance:
 * the track lands among the tracks it is nearest to (as UMAP's own transform starts).
 *
 * When the run clustered in a reduced space (UMAP to 10-D), its parameters (eps) belong to that
 * space: the rules above then approximate it from the un-reduced one, through core distances
 * measured among the members, never through eps itself.
 */
import { type Matrix, NOISE } from './matrix';
import { kNearestOf } from './neighbours';

export interface RunModel {
  algorithm: string;
  params: Record<string, unknown>;
  /** The run's members in the current space. */
  members: Matrix;
  labels: Int32Array;
  strengths: Float32Array;
  /** Members' UMAP (x, y) and PCA (px, py) map coordinates, n × 2 each. */
  umap: Float32Array;
  pca: Float32Array;
}

export interface Joined {
  label: number;
  strength: number;
  x: number;
  y: number;
  px: number;
  py: number;
}

const NEIGHBOURS = 10;

const num = (v: unknown, fallback: number): number =>
  typeof v === 'number' && Number.isFinite(v) ? v : fallback;

interface ClusterStats {
  k: number;
  counts: Float64Array;
  means: Float64Array;
  variances: Float64Array;
}

function clusterStats(model: RunModel): ClusterStats {
  const { members, labels } = model;
  const dim = members.dim;
  let k = 0;
  for (const l of labels) if (l + 1 > k) k = l + 1;
  const counts = new Float64Array(k);
  const means = new Float64Array(k * dim);
  const variances = new Float64Array(k * dim);
  for (let i = 0; i < members.n; i++) {
    const c = labels[i];
    if (c < 0) continue;
    counts[c]++;
    for (let d = 0; d < dim; d++) means[c * dim + d] += members.data[i * dim + d];
  }
  for (let c = 0; c < k; c++) for (let d = 0; d < dim; d++) means[c * dim + d] /= Math.max(1, counts[c]);
  for (let i = 0; i < members.n; i++) {
    const c = labels[i];
    if (c < 0) continue;
    for (let d = 0; d < dim; d++)
      variances[c * dim + d] += (members.data[i * dim + d] - means[c * dim + d]) ** 2;
  }
  // A floor keeps a one-track (or flat) cluster's Gaussian finite.
  for (let c = 0; c < k; c++)
    for (let d = 0; d < dim; d++)
      variances[c * dim + d] = variances[c * dim + d] / Math.max(1, counts[c]) + 1e-6;
  return { k, counts, means, variances };
}

/** Joins new tracks to a run; reuse one Joiner for many batches (it caches per-run statistics). */
export class Joiner {
  private stats: ClusterStats | null = null;
  /** Members' distance to their m-th nearest other member (NaN: not measured yet). */
  private core: Float64Array;
  private coreOf = 0;

  constructor(private readonly model: RunModel) {
    this.core = new Float64Array(model.members.n).fill(Number.NaN);
  }

  private statsNow(): ClusterStats {
    this.stats ??= clusterStats(this.model);
    return this.stats;
  }

  /** A member's core distance for `m` neighbours (measured on first use). */
  private coreDistance(j: number, m: number): number {
    if (this.coreOf !== m) {
      this.core.fill(Number.NaN);
      this.coreOf = m;
    }
    if (Number.isNaN(this.core[j])) {
      const nn = kNearestOf(this.model.members, this.model.members.data, j, m + 1);
      // The member itself is its own nearest (distance 0): the m-th other is at index m.
      this.core[j] = Math.sqrt(nn.sqDistances[Math.min(m, nn.indices.length - 1)]);
    }
    return this.core[j];
  }

  join(points: Matrix): Joined[] {
    const { model } = this;
    if (points.dim !== model.members.dim)
      throw new Error(`points have ${points.dim} dimensions, the run's members ${model.members.dim}`);
    const out: Joined[] = [];
    for (let q = 0; q < points.n; q++) {
      const nn = kNearestOf(model.members, points.data, q, NEIGHBOURS);
      out.push({ ...this.labelOf(points, q, nn), ...this.place(nn) });
    }
    return out;
  }

  private place(nn: { indices: Int32Array; sqDistances: Float64Array }): Omit<Joined, 'label' | 'strength'> {
    let w = 0;
    const acc = [0, 0, 0, 0];
    for (let t = 0; t < nn.indices.length; t++) {
      const j = nn.indices[t];
      if (j < 0) continue;
      const wt = 1 / (Math.sqrt(nn.sqDistances[t]) + 1e-9);
      w += wt;
      acc[0] += wt * this.model.umap[2 * j];
      acc[1] += wt * this.model.umap[2 * j + 1];
      acc[2] += wt * this.model.pca[2 * j];
      acc[3] += wt * this.model.pca[2 * j + 1];
    }
    const f = w > 0 ? 1 / w : 0;
    return { x: acc[0] * f, y: acc[1] * f, px: acc[2] * f, py: acc[3] * f };
  }

  /** Share of the nearest members in cluster c. */
  private agreement(nn: { indices: Int32Array }, c: number): number {
    let same = 0;
    let all = 0;
    for (const j of nn.indices) {
      if (j < 0) continue;
      all++;
      if (this.model.labels[j] === c) same++;
    }
    return all > 0 ? same / all : 0;
  }

  private labelOf(
    points: Matrix,
    q: number,
    nn: { indices: Int32Array; sqDistances: Float64Array },
  ): { label: number; strength: number } {
    const { model } = this;
    const dim = points.dim;
    const x = points.data.subarray(q * dim, (q + 1) * dim);
    switch (model.algorithm) {
      case 'kmeans':
      case 'agglomerative': {
        const s = this.statsNow();
        let best = NOISE;
        let bestCost = Infinity;
        for (let c = 0; c < s.k; c++) {
          if (s.counts[c] === 0) continue;
          let d2 = 0;
          for (let d = 0; d < dim; d++) d2 += (x[d] - s.means[c * dim + d]) ** 2;
          const cost = model.algorithm === 'agglomerative' ? (s.counts[c] / (s.counts[c] + 1)) * d2 : d2;
          if (cost < bestCost) {
            bestCost = cost;
            best = c;
          }
        }
        return { label: best, strength: best >= 0 ? this.agreement(nn, best) : 0 };
      }
      case 'gmm': {
        const s = this.statsNow();
        const total = s.counts.reduce((a, b) => a + b, 0);
        const logp = new Float64Array(s.k).fill(-Infinity);
        for (let c = 0; c < s.k; c++) {
          if (s.counts[c] === 0) continue;
          let lp = Math.log(s.counts[c] / total);
          for (let d = 0; d < dim; d++) {
            const v = s.variances[c * dim + d];
            lp -= 0.5 * (Math.log(2 * Math.PI * v) + (x[d] - s.means[c * dim + d]) ** 2 / v);
          }
          logp[c] = lp;
        }
        let best = 0;
        for (let c = 1; c < s.k; c++) if (logp[c] > logp[best]) best = c;
        let z = 0;
        for (let c = 0; c < s.k; c++) z += Math.exp(logp[c] - logp[best]);
        return { label: best, strength: 1 / z };
      }
      case 'hdbscan': {
        const m = Math.max(
          1,
          Math.round(num(model.params.minSamples, num(model.params.minClusterSize, 5))) - 1,
        );
        const kk = Math.min(m, nn.indices.length) - 1;
        const coreX = kk >= 0 ? Math.sqrt(nn.sqDistances[kk]) : 0;
        let best = -1;
        let bestMr = Infinity;
        let bestD = Infinity;
        for (let t = 0; t < nn.indices.length; t++) {
          const j = nn.indices[t];
          if (j < 0) continue;
          const mr = Math.max(coreX, this.coreDistance(j, m), Math.sqrt(nn.sqDistances[t]));
          if (mr < bestMr) {
            bestMr = mr;
            best = j;
            bestD = Math.sqrt(nn.sqDistances[t]);
          }
        }
        if (best < 0 || model.labels[best] < 0) return { label: NOISE, strength: 0 };
        // Farther than every nearby member's own density radius: outside the dense region, noise (the
        // un-reduced stand-in for HDBSCAN's "joins above the cluster's birth level").
        let widest = 0;
        for (const j of nn.indices) if (j >= 0) widest = Math.max(widest, this.coreDistance(j, m));
        if (bestD > widest) return { label: NOISE, strength: 0 };
        const ratio = bestMr > 0 ? Math.min(1, this.coreDistance(best, m) / bestMr) : 1;
        return { label: model.labels[best], strength: model.strengths[best] * ratio };
      }
      case 'dbscan': {
        const m = Math.max(1, Math.round(num(model.params.minPoints, 5)) - 1);
        for (let t = 0; t < nn.indices.length; t++) {
          const j = nn.indices[t];
          if (j < 0 || model.labels[j] < 0 || model.strengths[j] < 1) continue;
          if (Math.sqrt(nn.sqDistances[t]) <= this.coreDistance(j, m))
            return { label: model.labels[j], strength: 0.5 };
        }
        return { label: NOISE, strength: 0 };
      }
      default:
        throw new Error(`cannot join tracks to a ${model.algorithm} run`);
    }
  }
}
