/**
 * What a settings form saves: only the fields the listener changed. The settings file keeps only
 * chosen values so that a better default reaches every install (home/settings.ts); a form that
 * sent every field would pin every default it showed as a choice on the first Save.
 */
import type { Request } from './contract';
import type { Settings } from './types';

type Patch = Request<'settings.set'>;

/** Every field of the settings as a patch, without the player's own history (not the form's). */
export function settingsPatch(settings: Settings): Patch {
  const { recentlyPlayed: _recent, ...variety } = settings.variety;
  return { ...settings, variety };
}

/** The fields of `b` that differ from `a`. */
function changed<T extends object>(a: T, b: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(b) as (keyof T)[]) {
    if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) out[key] = b[key];
  }
  return out;
}

/** The patch that turns `saved` (what the form was loaded with) into `draft`, field by field. */
export function settingsChanges(saved: Settings, draft: Settings): Patch {
  const { similarity: s0, variety: v0, playback: p0, ...top0 } = settingsPatch(saved);
  const { similarity: s1, variety: v1, playback: p1, ...top1 } = settingsPatch(draft);
  const patch: Patch = changed(top0, top1);
  const similarity = changed(s0 ?? {}, s1 ?? {});
  const variety = changed(v0 ?? {}, v1 ?? {});
  const playback = changed(p0 ?? {}, p1 ?? {});
  if (Object.keys(similarity).length > 0) patch.similarity = similarity;
  if (Object.keys(variety).length > 0) patch.variety = variety;
  if (Object.keys(playback).length > 0) patch.playback = playback;
  return patch;
}
