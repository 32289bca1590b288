/**
 * The 2:1 decimator's scalar TypeScript as it was before the WebAssembly SIMD kernel
 * (src/main/analysis/dsp/decimate.ts, 2026-12-02): the reference the faster paths are checked
 * against in tests and timed against in bench/decimate.ts. Sums in float64, taps in float64, two
 * outputs per pass (the bench also runs it with float32 taps); samples outside the signal count
 * as zero. Kept verbatim on purpose: do not optimise it.
 */
export function decimateReference(
  taps: Float64Array | Float32Array,
  x: Float32Array,
  out?: Float32Array,
): Float32Array {
  const n = x.length;
  const m = Math.ceil(n / 2);
  const y = out && out.length >= m ? out.subarray(0, m) : new Float32Array(m);
  const h = taps;
  const reach = h.length - 1;
  const h0 = h[0];
  const first = Math.min(m, Math.ceil(reach / 2));
  const last = Math.max(first, Math.floor((n - 1 - reach) / 2) + 1);
  for (let k = 0; k < first; k++) y[k] = edge(h, x, k);
  let k = first;
  for (; k + 1 < last; k += 2) {
    const c = 2 * k;
    const e = c + 2;
    let a = h0 * x[c];
    let b = h0 * x[e];
    for (let d = 1; d <= reach; d++) {
      const hd = h[d];
      a += hd * (x[c - d] + x[c + d]);
      b += hd * (x[e - d] + x[e + d]);
    }
    y[k] = a;
    y[k + 1] = b;
  }
  for (; k < last; k++) {
    const c = 2 * k;
    let a = h0 * x[c];
    for (let d = 1; d <= reach; d++) a += h[d] * (x[c - d] + x[c + d]);
    y[k] = a;
  }
  for (k = Math.max(first, last); k < m; k++) y[k] = edge(h, x, k);
  return y;
}

function edge(h: Float64Array | Float32Array, x: Float32Array, k: number): number {
  const n = x.length;
  const c = 2 * k;
  let acc = h[0] * x[c];
  for (let d = 1; d < h.length; d++) {
    const a = c - d;
    const b = c + d;
    acc += h[d] * ((a >= 0 ? x[a] : 0) + (b < n ? x[b] : 0));
  }
  return acc;
}
