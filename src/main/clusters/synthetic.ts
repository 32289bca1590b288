/** Labelled Gaussian blobs for tests and benches (seeded, so every run sees the same data). */
import { type Matrix, seededRandom } from './matrix';

export interface BlobOptions {
  n: number;
  dim: number;
  clusters: number;
  seed?: number;
  /** Standard deviation of each blob along each axis. */
  spread?: number;
  /** Blob centres are drawn uniformly in [−scale, scale]^dim. */
  scale?: number;
}

export function gaussian(random: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const u = Math.max(random(), 1e-12);
    const v = random();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

export function blobs(options: BlobOptions): { matrix: Matrix; labels: Int32Array; centres: Float32Array } {
  const { n, dim, clusters, seed = 1, spread = 1, scale = 10 } = options;
  const random = seededRandom(seed);
  const normal = gaussian(random);
  const centres = new Float32Array(clusters * dim);
  for (let i = 0; i < centres.length; i++) centres[i] = (random() * 2 - 1) * scale;
  const data = new Float32Array(n * dim);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % clusters;
    labels[i] = c;
    for (let d = 0; d < dim; d++) data[i * dim + d] = centres[c * dim + d] + normal() * spread;
  }
  return { matrix: { data, n, dim }, labels, centres };
}
