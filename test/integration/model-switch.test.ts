/**
 * Results per model: switching the model keeps "play similar" answering with the previous model
 * until the new one covers the library, stats show the switch's progress, and switching back to
 * a model whose results are stored costs no analysis at all.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createService, type CoreService } from '../../src/main/api/service';
import type {
  LibraryStats,
  SimilarResult,
  SoundSearchResult,
  TrackAnalysisInfo,
} from '../../src/shared/types';
import { fixtureLibraryDir, musicnnDir } from '../helpers/shared';

let dir: string | undefined;
let service: CoreService | undefined;

afterAll(async () => {
  await service?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const stats = async (s: CoreService) => (await s.invoke('library.stats', {})) as LibraryStats;

describe('switching the listening model', () => {
  it('keeps the previous model answering, shows progress, and switches back for free', async () => {
    dir = await mkdtemp(join(tmpdir(), 'timbre-switch-'));
    const music = join(dir, 'music');
    await cp(join(fixtureLibraryDir, 'Obsidian Shell'), music, { recursive: true });
    service = await createService({ home: join(dir, 'home'), mode: 'cli', modelsDir: musicnnDir });
    await service.invoke('library.scan', { roots: [music] });
    await service.invoke('settings.set', { model: 'msd', workers: 1, patchesPerTrack: 2 });
    await service.invoke('analysis.start', {});
    expect(await service.engine.whenIdle()).toMatchObject({ done: 2, failed: 0 });
    const msd = await stats(service);
    expect(msd).toMatchObject({
      analysed: 2,
      analysisPending: 0,
      similarityModel: 'msd',
      similarityTracks: 2,
    });
    const ids = (await service.catalog.allTracks()).map((t) => t.id);
    const ask = async () =>
      (await service!.invoke('similar.tracks', {
        seed: { kind: 'track', id: ids[0] },
        k: 1,
      })) as SimilarResult;
    expect((await ask()).source).not.toBe('features');

    // Another model: nothing analysed with it yet, but msd still answers and nothing is lost.
    await service.invoke('settings.set', { model: 'mtt' });
    const switching = await stats(service);
    expect(switching).toMatchObject({
      analysisModel: 'mtt',
      analysed: 0,
      analysisPending: 2,
      similarityModel: 'msd',
      similarityTracks: 2,
    });
    expect(switching.models).toEqual([{ model: 'msd', analysed: 2, failed: 0 }]);
    const during = await ask();
    expect(during.results).toHaveLength(1);
    expect(during.source).not.toBe('features');

    await service.invoke('analysis.start', {});
    expect(await service.engine.whenIdle()).toMatchObject({ done: 2, failed: 0 });
    const after = await stats(service);
    expect(after).toMatchObject({ analysed: 2, analysisPending: 0, similarityModel: 'mtt' });
    expect(after.models).toEqual([
      { model: 'msd', analysed: 2, failed: 0 },
      { model: 'mtt', analysed: 2, failed: 0 },
    ]);
    const info = (await service.invoke('analysis.track', { id: ids[0] })) as TrackAnalysisInfo | null;
    expect(Object.keys(info!.tags).sort()).toEqual(['msd', 'mtt']);
    // Search by sound reads the answering model's labels (mtt now), and says what it did not know.
    // (The engine built before the run answers while its rebuild runs in the background.)
    const find = async () =>
      (await service!.invoke('sound.find', { query: 'guitar qwzx' })) as SoundSearchResult;
    let found = await find();
    for (let i = 0; i < 100 && found.model !== 'mtt'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      found = await find();
    }
    expect(found).toMatchObject({ model: 'mtt', unknown: ['qwzx'] });
    expect(found.terms).toEqual([{ text: 'guitar', labels: ['guitar'] }]);
    expect(found.results).toHaveLength(2);
    expect(found.results[0].score).toBeGreaterThanOrEqual(found.results[1].score);
    const tags = await service.results.musicTags(ids);
    expect(Object.keys(tags.get(ids[0])!).sort()).toEqual(['msd', 'mtt']);

    // Back to msd: its results are all there, so nothing is pending and a run analyses nothing.
    await service.invoke('settings.set', { model: 'msd' });
    expect(await stats(service)).toMatchObject({
      analysisModel: 'msd',
      analysed: 2,
      analysisPending: 0,
      similarityModel: 'msd',
    });
    await service.invoke('analysis.start', {});
    expect(await service.engine.whenIdle()).toMatchObject({ total: 0, done: 0 });
    expect((await ask()).results).toHaveLength(1);
  }, 240_000);
});
