/**
 * ffmpeg started by the kept launcher shell (Linux): not our child, the same shell run after run,
 * the same PCM as when we start it ourselves, its CPU reported; and when the shell dies the run is
 * started again directly. (Stall, abort, errors and raw names go through the launcher in
 * decode.test.ts and raw-decode.test.ts.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeAudio } from '../../../src/main/ffmpeg/decode';
import { resolveFfmpeg } from '../../../src/main/ffmpeg/resolve';
import { fixtureLibraryDir } from '../../helpers/shared';

const tmp = mkdtempSync(join(tmpdir(), 'timbre-launcher-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const track = join(fixtureLibraryDir, 'Maxstack', 'Singularity', '01 Awakening.flac');

/** An ffmpeg wrapper that appends its parent's pid to `log` (and runs `before` first), then runs ffmpeg. */
async function wrapper(name: string, log: string, before = ''): Promise<string> {
  const real = (await resolveFfmpeg()).path;
  const file = join(tmp, name);
  writeFileSync(
    file,
    `#!/bin/sh\ncase " $* " in *" -version "*) ;; *) echo $PPID >> '${log}'; ${before} ;; esac\n` +
      `exec '${real}' "$@"\n`,
  );
  chmodSync(file, 0o755);
  return file;
}

const parents = (log: string): number[] =>
  existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map(Number) : [];

describe.runIf(process.platform === 'linux')('the ffmpeg launcher shell', () => {
  it('starts every decode from one kept shell, with the PCM and CPU figure of a direct start', async () => {
    const log = join(tmp, 'parents.log');
    const ffmpegPath = await wrapper('ffmpeg-logging', log);
    const opts = { rates: [32000], ffmpegPath, maxDecodedSeconds: 20 };
    // (A run may be restarted once from ffmpeg's header: each decode logs one or two starts.)
    const a = await decodeAudio(track, opts);
    const b = await decodeAudio(track, opts);
    const launched = parents(log);
    process.env.TIMBRE_DECODE_DIRECT = '1';
    let direct;
    try {
      direct = await decodeAudio(track, opts);
    } finally {
      delete process.env.TIMBRE_DECODE_DIRECT;
    }
    const own = parents(log).slice(launched.length);
    expect(launched.length).toBeGreaterThanOrEqual(2);
    expect(launched[0]).not.toBe(process.pid);
    expect(new Set(launched)).toEqual(new Set([launched[0]]));
    expect(own.length).toBeGreaterThanOrEqual(1);
    expect(new Set(own)).toEqual(new Set([process.pid]));
    for (const d of [a, b]) {
      expect(d.pcm.get(32000)).toEqual(direct.pcm.get(32000));
      expect(d.ffmpegCpuMs).not.toBeNull();
      expect(d.ffmpegCpuMs!).toBeGreaterThanOrEqual(0);
    }
    expect(a.decodedSeconds).toBeGreaterThan(19);
    expect(direct.ffmpegCpuMs).toBeNull();
  });

  // Last: once its shell has died the launcher is not used again in this process.
  it('starts the run again as our own child when the shell dies', async () => {
    const log = join(tmp, 'parents-killed.log');
    const once = join(tmp, 'killed-once');
    const ffmpegPath = await wrapper(
      'ffmpeg-killing-its-shell',
      log,
      `if [ ! -e '${once}' ]; then : > '${once}'; kill -9 $PPID; sleep 1; fi`,
    );
    const d = await decodeAudio(track, { rates: [16000], ffmpegPath, maxDecodedSeconds: 10 });
    expect(d.decodedSeconds).toBeGreaterThan(9);
    const [shell, own] = parents(log);
    expect(shell).not.toBe(process.pid);
    expect(own).toBe(process.pid);
    expect(d.ffmpegCpuMs).toBeNull();
  });
});
