/**
 * Magnitude compression of model embeddings before they are centred: `log(1 + max(0, x) / m)`,
 * with m the median of the library's positive activations.
 *
 * Why: pooled CNN activations are bursty. A few channels that fire strongly on one sound dominate
 * the cosine, so two tracks that share that one loud channel look alike whatever else they do.
 * Compressing the magnitudes (and dropping the "off" side of the activation, which carries
 * little) lets the many moderate channels count. Measured on the dev corpus for both built-in
 * models (docs/similarity.md, "Quality"); a model opts in through its spec
 * (`embeddingTransform`), so a plugged model's vectors are used as they are.
 *
 * The scale makes the transform independent of the model's activation range; it is a library
 * statistic like the centring mean, taken from a fixed sample of rows in canonical order, so the
 * same library gets the same scale whatever its ids or insertion order.
 */
import { selectKth } from '../analysis/dsp/select';

export type EmbeddingTransform = 'none' | 'log1p';

/** Rows sampled for the scale: enough for a stable median, bounded for 100k-track libraries. */
const SCALE_SAMPLE_ROWS = 1024;

/**
 * The median of the positive values of up to 1,024 rows spread evenly over the n rows
 * (1 when there are none).
 */
export function compressionScale(data: Float32Array, n: number, dim: number): number {
  const rows = Math.min(n, SCALE_SAMPLE_ROWS);
  const positives = new Float64Array(rows * dim);
  let count = 0;
  for (let j = 0; j < rows; j++) {
    const o = Math.floor((j * n) / rows) * dim;
    for (let d = 0; d < dim; d++) {
      const v = data[o + d];
      if (v > 0 && Number.isFinite(v)) positives[count++] = v;
    }
  }
  if (count === 0) return 1;
  const median = selectKth(positives, count >> 1, 0, count);
  return median > 0 ? median : 1;
}

/** Writes the compressed rows [from, to) of `src` into `out` (same layout); non-finite values stay. */
export function compressRows(
  src: Float32Array,
  from: number,
  to: number,
  dim: number,
  scale: number,
  out: Float32Array,
): void {
  const inv = 1 / scale;
  for (let i = from * dim; i < to * dim; i++) {
    const v = src[i];
    out[i] = v > 0 ? Math.log1p(v * inv) : Number.isFinite(v) ? 0 : v;
  }
}
