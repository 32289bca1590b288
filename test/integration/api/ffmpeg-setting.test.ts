/**
 * The ffmpeg path runs as the user: a page script must not choose it. Through the transports
 * (`invoke`) a change needs a confirmation outside the page; any change must name a program that
 * answers `-version` as ffmpeg. Saving other settings with the path unchanged still works.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createService } from '../../../src/main/api/service';
import type { Settings } from '../../../src/shared/types';

const dir = mkdtempSync(join(tmpdir(), 'timbre-ffsetting-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ffmpeg = execFileSync('sh', ['-c', 'command -v ffmpeg']).toString().trim();

describe('the ffmpeg path setting', () => {
  it('a page cannot change it without a confirmation outside the page', async () => {
    const service = await createService({ home: join(dir, 'a'), mode: 'browser' });
    try {
      await expect(service.invoke('settings.set', { ffmpegPath: '/bin/sh' })).rejects.toThrow(/ffmpeg/);
      await expect(service.invoke('settings.set', { ffmpegPath: ffmpeg })).rejects.toThrow(
        /confirm|command line/,
      );
      expect(((await service.invoke('settings.get', {})) as Settings).ffmpegPath).toBe('');
      // The Settings screen saves every field: an unchanged path is no change.
      const saved = (await service.invoke('settings.set', { ffmpegPath: '', workers: 1 })) as Settings;
      expect(saved.workers).toBe(1);
    } finally {
      await service.close();
    }
  });

  it('a confirmation outside the page allows a real ffmpeg, never another program', async () => {
    const asked: string[] = [];
    const service = await createService({
      home: join(dir, 'b'),
      mode: 'electron',
      confirmFfmpegPath: async (path) => {
        asked.push(path);
        return true;
      },
    });
    try {
      await expect(service.invoke('settings.set', { ffmpegPath: '/bin/sh' })).rejects.toThrow(/ffmpeg/);
      expect(asked).toEqual([]);
      const s = (await service.invoke('settings.set', { ffmpegPath: ffmpeg })) as Settings;
      expect(s.ffmpegPath).toBe(ffmpeg);
      expect(asked).toEqual([ffmpeg]);
    } finally {
      await service.close();
    }
  });

  it('the command line (direct handlers) still needs a real ffmpeg', async () => {
    const service = await createService({ home: join(dir, 'c'), mode: 'cli' });
    try {
      await expect(service.handlers['settings.set']({ ffmpegPath: '/bin/sh' })).rejects.toThrow(/ffmpeg/);
      expect((await service.handlers['settings.set']({ ffmpegPath: ffmpeg })).ffmpegPath).toBe(ffmpeg);
    } finally {
      await service.close();
    }
  });
});
