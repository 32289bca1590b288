/**
 * Real FFT of a power-of-two size N, computed as a complex FFT of size N/2 on the packed signal
 * (even samples as real parts, odd as imaginary) followed by the split step. One instance per size:
 * the twiddles and bit-reversal table are built once; the scratch buffers are reused, so an instance
 * is not re-entrant (one per worker is the intent).
 */
export class RealFFT {
  readonly size: number;
  private readonly half: number;
  private readonly rev: Uint32Array;
  /** Twiddles per stage, contiguous: for a stage of half-length h, w_j = e^(−iπj/h) at [h + j]. */
  private readonly twRe: Float64Array;
  private readonly twIm: Float64Array;
  private readonly splitCos: Float64Array;
  private readonly splitSin: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;

  constructor(size: number) {
    if (size < 8 || (size & (size - 1)) !== 0) {
      throw new Error(`RealFFT: size must be a power of two >= 8, got ${size}`);
    }
    this.size = size;
    const h = size >> 1;
    this.half = h;
    this.re = new Float64Array(h);
    this.im = new Float64Array(h);
    this.rev = new Uint32Array(h);
    const bits = Math.log2(h);
    for (let i = 0; i < h; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.rev[i] = r;
    }
    this.twRe = new Float64Array(h);
    this.twIm = new Float64Array(h);
    for (let hl = 1; hl < h; hl <<= 1) {
      for (let j = 0; j < hl; j++) {
        this.twRe[hl + j] = Math.cos((-Math.PI * j) / hl);
        this.twIm[hl + j] = Math.sin((-Math.PI * j) / hl);
      }
    }
    this.splitCos = new Float64Array(h);
    this.splitSin = new Float64Array(h);
    for (let k = 0; k < h; k++) {
      this.splitCos[k] = Math.cos((-2 * Math.PI * k) / size);
      this.splitSin[k] = Math.sin((-2 * Math.PI * k) / size);
    }
  }

  /**
   * Forward transform of `input` (length N, real). Writes bins 0…N/2 into outRe/outIm (length
   * N/2 + 1). X[k] = Σ x[n]·e^(−2πikn/N).
   */
  forward(input: Float64Array, outRe: Float64Array, outIm: Float64Array): void {
    const h = this.half;
    const re = this.re;
    const im = this.im;
    const rev = this.rev;
    for (let i = 0; i < h; i++) {
      const j = rev[i];
      re[j] = input[2 * i];
      im[j] = input[2 * i + 1];
    }
    // First two stages as one radix-4 pass (twiddles 1 and −i only).
    for (let a = 0; a < h; a += 4) {
      const r0 = re[a] + re[a + 1];
      const i0 = im[a] + im[a + 1];
      const r1 = re[a] - re[a + 1];
      const i1 = im[a] - im[a + 1];
      const r2 = re[a + 2] + re[a + 3];
      const i2 = im[a + 2] + im[a + 3];
      const r3 = re[a + 2] - re[a + 3];
      const i3 = im[a + 2] - im[a + 3];
      re[a] = r0 + r2;
      im[a] = i0 + i2;
      re[a + 2] = r0 - r2;
      im[a + 2] = i0 - i2;
      // (r3 + i·i3)·(−i) = i3 − i·r3
      re[a + 1] = r1 + i3;
      im[a + 1] = i1 - r3;
      re[a + 3] = r1 - i3;
      im[a + 3] = i1 + r3;
    }
    const twRe = this.twRe;
    const twIm = this.twIm;
    // Remaining stages two at a time (radix-2²): stage hl pairs (a,b) and (c,d) with w = W_hl^j, then
    // stage 2·hl pairs (a,c) with W_2hl^j and (b,d) with W_2hl^(j+hl) = −i·W_2hl^j.
    let hl = 4;
    for (; hl * 2 < h; hl <<= 2) {
      const len = hl << 2;
      for (let j = 0; j < hl; j++) {
        const w1r = twRe[hl + j];
        const w1i = twIm[hl + j];
        const w2r = twRe[2 * hl + j];
        const w2i = twIm[2 * hl + j];
        for (let a = j; a < h; a += len) {
          const b = a + hl;
          const c = b + hl;
          const d = c + hl;
          let xr = re[b] * w1r - im[b] * w1i;
          let xi = re[b] * w1i + im[b] * w1r;
          const a0r = re[a] + xr;
          const a0i = im[a] + xi;
          const b0r = re[a] - xr;
          const b0i = im[a] - xi;
          xr = re[d] * w1r - im[d] * w1i;
          xi = re[d] * w1i + im[d] * w1r;
          const c0r = re[c] + xr;
          const c0i = im[c] + xi;
          const d0r = re[c] - xr;
          const d0i = im[c] - xi;
          xr = c0r * w2r - c0i * w2i;
          xi = c0r * w2i + c0i * w2r;
          re[a] = a0r + xr;
          im[a] = a0i + xi;
          re[c] = a0r - xr;
          im[c] = a0i - xi;
          // d0 · (−i·w2) = d0 · (w2i − i·w2r)
          xr = d0r * w2i + d0i * w2r;
          xi = d0i * w2i - d0r * w2r;
          re[b] = b0r + xr;
          im[b] = b0i + xi;
          re[d] = b0r - xr;
          im[d] = b0i - xi;
        }
      }
    }
    if (hl < h) {
      const len = hl << 1;
      for (let j = 0; j < hl; j++) {
        const wr = twRe[hl + j];
        const wi = twIm[hl + j];
        for (let a = j; a < h; a += len) {
          const b = a + hl;
          const br = re[b];
          const bi = im[b];
          const xr = br * wr - bi * wi;
          const xi = br * wi + bi * wr;
          const ar = re[a];
          const ai = im[a];
          re[b] = ar - xr;
          im[b] = ai - xi;
          re[a] = ar + xr;
          im[a] = ai + xi;
        }
      }
    }
    // Split: X[k] = (Z[k] + conj(Z[h−k]))/2 + e^(−2πik/N)·(Z[k] − conj(Z[h−k]))/(2i)
    outRe[0] = re[0] + im[0];
    outIm[0] = 0;
    outRe[h] = re[0] - im[0];
    outIm[h] = 0;
    const sc = this.splitCos;
    const ss = this.splitSin;
    for (let k = 1; k < h; k++) {
      const zr = re[k];
      const zi = im[k];
      const cr = re[h - k];
      const ci = -im[h - k];
      const er = 0.5 * (zr + cr);
      const ei = 0.5 * (zi + ci);
      const or = 0.5 * (zi - ci);
      const oi = -0.5 * (zr - cr);
      const wr = sc[k];
      const wi = ss[k];
      outRe[k] = er + or * wr - oi * wi;
      outIm[k] = ei + or * wi + oi * wr;
    }
  }
}
