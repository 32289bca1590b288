/**
 * User settings: one JSON file in the data folder, written atomically, validated on read and write.
 * The file holds only what the user chose (format 2); everything else is today's default, so a
 * better default reaches every install instead of being frozen into files at their first save.
 */
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import type { Settings } from '../../shared/types';
import { DEFAULT_PATCHES_PER_TRACK, DEFAULT_WINDOWS_PER_TRACK } from '../analysis/models/embedder';
import { DEFAULT_MODEL_ID } from '../analysis/models/manager';
import { DEFAULT_SIMILARITY } from '../similarity/defaults';

import { withoutLegacyDefaults, withoutRetiredFields } from './settings-legacy';
import { salvageSettings, type SettingsPatch } from './settings-salvage';

/**
 * The file format: 3 = only the fields the user set. 2 held them too, but counted EfficientAT
 * windows of 10 s (now the model's long windows); 1, unmarked, held every field.
 */
const FILE_FORMAT = 3;

export type { SettingsPatch };

export function defaultSettings(): Settings {
  return {
    ffmpegPath: '',
    workers: Math.max(1, availableParallelism()),
    model: DEFAULT_MODEL_ID,
    patchesPerTrack: DEFAULT_PATCHES_PER_TRACK,
    windowsPerTrack: DEFAULT_WINDOWS_PER_TRACK,
    similarity: { ...DEFAULT_SIMILARITY },
    variety: {
      maxPerArtist: 2,
      artistWindow: 10,
      noConsecutiveAlbum: true,
      collapseDuplicates: true,
      diversity: 0.2,
    },
    playback: { transition: 'gapless', crossfadeSeconds: 4, albumGapless: true },
  };
}

/** Two patches as one: the later one's fields win, nested objects merge field by field. */
export function mergePatches(base: SettingsPatch, patch: SettingsPatch): SettingsPatch {
  const merged: SettingsPatch = { ...base, ...patch };
  if (base.similarity || patch.similarity) merged.similarity = { ...base.similarity, ...patch.similarity };
  if (base.variety || patch.variety) merged.variety = { ...base.variety, ...patch.variety };
  if (base.playback || patch.playback) merged.playback = { ...base.playback, ...patch.playback };
  return merged;
}

export function mergeSettings(base: Settings, patch: SettingsPatch): Settings {
  return {
    ...base,
    ...patch,
    similarity: { ...base.similarity, ...(patch.similarity ?? {}) },
    variety: { ...base.variety, ...(patch.variety ?? {}) },
    playback: { ...base.playback, ...(patch.playback ?? {}) },
  };
}

export interface SettingsStoreOptions {
  /** Where warnings about the file go (default: a process warning, printed on stderr). */
  warn?: (message: string) => void;
}

export class SettingsStore {
  private current: Settings | null = null;
  /** What the file holds: the fields the user set. */
  private chosen: SettingsPatch = {};
  /** Set when the file exists but could not be read at all: saving would lose it. */
  private unreadable: string | null = null;
  private readonly warn: (message: string) => void;

  constructor(
    private readonly file: string,
    options: SettingsStoreOptions = {},
  ) {
    this.warn = options.warn ?? ((m) => process.emitWarning(m, 'TimbreSettings'));
  }

  async get(): Promise<Settings> {
    if (this.current) return this.current;
    let loaded: Settings = defaultSettings();
    let text: string | null = null;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        // Unreadable (permissions, I/O): keep the defaults for now, and never write over it.
        this.unreadable = (err as Error).message;
        this.warn(
          `settings file ${this.file} cannot be read (${this.unreadable}); using defaults, and it will not be saved over`,
        );
      }
    }
    if (text !== null) {
      let raw: unknown;
      let problems: string[];
      try {
        raw = JSON.parse(text);
        const salvaged = salvageSettings(raw);
        const format =
          typeof raw === 'object' && raw !== null && 'format' in raw && typeof raw.format === 'number'
            ? raw.format
            : 1;
        this.chosen =
          format >= FILE_FORMAT
            ? salvaged.patch
            : withoutRetiredFields(format === 2 ? salvaged.patch : withoutLegacyDefaults(salvaged.patch));
        loaded = mergeSettings(loaded, this.chosen);
        problems = salvaged.dropped;
      } catch (err) {
        problems = [`it is not valid JSON (${(err as Error).message})`];
      }
      if (problems.length > 0) {
        // A hand-edited or older file keeps whatever of it is still valid; the file as it was is
        // copied aside first, since the next save writes only what was kept.
        const copy = await this.keepCopy(text);
        this.warn(
          `settings file ${this.file}: ${problems.join('; ')}. ` +
            `The other settings are kept; those use their defaults. ` +
            (copy ? `A copy of the file as it was is at ${copy}.` : 'A copy could not be written.'),
        );
      }
    }
    this.current = loaded;
    return loaded;
  }

  /** Writes the file's text beside it; the path, or null when that failed too. */
  private async keepCopy(text: string): Promise<string | null> {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const copy = `${this.file}.${stamp}.unreadable`;
    try {
      await writeFile(copy, text, { flag: 'wx' });
      return copy;
    } catch {
      return null;
    }
  }

  async update(patch: SettingsPatch): Promise<Settings> {
    await this.get();
    const chosen = mergePatches(this.chosen, patch);
    const next = mergeSettings(defaultSettings(), chosen);
    if (this.unreadable) {
      throw new Error(
        `settings file ${this.file} cannot be read (${this.unreadable}): fix its permissions before changing settings`,
      );
    }
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      await writeFile(tmp, JSON.stringify({ format: FILE_FORMAT, ...chosen }, null, 2) + '\n');
      await rename(tmp, this.file);
    } catch (err) {
      // A full disk: the settings stay as they were, and no half-written file is left.
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    this.chosen = chosen;
    this.current = next;
    return next;
  }
}
