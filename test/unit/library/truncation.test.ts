import { describe, expect, it } from 'vitest';
import { truncationReason } from '../../../src/main/library/truncation';

/** A FLAC head: the marker, STREAMINFO (last block) with the given figures. */
function flacHead(opts: { maxBlock: number; minFrame: number; samples: number }): Buffer {
  const b = Buffer.alloc(42);
  b.write('fLaC', 0, 'latin1');
  b[4] = 0x80; // last metadata block, type 0 (STREAMINFO)
  b.writeUIntBE(34, 5, 3);
  b.writeUInt16BE(opts.maxBlock, 8);
  b.writeUInt16BE(opts.maxBlock, 10);
  b.writeUIntBE(opts.minFrame, 12, 3);
  b.writeUIntBE(opts.minFrame * 4, 15, 3);
  // 20 bits rate (44100), 3 bits channels-1, 5 bits bps-1, 36 bits samples
  const packed = (44100n << 44n) | (1n << 41n) | (15n << 36n) | BigInt(opts.samples);
  b.writeBigUInt64BE(packed, 18);
  return b;
}

/** A WAV head whose data chunk declares `declared` bytes. */
function wavHead(declared: number): Buffer {
  const b = Buffer.alloc(44);
  b.write('RIFF', 0, 'latin1');
  b.writeUInt32LE(Math.min(0xffffffff, 36 + declared), 4);
  b.write('WAVE', 8, 'latin1');
  b.write('fmt ', 12, 'latin1');
  b.writeUInt32LE(16, 16);
  b.write('data', 36, 'latin1');
  b.writeUInt32LE(declared, 40);
  return b;
}

describe('truncationReason', () => {
  it('flags a FLAC file far smaller than its stream info allows, and passes a whole one', () => {
    // 100 frames of at least 1,000 bytes: at least 99,000 bytes of audio after 42 header bytes.
    const head = flacHead({ maxBlock: 4096, minFrame: 1000, samples: 4096 * 100 });
    expect(truncationReason(head, 42 + 99_000)).toBeNull();
    expect(truncationReason(head, 42 + 90_000)).toBeNull(); // within the 10 % allowance
    expect(truncationReason(head, 42 + 20_000)).toBe(
      'truncated: the file holds 20% of the audio its headers promise (20000 of at least 99000 bytes)',
    );
    // Unknown figures (0) promise nothing.
    expect(truncationReason(flacHead({ maxBlock: 4096, minFrame: 0, samples: 409600 }), 100)).toBeNull();
    expect(truncationReason(flacHead({ maxBlock: 4096, minFrame: 1000, samples: 0 }), 100)).toBeNull();
  });

  it('flags a WAV file cut short, but not one whose writer never finished the header', () => {
    expect(truncationReason(wavHead(1_000_000), 44 + 1_000_000)).toBeNull();
    expect(truncationReason(wavHead(1_000_000), 44 + 500_000)).toMatch(/^truncated: the file holds 50% /);
    expect(truncationReason(wavHead(0), 44 + 500_000)).toBeNull();
    expect(truncationReason(wavHead(0xffffffff), 44 + 500_000)).toBeNull();
  });

  it('says nothing about other formats', () => {
    expect(truncationReason(Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x00'), 10)).toBeNull();
    expect(truncationReason(Buffer.alloc(0), 0)).toBeNull();
  });
});
