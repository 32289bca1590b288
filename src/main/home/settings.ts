/** User settings: one JSON file in the data folder, written atomically, validated on read and write. */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import type { Settings } from '../../shared/types';
import { settingsPatchSchema } from '../../shared/contract';
import { DEFAULT_PATCHES_PER_TRACK } from '../analysis/models/embedder';
import type { z } from 'zod';

export type SettingsPatch = z.output<typeof settingsPatchSchema>;

export function defaultSettings(): Settings {
  return {
    ffmpegPath: '',
    workers: Math.max(1, availableParallelism()),
    model: 'msd',
    patchesPerTrack: DEFAULT_PATCHES_PER_TRACK,
    similarity: { source: 'blend', embeddingWeight: 0.6, featureWeight: 0.4, hubnessReduction: true },
    variety: {
      maxPerArtist: 2,
      artistWindow: 10,
      noConsecutiveAlbum: true,
      collapseDuplicates: true,
      diversity: 0.2,
    },
  };
}

export function mergeSettings(base: Settings, patch: SettingsPatch): Settings {
  return {
    ...base,
    ...patch,
    similarity: { ...base.similarity, ...(patch.similarity ?? {}) },
    variety: { ...base.variety, ...(patch.variety ?? {}) },
  };
}

export class SettingsStore {
  private current: Settings | null = null;

  constructor(private readonly file: string) {}

  async get(): Promise<Settings> {
    if (this.current) return this.current;
    let loaded: Settings = defaultSettings();
    try {
      const raw: unknown = JSON.parse(await readFile(this.file, 'utf8'));
      const parsed = settingsPatchSchema.safeParse(raw);
      // A hand-edited or older file keeps whatever of it is still valid.
      if (parsed.success) loaded = mergeSettings(loaded, parsed.data);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        process.emitWarning(`settings file ${this.file} unreadable, using defaults: ${String(err)}`);
      }
    }
    this.current = loaded;
    return loaded;
  }

  async update(patch: SettingsPatch): Promise<Settings> {
    const next = mergeSettings(await this.get(), patch);
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(next, null, 2) + '\n');
    await rename(tmp, this.file);
    this.current = next;
    return next;
  }
}
