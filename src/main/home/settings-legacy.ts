/**
 * Settings files written before format 2 held every field, defaults included, so a default that
 * improved later (the listening model, the similarity blend, the worker count of a new machine)
 * never reached anyone who had saved a setting once. Such a file cannot tell a chosen value from
 * a default one; the values those versions wrote as defaults are taken as "not chosen" and dropped,
 * so today's defaults apply. Anything else in the file is kept as the user's choice.
 */
import { availableParallelism } from 'node:os';
import type { SettingsPatch } from './settings-salvage';

/** What every earlier version wrote when the user had not chosen (the union over versions). */
const LEGACY = {
  ffmpegPath: [''],
  model: ['msd', 'mn04'],
  patchesPerTrack: [8],
  windowsPerTrack: [3],
  similarity: [{ source: 'blend', embeddingWeight: 0.6, featureWeight: 0.4, hubnessReduction: true }],
  variety: {
    maxPerArtist: 2,
    artistWindow: 10,
    noConsecutiveAlbum: true,
    collapseDuplicates: true,
    diversity: 0.2,
  },
  playback: { transition: 'gapless', crossfadeSeconds: 4, albumGapless: true },
} as const;

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Only the fields of a pre-format-2 file that differ from what those versions wrote by default. */
export function withoutLegacyDefaults(patch: SettingsPatch): SettingsPatch {
  const kept: SettingsPatch = { ...patch };
  if (kept.ffmpegPath !== undefined && LEGACY.ffmpegPath.includes(kept.ffmpegPath as ''))
    delete kept.ffmpegPath;
  if (kept.model !== undefined && (LEGACY.model as readonly string[]).includes(kept.model)) delete kept.model;
  if (kept.patchesPerTrack !== undefined && LEGACY.patchesPerTrack.includes(kept.patchesPerTrack as 8))
    delete kept.patchesPerTrack;
  if (kept.windowsPerTrack !== undefined && LEGACY.windowsPerTrack.includes(kept.windowsPerTrack as 3))
    delete kept.windowsPerTrack;
  // The worker count was the machine's core count when the file was written.
  if (kept.workers !== undefined && kept.workers === Math.max(1, availableParallelism())) delete kept.workers;
  // The similarity fields were tuned together: a file that still holds the whole old default drops it whole.
  if (kept.similarity && LEGACY.similarity.some((old) => sameJson(kept.similarity, old)))
    delete kept.similarity;
  if (kept.variety) {
    const variety = { ...kept.variety };
    for (const key of Object.keys(LEGACY.variety) as (keyof typeof LEGACY.variety)[]) {
      if (variety[key] === LEGACY.variety[key]) delete variety[key];
    }
    if (Object.keys(variety).length > 0) kept.variety = variety;
    else delete kept.variety;
  }
  if (kept.playback) {
    const playback = { ...kept.playback };
    for (const key of Object.keys(LEGACY.playback) as (keyof typeof LEGACY.playback)[]) {
      if (playback[key] === LEGACY.playback[key]) delete playback[key];
    }
    if (Object.keys(playback).length > 0) kept.playback = playback;
    else delete kept.playback;
  }
  return kept;
}

/**
 * Fields whose meaning changed since the file was written: EfficientAT's windows per track counted
 * 10-s windows, and now counts the model's long windows (a stored 3 would mean six minutes).
 */
export function withoutRetiredFields(patch: SettingsPatch): SettingsPatch {
  const { windowsPerTrack: _windows, ...kept } = patch;
  return kept;
}
