/**
 * A small real FFT: an iterative radix-2 complex FFT of size N/2 on the even/odd-packed input,
 * then the usual split step. Tables are built once per size.
 */

interface Plan {
  n: number;
  half: number;
  bitrev: Uint32Array;
  /** Twiddles of the half-size complex FFT: cos/sin(−2πk/half), k < half/2. */
  cos: Float64Array;
  sin: Float64Array;
  /** Split twiddles: cos/sin(−2πk/n), k ≤ half. */
  splitCos: Float64Array;
  splitSin: Float64Array;
  re: Float64Array;
  im: Float64Array;
}

const plans = new Map<number, Plan>();

function plan(n: number): Plan {
  const cached = plans.get(n);
  if (cached) return cached;
  if (n < 4 || (n & (n - 1)) !== 0) throw new Error(`FFT size must be a power of two ≥ 4, got ${n}`);
  const half = n / 2;
  const bits = Math.log2(half);
  const bitrev = new Uint32Array(half);
  for (let i = 0; i < half; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    bitrev[i] = r;
  }
  const cos = new Float64Array(half / 2);
  const sin = new Float64Array(half / 2);
  for (let k = 0; k < half / 2; k++) {
    cos[k] = Math.cos((-2 * Math.PI * k) / half);
    sin[k] = Math.sin((-2 * Math.PI * k) / half);
  }
  const splitCos = new Float64Array(half + 1);
  const splitSin = new Float64Array(half + 1);
  for (let k = 0; k <= half; k++) {
    splitCos[k] = Math.cos((-2 * Math.PI * k) / n);
    splitSin[k] = Math.sin((-2 * Math.PI * k) / n);
  }
  const p: Plan = { n, half, bitrev, cos, sin, splitCos, splitSin, re: new Float64Array(half), im: new Float64Array(half) };
  plans.set(n, p);
  return p;
}

/**
 * Power spectrum |X[k]|², k = 0…n/2, of a real signal of length n (a power of two).
 * `out` must hold n/2 + 1 values.
 */
export function realFftPower(input: Float64Array, out: Float64Array): void {
  const p = plan(input.length);
  const { half, bitrev, cos, sin, re, im } = p;
  for (let i = 0; i < half; i++) {
    const j = bitrev[i];
    re[j] = input[2 * i];
    im[j] = input[2 * i + 1];
  }
  for (let size = 2; size <= half; size <<= 1) {
    const h = size >> 1;
    const step = half / size;
    for (let start = 0; start < half; start += size) {
      for (let k = 0; k < h; k++) {
        const c = cos[k * step];
        const s = sin[k * step];
        const a = start + k;
        const b = a + h;
        const tr = re[b] * c - im[b] * s;
        const ti = re[b] * s + im[b] * c;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
      }
    }
  }
  // X[k] = E[k] + W^k O[k], with E = (Z[k] + conj Z[half−k]) / 2, O = (Z[k] − conj Z[half−k]) / 2i.
  const { splitCos, splitSin } = p;
  for (let k = 0; k <= half; k++) {
    const a = k % half;
    const b = (half - k) % half;
    const zr = re[a];
    const zi = im[a];
    const cr = re[b];
    const ci = -im[b];
    const er = 0.5 * (zr + cr);
    const ei = 0.5 * (zi + ci);
    // (Z − conj Z') / 2i: (dr + i·di) / 2i = (di − i·dr) / 2
    const dr = zr - cr;
    const di = zi - ci;
    const or = 0.5 * di;
    const oi = -0.5 * dr;
    const wr = splitCos[k];
    const wi = splitSin[k];
    const xr = er + or * wr - oi * wi;
    const xi = ei + or * wi + oi * wr;
    out[k] = xr * xr + xi * xi;
  }
}
