/** Where decoded PCM lands: growing sinks, and buffers kept from one decode to the next. */
import { describe, expect, it } from 'vitest';
import { PcmBuffers, PcmSink } from '../../../src/main/ffmpeg/pcm-buffers';

function bytesOf(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

describe('PcmSink', () => {
  it('collects chunks past its first size and stops at its cap', () => {
    const sink = new PcmSink(8, 40);
    for (let i = 0; i < 5; i++) sink.push(bytesOf([i, i + 0.5]));
    expect(Array.from(sink.toFloat32())).toEqual([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5]);
    sink.push(bytesOf([9])); // past the 40-byte cap: dropped
    expect(sink.toFloat32().length).toBe(10);
  });

  it('decodes into kept buffers: the second decode reuses the first one’s memory', () => {
    const buffers = new PcmBuffers();
    const a = new PcmSink(4096, 1 << 20, { buffers, slot: 0 });
    for (let i = 0; i < 3000; i++) a.push(bytesOf([i]));
    const first = a.toFloat32();
    expect(first.length).toBe(3000);
    expect(first[2999]).toBe(2999);
    const held = buffers.bytes;
    expect(held).toBeGreaterThanOrEqual(12_000);

    const b = new PcmSink(4096, 1 << 20, { buffers, slot: 0 });
    for (let i = 0; i < 1000; i++) b.push(bytesOf([-i]));
    const second = b.toFloat32();
    expect(second.buffer).toBe(first.buffer); // same memory, no new allocation
    expect(second.length).toBe(1000);
    expect(second[999]).toBe(-999);
    expect(buffers.bytes).toBe(held);
  });

  it('keeps what it holds when a kept buffer has to grow', () => {
    const buffers = new PcmBuffers();
    const sink = new PcmSink(16, 1 << 20, { buffers, slot: 1 });
    for (let i = 0; i < 100; i++) sink.push(bytesOf([i]));
    expect(Array.from(sink.toFloat32())).toEqual(Array.from({ length: 100 }, (_, i) => i));
    // The samples are in the slot's kept buffer itself, not in a copy.
    const kept = buffers.take(1, 400);
    expect(new Float32Array(kept.buffer, kept.byteOffset, 100)[99]).toBe(99);
  });
});
