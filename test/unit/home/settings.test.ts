import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSettings, SettingsStore } from '../../../src/main/home/settings';

describe('SettingsStore', () => {
  it('starts from defaults, persists a patch atomically and keeps nested defaults', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'timbre-settings-'));
    const file = join(dir, 'settings.json');
    const store = new SettingsStore(file);
    expect(await store.get()).toEqual(defaultSettings());
    const next = await store.update({ workers: 3, variety: { maxPerArtist: 4 } });
    expect(next.workers).toBe(3);
    expect(next.variety.maxPerArtist).toBe(4);
    expect(next.variety.artistWindow).toBe(defaultSettings().variety.artistWindow);
    const played = await store.update({ playback: { transition: 'crossfade', crossfadeSeconds: 6 } });
    expect(played.playback).toEqual({ transition: 'crossfade', crossfadeSeconds: 6, albumGapless: true });
    expect(played.variety.maxPerArtist).toBe(4);
    const reopened = await new SettingsStore(file).get();
    expect(reopened).toEqual(played);
    // The file holds what was chosen, nothing else: defaults stay free to improve.
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      format: 3,
      workers: 3,
      variety: { maxPerArtist: 4 },
      playback: { transition: 'crossfade', crossfadeSeconds: 6 },
    });
  });

  it('lets a better default reach a file written in format 2 (only chosen fields are frozen)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'timbre-settings-'));
    const file = join(dir, 'settings.json');
    await writeFile(file, JSON.stringify({ format: 2, similarity: { hubnessReduction: false } }));
    const loaded = await new SettingsStore(file).get();
    expect(loaded.similarity).toEqual({ ...defaultSettings().similarity, hubnessReduction: false });
    expect(loaded.model).toBe(defaultSettings().model);
  });

  it('drops the windows per track of a file written when windows were 10 s (format 2), keeps the rest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'timbre-settings-'));
    const file = join(dir, 'settings.json');
    await writeFile(file, JSON.stringify({ format: 2, windowsPerTrack: 3, workers: 1 }));
    const loaded = await new SettingsStore(file).get();
    expect(loaded.windowsPerTrack).toBe(defaultSettings().windowsPerTrack);
    expect(loaded.workers).toBe(1);
    await writeFile(file, JSON.stringify({ format: 3, windowsPerTrack: 2 }));
    expect((await new SettingsStore(file).get()).windowsPerTrack).toBe(2);
  });

  it('upgrades a file that held every field: old defaults give way to today, choices stay', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'timbre-settings-'));
    const file = join(dir, 'settings.json');
    // What the MusiCNN-era version wrote for a user who only changed the artist rule and ffmpeg.
    const old = {
      ffmpegPath: '/opt/ffmpeg/bin/ffmpeg',
      workers: availableParallelism(),
      model: 'msd',
      patchesPerTrack: 8,
      similarity: { source: 'blend', embeddingWeight: 0.6, featureWeight: 0.4, hubnessReduction: true },
      variety: {
        maxPerArtist: 3,
        artistWindow: 10,
        noConsecutiveAlbum: true,
        collapseDuplicates: true,
        diversity: 0.2,
      },
    };
    await writeFile(file, JSON.stringify(old));
    const store = new SettingsStore(file);
    const loaded = await store.get();
    const now = defaultSettings();
    expect(loaded.model).toBe(now.model);
    expect(loaded.similarity).toEqual(now.similarity);
    expect(loaded.workers).toBe(now.workers);
    expect(loaded.ffmpegPath).toBe('/opt/ffmpeg/bin/ffmpeg');
    expect(loaded.variety).toEqual({ ...now.variety, maxPerArtist: 3 });
    // A similarity setting that is not the old default whole is the user's, and stays.
    await writeFile(file, JSON.stringify({ ...old, similarity: { ...old.similarity, featureWeight: 0.5 } }));
    expect((await new SettingsStore(file).get()).similarity.featureWeight).toBe(0.5);
    // The next save writes format 3 with the choices only.
    await store.update({ windowsPerTrack: 5 });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      format: 3,
      ffmpegPath: '/opt/ffmpeg/bin/ffmpeg',
      variety: { maxPerArtist: 3 },
      windowsPerTrack: 5,
    });
  });

  it('ignores a corrupt file instead of failing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'timbre-settings-'));
    const file = join(dir, 'settings.json');
    await writeFile(file, '{ not json');
    expect(await new SettingsStore(file).get()).toEqual(defaultSettings());
  });

  it('drops an invalid file as a whole rather than applying half of it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'timbre-settings-'));
    const file = join(dir, 'settings.json');
    await writeFile(file, JSON.stringify({ workers: -5 }));
    expect((await new SettingsStore(file).get()).workers).toBe(defaultSettings().workers);
  });
});
