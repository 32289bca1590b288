/** The service as the app uses it: settings reach the analysis that runs after them. */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createService, type CoreService } from '../../../src/main/api/service';
import type { LibraryStats } from '../../../src/shared/types';
import { fixtureLibraryDir, musicnnDir } from '../../helpers/shared';

let dir: string;
let service: CoreService | undefined;
let other: CoreService | undefined;

afterAll(async () => {
  await service?.close();
  await other?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('service settings', () => {
  it('uses the ffmpeg set in the settings for the next analysis run', async () => {
    dir = await mkdtemp(join(tmpdir(), 'timbre-service-'));
    const music = join(dir, 'music');
    await cp(join(fixtureLibraryDir, 'Nexuiz', 'blkrbt - Desert.opus'), join(music, 'Desert.opus'));
    service = await createService({ home: join(dir, 'home'), mode: 'cli' });
    await service.invoke('library.scan', { roots: [music] });

    const missing = join(dir, 'no-such-ffmpeg');
    await service.invoke('settings.set', { ffmpegPath: missing, model: 'none', workers: 1 });
    await service.invoke('analysis.start', {});
    // No usable ffmpeg stops the run with the reason and charges no track with it...
    const end = await service.engine.whenIdle();
    expect(end).toMatchObject({ done: 0, failed: 0 });
    expect(end.error).toContain(missing);
    expect(((await service.invoke('analysis.status', {})) as { error?: string }).error).toContain(missing);
    expect(((await service.invoke('analysis.errors', {})) as { total: number }).total).toBe(0);
    // ...so the next run, with ffmpeg found, analyses the track.
    await service.invoke('settings.set', { ffmpegPath: '' });
    await service.invoke('analysis.start', {});
    const again = await service.engine.whenIdle();
    expect(again).toMatchObject({ done: 1, failed: 0 });
    expect(again.error).toBeUndefined();
  });

  it('reports the library against the model the next run will use, before that run', async () => {
    const music = join(dir, 'music2');
    await cp(join(fixtureLibraryDir, 'Obsidian Shell'), music, { recursive: true });
    other = await createService({ home: join(dir, 'home2'), mode: 'cli', modelsDir: musicnnDir });
    await other.invoke('library.scan', { roots: [music] });
    await other.invoke('settings.set', { model: 'none', workers: 1 });
    await other.invoke('analysis.start', {});
    await other.engine.whenIdle();
    const featuresOnly = (await other.invoke('library.stats', {})) as LibraryStats;
    expect(featuresOnly).toMatchObject({ tracks: 2, analysed: 2, analysisPending: 0, analysisModel: null });
    expect(featuresOnly.analysisModelNote).toBe('Model set to "none": analysing features only');

    // Choosing a model makes every track wait for it, and the screens say so before any run.
    await other.invoke('settings.set', { model: 'msd' });
    const withModel = (await other.invoke('library.stats', {})) as LibraryStats;
    expect(withModel).toMatchObject({ tracks: 2, analysed: 0, analysisPending: 2, analysisModel: 'msd' });
    expect(withModel.analysisModelNote).toBeUndefined();
  }, 120_000);
});
