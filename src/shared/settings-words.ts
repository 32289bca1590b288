/**
 * Settings errors in words a user can act on ("Workers must be at least 1"), not the schema's
 * ("workers: Too small: expected number to be >=1"). Used by the core when it refuses a
 * settings.set and by the Settings screen before it sends one.
 */
import type { z } from 'zod';

/** What each setting is called on the Settings screen. */
const LABELS: Record<string, string> = {
  ffmpegPath: 'The ffmpeg path',
  workers: 'Workers',
  model: 'The embedding model',
  patchesPerTrack: 'Patches per track',
  'similarity.source': 'Compare tracks by',
  'similarity.embeddingWeight': 'The embedding weight',
  'similarity.featureWeight': 'The feature weight',
  'similarity.hubnessReduction': 'Hubness reduction',
  'variety.maxPerArtist': 'Tracks per artist',
  'variety.artistWindow': 'The artist window',
  'variety.noConsecutiveAlbum': 'No two in a row from one album',
  'variety.collapseDuplicates': 'Collapse duplicates',
  'variety.diversity': 'Explore',
  'variety.recentlyPlayed': 'Recently played',
  'playback.transition': 'The transition between tracks',
  'playback.crossfadeSeconds': 'The crossfade length (seconds)',
  'playback.albumGapless': 'Gapless within an album',
};

const fmt = (n: unknown): string => (typeof n === 'bigint' || typeof n === 'number' ? String(n) : '?');

export function settingLabel(path: PropertyKey[]): string {
  const key = path.map(String).join('.');
  return LABELS[key] ?? (key || 'The settings');
}

/** One issue as a sentence naming the setting and what it must be. */
export function describeSettingIssue(issue: z.core.$ZodIssue): string {
  const label = settingLabel(issue.path);
  switch (issue.code) {
    case 'too_small':
      if (issue.origin === 'string') return `${label} cannot be empty`;
      return issue.inclusive === false
        ? `${label} must be more than ${fmt(issue.minimum)}`
        : `${label} must be at least ${fmt(issue.minimum)}`;
    case 'too_big':
      if (issue.origin === 'string') return `${label} is too long (at most ${fmt(issue.maximum)} characters)`;
      return issue.inclusive === false
        ? `${label} must be less than ${fmt(issue.maximum)}`
        : `${label} must be at most ${fmt(issue.maximum)}`;
    case 'invalid_type':
      if (issue.expected === 'int') return `${label} must be a whole number`;
      if (issue.expected === 'number') return `${label} must be a number`;
      if (issue.expected === 'boolean') return `${label} must be on or off`;
      return `${label} has the wrong kind of value`;
    case 'invalid_value':
      return `${label} must be one of: ${issue.values.map(String).join(', ')}`;
    case 'unrecognized_keys':
      return `Unknown setting${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`;
    default:
      return `${label} is not valid`;
  }
}

export interface SettingProblem {
  /** The setting's path ("workers", "variety.maxPerArtist"). */
  path: string;
  message: string;
}

/** A refused settings patch's issues as sentences, one per issue. */
export function settingsProblems(issues: readonly z.core.$ZodIssue[]): SettingProblem[] {
  return issues.map((i) => ({ path: i.path.map(String).join('.'), message: describeSettingIssue(i) }));
}
