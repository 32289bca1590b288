/**
 * A full disk: writing the lock fails with ENOSPC after the file was created (as a real full disk
 * does). A reader needs no lock write and still opens; a writer fails with the reason; neither
 * leaves a `timbre.lock.*.tmp` behind.
 */
import * as realFs from 'node:fs';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

const full = { on: false };
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const enospc = () =>
    Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
  return {
    ...fs,
    writeFileSync: (
      file: realFs.PathOrFileDescriptor,
      data: string | NodeJS.ArrayBufferView,
      opts?: realFs.WriteFileOptions,
    ) => {
      if (full.on) {
        // The file is created, then the write fails: a 0-byte file stays, as on a real full disk.
        if (typeof file === 'string') fs.closeSync(fs.openSync(file, 'w'));
        throw enospc();
      }
      return fs.writeFileSync(file, data, opts);
    },
    writeSync: (...args: Parameters<typeof fs.writeSync>) => {
      if (full.on) throw enospc();
      return (fs.writeSync as (...a: unknown[]) => number)(...args);
    },
  };
});

const { acquireHomeLock } = await import('../../../src/main/home/lock');

const dir = mkdtempSync(join(tmpdir(), 'timbre-lock-full-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const litter = (home: string) => readdirSync(home).filter((n) => n.startsWith('timbre.lock'));

describe('the lock on a full disk', () => {
  it('a reader opens without writing the lock and leaves nothing', async () => {
    const home = join(dir, 'reader');
    realFs.mkdirSync(home);
    full.on = true;
    try {
      for (let i = 0; i < 3; i++) {
        const lock = await acquireHomeLock(home, { access: 'read', waitMs: 0 });
        lock.release();
      }
    } finally {
      full.on = false;
    }
    expect(litter(home)).toEqual([]);
  });

  it('a writer fails with ENOSPC and leaves nothing', async () => {
    const home = join(dir, 'writer');
    realFs.mkdirSync(home);
    full.on = true;
    try {
      await expect(acquireHomeLock(home, { access: 'write', waitMs: 0 })).rejects.toThrow(/ENOSPC/);
    } finally {
      full.on = false;
    }
    expect(litter(home)).toEqual([]);
  });
});
