/** Tracker modules: the header gives title and format, ffmpeg (libopenmpt) the duration. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeWithFfmpeg } from '../../../src/main/ffmpeg/probe';
import { readTrack } from '../../../src/main/library/reader';
import type { WalkEntry } from '../../../src/main/library/walker';

let dir: string;
let modPath: string;
let entry: WalkEntry;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'timbre-modules-'));
  // One empty ProTracker pattern: 64 rows at speed 6, 125 BPM = 7.68 s.
  const mod = Buffer.alloc(1084 + 1024);
  mod.write('tiny test tune', 0, 'latin1');
  mod[950] = 1; // song length: one position
  mod.write('M.K.', 1080, 'latin1');
  modPath = join(dir, 'Chip', '01 tiny.mod');
  mkdirSync(join(dir, 'Chip'));
  writeFileSync(modPath, mod);
  const st = statSync(modPath);
  entry = { path: modPath, root: dir, size: st.size, mtimeMs: st.mtimeMs };
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tracker modules', () => {
  it('take their duration, sample rate and channels from ffmpeg', async () => {
    const r = await readTrack(entry);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.info).toMatchObject({ format: 'MOD', codec: 'MOD', title: 'tiny test tune', artist: 'Chip' });
    expect(r.info.duration).toBeCloseTo(7.68, 2);
    expect(r.info.sampleRate).toBeGreaterThan(0);
    expect(r.info.channels).toBeGreaterThan(0);
    expect(r.info.bitrate).toBe(Math.round((entry.size * 8) / r.info.duration));
  });

  it('keep duration 0 when ffmpeg is missing', async () => {
    const r = await readTrack(entry, { ffmpegPath: join(dir, 'no-such-ffmpeg') });
    expect(r).toMatchObject({ ok: true, info: { format: 'MOD', duration: 0, sampleRate: 0, channels: 4 } });
  });

  it.skipIf(process.platform === 'win32')('kill an ffmpeg that hangs and keep duration 0', async () => {
    // Answers -version like ffmpeg, then hangs on the file.
    const fake = join(dir, 'hanging-ffmpeg');
    writeFileSync(
      fake,
      '#!/bin/sh\nif [ "$2" = "-version" ]; then echo "ffmpeg version fake"; exit 0; fi\nexec sleep 60\n',
    );
    chmodSync(fake, 0o755);
    const t0 = performance.now();
    expect(await probeWithFfmpeg(modPath, { ffmpegPath: fake, timeoutMs: 500 })).toBeNull();
    expect(performance.now() - t0).toBeLessThan(3000);
    const r = await readTrack(entry, { ffmpegPath: fake, timeoutMs: 1000 });
    expect(r).toMatchObject({ ok: true, info: { duration: 0 } });
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});
