/**
 * What a settings form saves: only the fields the listener changed. The settings file keeps only
 * chosen values so that a better default reaches every install (home/settings.ts); a form that
 * sent every field would pin every default it showed as a choice on the first Save.
 */
import type { Request } from './contract';
import type { Settings } from './types';

type Patch = Request<'settings.set'>;

/** The fields of `b` that differ from `a`, per field of the nested groups. */
function changed<T extends object>(a: T, b: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(b) as (keyof T)[]) {
    if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) out[key] = b[key];
  }
  return out;
}

/** The patch that turns `saved` (what the form was loaded with) into `draft`. */
export function settingsChanges(saved: Settings, draft: Settings): Patch {
  // The player's own history is not the form's to save.
  const { recentlyPlayed: _savedRecent, ...savedVariety } = saved.variety;
  const { recentlyPlayed: _draftRecent, ...draftVariety } = draft.variety;
  const patch: Patch = {};
  const top = changed(
    {
      ffmpegPath: saved.ffmpegPath,
      workers: saved.workers,
      model: saved.model,
      patchesPerTrack: saved.patchesPerTrack,
      windowsPerTrack: saved.windowsPerTrack,
    },
    {
      ffmpegPath: draft.ffmpegPath,
      workers: draft.workers,
      model: draft.model,
      patchesPerTrack: draft.patchesPerTrack,
      windowsPerTrack: draft.windowsPerTrack,
    },
  );
  Object.assign(patch, top);
  const similarity = changed(saved.similarity, draft.similarity);
  if (Object.keys(similarity).length > 0) patch.similarity = similarity;
  const variety = changed(savedVariety, draftVariety);
  if (Object.keys(variety).length > 0) patch.variety = variety;
  const playback = changed(saved.playback, draft.playback);
  if (Object.keys(playback).length > 0) patch.playback = playback;
  return patch;
}
