import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(played);
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
