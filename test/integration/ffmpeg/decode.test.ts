import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeAudio, planExcerpts } from '../../../src/main/ffmpeg/decode';
import { clearFfmpegCache, resolveFfmpeg } from '../../../src/main/ffmpeg/resolve';
import { fixtureLibraryDir, fixtureOddDir, musicnnReferenceDir } from '../../helpers/shared';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

function rms(x: Float32Array, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i] * x[i];
  return Math.sqrt(s / Math.max(1, to - from));
}

/** A minimal 4-channel ProTracker module: one looped square-wave sample, four notes, one pattern. */
function makeMod(): Buffer {
  const parts: Buffer[] = [];
  parts.push(Buffer.from('timbre test'.padEnd(20, '\0'), 'latin1'));
  for (let i = 0; i < 31; i++) {
    const h = Buffer.alloc(30);
    if (i === 0) {
      h.write('square', 0, 'latin1');
      h.writeUInt16BE(32, 22); // length in words
      h.writeUInt8(64, 25); // volume
      h.writeUInt16BE(0, 26);
      h.writeUInt16BE(32, 28); // loop length
    } else {
      h.writeUInt16BE(1, 28);
    }
    parts.push(h);
  }
  parts.push(Buffer.from([1, 127]), Buffer.alloc(128), Buffer.from('M.K.', 'latin1'));
  const pattern = Buffer.alloc(64 * 4 * 4);
  for (const row of [0, 16, 32, 48]) {
    const off = row * 16;
    const period = 428;
    pattern[off] = period >> 8;
    pattern[off + 1] = period & 0xff;
    pattern[off + 2] = 1 << 4;
  }
  parts.push(pattern);
  parts.push(Buffer.from([...Array(32).fill(100), ...Array(32).fill(156)]));
  return Buffer.concat(parts);
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'timbre-decode-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('resolveFfmpeg', () => {
  it('finds ffmpeg on PATH and reports its version', async () => {
    clearFfmpegCache();
    const r = await resolveFfmpeg();
    expect(r.source).toBe('path');
    expect(r.version).toMatch(/\d/);
  });

  it('rejects a setting that does not exist or does not run, with a clear message', async () => {
    await expect(resolveFfmpeg(join(tmp, 'nope-ffmpeg'))).rejects.toThrow(/does not exist/);
    const bad = join(tmp, 'not-ffmpeg.sh');
    writeFileSync(bad, '#!/bin/sh\necho hello\n');
    chmodSync(bad, 0o755);
    await expect(resolveFfmpeg(bad)).rejects.toThrow(/does not run|does not look like ffmpeg/);
  });

  it('falls back to the bundled binary when PATH has none', async () => {
    clearFfmpegCache();
    const saved = process.env.PATH;
    process.env.PATH = tmp;
    try {
      const r = await resolveFfmpeg();
      expect(r.source).toBe('bundled');
      expect(r.path).toContain('@ffmpeg-installer');
    } finally {
      process.env.PATH = saved;
      clearFfmpegCache();
    }
  });
});

