import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readModuleHeader } from '../../../src/main/library/modules';
import { kindOfExtension, probeFile, sniff } from '../../../src/main/library/probe';

const dir = mkdtempSync(join(tmpdir(), 'timbre-probe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

describe('fingerprint', () => {
  it('depends on content only, and changes when sampled content or size changes', async () => {
    const content = bytes(1_000_000, 1);
    writeFileSync(join(dir, 'a.mp3'), content);
    writeFileSync(join(dir, 'b renamed.mp3'), content);
    const changed = Buffer.from(content);
    changed[500_000] ^= 0xff; // inside the middle sample
    writeFileSync(join(dir, 'c.mp3'), changed);
    writeFileSync(join(dir, 'd.mp3'), content.subarray(0, 999_999));
    const fa = (await probeFile(join(dir, 'a.mp3'), 1_000_000)).fingerprint;
    expect(fa).toMatch(/^[0-9a-f]{32}$/);
    expect((await probeFile(join(dir, 'b renamed.mp3'), 1_000_000)).fingerprint).toBe(fa);
    expect((await probeFile(join(dir, 'c.mp3'), 1_000_000)).fingerprint).not.toBe(fa);
    expect((await probeFile(join(dir, 'd.mp3'), 999_999)).fingerprint).not.toBe(fa);
  });

  it('hashes small files whole and returns the head and, on request, the tail', async () => {
    const small = bytes(5000, 2);
    writeFileSync(join(dir, 's.ogg'), small);
    const p = await probeFile(join(dir, 's.ogg'), 5000, true);
    expect(p.head.equals(small.subarray(0, 4096))).toBe(true);
    expect(p.tail?.equals(small)).toBe(true);
    const other = Buffer.from(small);
    other[4999] ^= 1;
    writeFileSync(join(dir, 't.ogg'), other);
    expect((await probeFile(join(dir, 't.ogg'), 5000)).fingerprint).not.toBe(p.fingerprint);
  });
});

describe('sniff', () => {
  const head = (s: string, pad = 16) => Buffer.concat([Buffer.from(s, 'latin1'), Buffer.alloc(pad)]);
  it('names containers by their magic bytes', () => {
    expect(sniff(head('OggS'))).toBe('ogg');
    expect(sniff(head('fLaC'))).toBe('flac');
    expect(sniff(head('RIFF\0\0\0\0WAVE'))).toBe('wav');
    expect(sniff(head('FORM\0\0\0\0AIFF'))).toBe('aiff');
    expect(sniff(head('\0\0\0\x20ftypM4A '))).toBe('mp4');
    expect(sniff(Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0, 0, 0, 0]))).toBe('matroska');
    expect(sniff(Buffer.from([0xff, 0xfb, 0x90, 0x00]))).toBe('mpeg');
    expect(sniff(head('ID3\x04'))).toBe('unknown');
    expect(sniff(Buffer.alloc(0))).toBe('unknown');
    expect(kindOfExtension('opus')).toBe('ogg');
    expect(kindOfExtension('m4b')).toBe('mp4');
  });
});

describe('tracker module headers', () => {
  it('reads title and channels of MOD, XM, IT and S3M headers', () => {
    const mod = Buffer.alloc(1084 + 1024);
    mod.write('tiny tune', 0, 'latin1');
    mod.write('M.K.', 1080, 'latin1');
    expect(readModuleHeader('mod', mod, mod.length)).toEqual({
      format: 'MOD',
      title: 'tiny tune',
      channels: 4,
    });
    const mod8 = Buffer.from(mod);
    mod8.write('8CHN', 1080, 'latin1');
    expect(readModuleHeader('mod', mod8, mod8.length).channels).toBe(8);

    const xm = Buffer.alloc(400);
    xm.write('Extended Module: ', 0, 'latin1');
    xm.write('xm title', 17, 'latin1');
    xm.writeUInt16LE(6, 68);
    expect(readModuleHeader('xm', xm, xm.length)).toEqual({ format: 'XM', title: 'xm title', channels: 6 });

    const it_ = Buffer.alloc(400);
    it_.write('IMPM', 0, 'latin1');
    it_.write('impulse', 4, 'latin1');
    expect(readModuleHeader('it', it_, it_.length)).toMatchObject({ format: 'IT', title: 'impulse' });

    const s3m = Buffer.alloc(400, 0xff);
    s3m.fill(0, 0, 28);
    s3m.write('scream', 0, 'latin1');
    s3m.write('SCRM', 44, 'latin1');
    for (let i = 0; i < 4; i++) s3m[64 + i] = i;
    expect(readModuleHeader('s3m', s3m, s3m.length)).toEqual({ format: 'S3M', title: 'scream', channels: 4 });
  });

  it('rejects bytes that are not the module the extension names', () => {
    expect(() => readModuleHeader('xm', Buffer.alloc(400), 400)).toThrow(/not an XM module/);
    expect(() => readModuleHeader('it', Buffer.alloc(400), 400)).toThrow(/not an IT module/);
    expect(() => readModuleHeader('s3m', Buffer.alloc(400), 400)).toThrow(/not an S3M module/);
    expect(() => readModuleHeader('mod', Buffer.alloc(100, 0xff), 100)).toThrow(/not a MOD module/);
  });
});
