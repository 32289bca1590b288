/** Analysis windows. */

/** Symmetric Hann window `0.5 − 0.5·cos(2πn/(N−1))` (Essentia's `hann`). `normalized` scales it to sum 2
 * (Essentia's `Windowing(normalized=true)` default), so a full-scale sine peaks near 1 in the spectrum. */
export function hann(size: number, normalized = false): Float64Array {
  const w = new Float64Array(size);
  for (let n = 0; n < size; n++) w[n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / (size - 1));
  if (normalized) {
    let sum = 0;
    for (let n = 0; n < size; n++) sum += w[n];
    const g = 2 / sum;
    for (let n = 0; n < size; n++) w[n] *= g;
  }
  return w;
}
