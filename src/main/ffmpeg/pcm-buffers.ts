/**
 * Where decoded PCM lands: a growing byte buffer per pipe (PcmSink), optionally taken from buffers
 * kept between decodes (PcmBuffers).
 *
 * Why keep them: memory a process touches for the first time is expensive. On the development VM
 * the first write to freshly allocated memory costs ~4 ms per MB (measured: 150 ms CPU to fill a
 * new 35 MB array, 2 ms to fill it again), and a freed buffer's pages go back to the system, so a
 * worker that allocates each track's PCM anew pays that on every track — measured on 16 corpus
 * tracks (0.86 h), 12 s of worker CPU for decoding against 10 s for ffmpeg itself. A worker keeps
 * one PcmBuffers and decodes into it track after track; the PCM a decode returns is then a view
 * that is valid until the next decode with the same buffers.
 *
 * Kept pages are only cheap to write again if the process does not fork in between: after a fork
 * each first write to a page is a copy-on-write fault (~22 µs here), which is why ffmpeg is not
 * forked from the worker (launcher.ts). Refilling a kept 26 MB buffer: 2 ms; after a fork: 145 ms.
 */

/** Grow-only byte buffers, one per slot (a decoder output), reused from one decode to the next. */
export class PcmBuffers {
  private readonly slots: Uint8Array[] = [];

  /**
   * The buffer of `slot`, at least `bytes` long (a larger one replaces it, keeping the first `keep`
   * bytes; grown by half again at least, so a run of longer tracks does not reallocate each time).
   */
  take(slot: number, bytes: number, keep = 0, capBytes = Infinity): Uint8Array {
    const current = this.slots[slot];
    if (current && current.length >= bytes) return current;
    const size = Math.min(capBytes, Math.max(bytes, Math.ceil((current?.length ?? 0) * 1.5)));
    const grown = new Uint8Array(Math.max(size, bytes));
    if (current && keep > 0) grown.set(current.subarray(0, Math.min(keep, current.length)));
    this.slots[slot] = grown;
    return grown;
  }

  /** Bytes held (for tests and figures). */
  get bytes(): number {
    return this.slots.reduce((a, s) => a + (s?.length ?? 0), 0);
  }
}

/**
 * Collects one PCM pipe straight into a growing buffer sized from the expected length, instead of
 * keeping every pipe chunk and copying them at the end: the peak memory of a decode is then about
 * the PCM itself, not twice it.
 */
export class PcmSink {
  private buf: Uint8Array;
  private bytes = 0;

  constructor(
    initialBytes: number,
    private readonly capBytes: number,
    private readonly pool?: { buffers: PcmBuffers; slot: number },
  ) {
    const initial = Math.max(4096, Math.min(initialBytes, capBytes));
    this.buf = pool ? pool.buffers.take(pool.slot, initial, 0, capBytes) : new Uint8Array(initial);
  }

  push(chunk: Uint8Array): void {
    const room = this.capBytes - this.bytes;
    if (room <= 0) return;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    const need = this.bytes + part.length;
    if (need > this.buf.length) {
      if (this.pool) {
        this.buf = this.pool.buffers.take(this.pool.slot, need, this.bytes, this.capBytes);
      } else {
        const grown = new Uint8Array(
          Math.min(this.capBytes, Math.max(need, Math.ceil(this.buf.length * 1.5))),
        );
        grown.set(this.buf.subarray(0, this.bytes));
        this.buf = grown;
      }
    }
    this.buf.set(part, this.bytes);
    this.bytes = need;
  }

  /**
   * Takes a whole output at once (ffmpeg wrote it to a spool file): `read` fills the buffer it is
   * given with up to `bytes` bytes and answers how many it wrote. Replaces what was pushed.
   */
  fill(bytes: number, read: (into: Uint8Array, maxBytes: number) => number): void {
    const want = Math.min(bytes, this.capBytes);
    if (want > this.buf.length) {
      this.buf = this.pool
        ? this.pool.buffers.take(this.pool.slot, want, 0, this.capBytes)
        : new Uint8Array(want);
    }
    this.bytes = read(this.buf, want);
  }

  /**
   * The samples received. From kept buffers: a view (valid until the next decode into them). Else a
   * view of the buffer, or a copy when the buffer is much larger than what it holds.
   */
  toFloat32(): Float32Array {
    const n = Math.floor(this.bytes / 4);
    if (!this.pool && this.buf.length > n * 4 * 1.25 + 65536) {
      return new Float32Array(this.buf.buffer.slice(0, n * 4));
    }
    return new Float32Array(this.buf.buffer, this.buf.byteOffset, n);
  }
}
