/**
 * Scores a listener can read. Raw similarities crowd at the top (cosines of music embeddings are
 * nearly all above 0.9, mutual-proximity probabilities nearly all near 1), so a bar drawn from them
 * says nothing. What a listener can read is where a pair stands among the library's pairs: its
 * percentile in the library's similarity distribution ("closer than 97 % of pairs").
 *
 * The distribution is measured once per space over the pairs of up to CALIBRATION_ROWS rows: every
 * row of a small library, else the rows whose content hashes lowest (so the figure does not depend
 * on track ids or on the order tracks were added in), with the same relevance the ranking uses.
 */
import { hubSample } from './hubness';
import type { RowSource } from './vectors';

/** Rows whose pairs make the reference distribution (≈80k pairs at most). */
export const CALIBRATION_ROWS = 400;

export class ScoreCalibration {
  private constructor(private readonly sorted: Float64Array) {}

  /**
   * @param src the space's rows
   * @param pairRel the ranking's relevance of a pair of rows (higher is closer; symmetric)
   */
  static build(
    src: RowSource,
    pairRel: (a: number, b: number) => number,
    rows = CALIBRATION_ROWS,
  ): ScoreCalibration {
    const sample = hubSample(src, rows, 11, rows);
    const m = sample.length;
    const values = new Float64Array((m * (m - 1)) / 2);
    let k = 0;
    for (let x = 0; x < m; x++) for (let y = x + 1; y < m; y++) values[k++] = pairRel(sample[x], sample[y]);
    values.sort();
    return new ScoreCalibration(values);
  }

  /** Pairs the distribution was measured on. */
  get pairs(): number {
    return this.sorted.length;
  }

  /**
   * The share of the library's pairs less similar than `rel`, in percent (0–100; ties count
   * half). 50 without a distribution (a library of one track).
   */
  percentile(rel: number): number {
    const v = this.sorted;
    if (v.length === 0 || Number.isNaN(rel)) return 50;
    const below = lowerBound(v, rel);
    let above = below;
    while (above < v.length && v[above] === rel) above++;
    return (100 * (below + (above - below) / 2)) / v.length;
  }
}

function lowerBound(v: Float64Array, x: number): number {
  let lo = 0;
  let hi = v.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