describe('decodeAudio', () => {
  const library = walk(fixtureLibraryDir);

  it('decodes every fixture format to mono PCM at two rates in one run', async () => {
    expect(library.length).toBeGreaterThanOrEqual(12);
    for (const file of library) {
      const d = await decodeAudio(file, { rates: [16000, 22050] });
      const a = d.pcm.get(16000)!;
      const b = d.pcm.get(22050)!;
      expect(d.duration, file).toBeGreaterThan(29.9);
      expect(d.duration, file).toBeLessThan(30.2);
      expect(Math.abs(a.length / 16000 - b.length / 22050), file).toBeLessThan(0.01);
      expect(rms(a), file).toBeGreaterThan(0.005);
      expect(d.excerpts).toEqual([{ start: 0, length: d.decodedSeconds }]);
    }
  });

  it('matches the MusiCNN reference PCM made with the same ffmpeg command', async () => {
    const refs: [string, string][] = [
      ['Wesnoth/Mattias Westlund/Breaking the Chains.mp3', 'breaking-the-chains'],
      ['Obsidian Shell/M.A.R.S/Farewell.ogg', 'farewell'],
      ['Nexuiz/blkrbt - Desert.opus', 'desert'],
    ];
    for (const [file, name] of refs) {
      const d = await decodeAudio(join(fixtureLibraryDir, file), { rates: [16000], channelsHint: 2 });
      const ref = readF32(join(musicnnReferenceDir, `${name}.pcm16k.f32`));
      const x = d.pcm.get(16000)!;
      expect(x.length).toBe(ref.length);
      let maxDiff = 0;
      for (let i = 0; i < x.length; i++) maxDiff = Math.max(maxDiff, Math.abs(x[i] - ref[i]));
      expect(maxDiff, name).toBeLessThanOrEqual(1e-6);
    }
  });

  it('corrects a wrong channel hint from ffmpeg’s stream header (mono file announced as stereo)', async () => {
    const file = join(fixtureLibraryDir, 'Tracker/TecnoballZ/Tecno Winn.mp3');
    const right = await decodeAudio(file, { rates: [16000], channelsHint: 1 });
    const wrong = await decodeAudio(file, { rates: [16000], channelsHint: 2 });
    expect(wrong.pcm.get(16000)).toEqual(right.pcm.get(16000));
  });

  it('decodes the odd but valid files and rejects the broken ones with ffmpeg’s reason', async () => {
    const one = await decodeAudio(join(fixtureOddDir, 'one-second.flac'), { rates: [16000] });
    expect(one.decodedSeconds).toBeCloseTo(1, 2);
    const silence = await decodeAudio(join(fixtureOddDir, 'silence-20s.mp3'), { rates: [16000] });
    expect(silence.decodedSeconds).toBeGreaterThan(19.9);
    const wrongExt = await decodeAudio(join(fixtureOddDir, 'wrong-extension.mp3'), { rates: [16000] });
    expect(wrongExt.decodedSeconds).toBeGreaterThan(29.9);
    const broken: [string, RegExp][] = [
      ['empty.mp3', /Invalid argument|Failed to read frame size/],
      ['not-audio.flac', /Could not find codec parameters|Cannot determine format/],
      ['random-bytes.m4a', /moov atom not found|Invalid data/],
      ['truncated.flac', /invalid residual|Invalid data|Output file is empty/],
      ['truncated.ogg', /End of file/],
    ];
    for (const [name, reason] of broken) {
      const err = await decodeAudio(join(fixtureOddDir, name), { rates: [16000] }).then(
        () => null,
        (e: unknown) => e as Error & { stderr?: string },
      );
      expect(err, name).toBeInstanceOf(Error);
      expect(err!.message, name).toMatch(reason);
      expect(err!.stderr, name).toBeTruthy();
    }
  });

  it('decodes a long file as bounded excerpts spread over the track (input seeking)', async () => {
    // 20 minutes of a 440 Hz sine whose amplitude ramps from 0 to 0.9: an excerpt's level says where it came from.
    const file = join(tmp, 'long.wav');
    const gen = '-v error -f lavfi -i sine=frequency=440:sample_rate=8000:duration=1200 -c:a pcm_s16le -y';
    execFileSync('ffmpeg', [...gen.split(' '), '-af', "volume=eval=frame:volume='0.9*t/1200'*8", file]);
    for (const durationHint of [undefined, 1200]) {
      const d = await decodeAudio(file, { rates: [16000], maxDecodedSeconds: 600, durationHint });
      const x = d.pcm.get(16000)!;
      expect(d.duration).toBeCloseTo(1200, 0);
      expect(d.excerpts).toEqual(planExcerpts(1200, 600));
      expect(d.excerpts.length).toBe(5);
      expect(d.decodedSeconds).toBeGreaterThan(599);
      expect(x.length).toBeLessThanOrEqual(605 * 16000);
      // The sine (amplitude 1/8 before the ramp) has RMS 0.9·t/1200/√2: check each excerpt's middle.
      let offset = 0;
      for (const e of d.excerpts) {
        const mid = offset + Math.round((e.length / 2) * 16000);
        const level = rms(x, mid - 8000, mid + 8000);
        const expected = (0.9 * (e.start + e.length / 2)) / 1200 / Math.SQRT2;
        expect(Math.abs(level - expected), `excerpt at ${e.start}`).toBeLessThan(0.01);
        offset += Math.round(e.length * 16000);
      }
    }
  });

  it('averages all channels of a multichannel file', async () => {
    const file = join(tmp, 'six.wav');
    const amps = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
    const exprs = amps.map((a) => `${a}*sin(2*PI*440*t)`).join('|');
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      `aevalsrc=${exprs}:s=16000:d=2:c=5.1`,
      '-y',
      file,
    ]);
    for (const channelsHint of [undefined, 6, 2]) {
      const d = await decodeAudio(file, { rates: [16000], channelsHint });
      const level = rms(d.pcm.get(16000)!);
      expect(Math.abs(level - 0.35 / Math.SQRT2), `hint ${channelsHint}`).toBeLessThan(0.003);
    }
  });

  it('renders a tracker module (libopenmpt)', async () => {
    const file = join(tmp, 'test.mod');
    writeFileSync(file, makeMod());
    const d = await decodeAudio(file, { rates: [16000] });
    expect(d.decodedSeconds).toBeGreaterThan(5);
    expect(rms(d.pcm.get(16000)!)).toBeGreaterThan(0.01);
  });

  it('kills a decoder that stalls and rejects with the reason', async () => {
    const fake = join(tmp, 'stalling-ffmpeg.sh');
    const pidFile = join(tmp, 'stall.pid');
    writeFileSync(
      fake,
      `#!/bin/sh\nif [ "$2" = "-version" ]; then echo "ffmpeg version 0.0-fake"; exit 0; fi\n` +
        `echo "about to hang" >&2\necho $$ > '${pidFile}'\nexec sleep 30\n`,
    );
    chmodSync(fake, 0o755);
    const t0 = Date.now();
    await expect(
      decodeAudio(join(fixtureOddDir, 'one-second.flac'), {
        rates: [16000],
        ffmpegPath: fake,
        stallTimeoutMs: 700,
      }),
    ).rejects.toThrow(/stalled.*about to hang/);
    expect(Date.now() - t0).toBeLessThan(5000);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 100));
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('aborts on signal and kills the child', async () => {
    const ac = new AbortController();
    const p = decodeAudio(join(fixtureLibraryDir, 'Wesnoth/Stephen Rozanc/Northerners.flac'), {
      rates: [16000],
      signal: ac.signal,
    });
    ac.abort();
    await expect(p).rejects.toThrow(/aborted/);
  });
});
