import { describe, expect, it } from 'vitest';
import type { Track } from '../../../src/shared/types';
import { makeTrack } from '../../helpers/synthetic';
import type { Stamp } from '../../../src/main/analysis/results-store';
import {
  featuresOnlyVersion,
  isCurrent,
  jobQueue,
  patchesSetting,
  pendingTracks,
} from '../../../src/main/analysis/run-plan';

const track = (id: string, over: Partial<Track> = {}): Track =>
  makeTrack(id, { path: `/music/${id}.flac`, ...over });

describe('jobQueue', () => {
  it('hands out the longest tracks first, ties by path, and carries the catalog hints', () => {
    const jobs = jobQueue([
      track('b', { duration: 60 }),
      track('long', { duration: 600, channels: 1 }),
      track('a', { duration: 60 }),
      track('mid', { duration: 200 }),
    ]);
    expect(jobs.map((j) => j.trackId)).toEqual(['long', 'mid', 'a', 'b']);
    expect(jobs[0]).toEqual({
      trackId: 'long',
      path: '/music/long.flac',
      durationHint: 600,
      channelsHint: 1,
    });
  });

  it('leaves its input as it was', () => {
    const tracks = [track('short', { duration: 1 }), track('long', { duration: 9 })];
    jobQueue(tracks);
    expect(tracks.map((t) => t.id)).toEqual(['short', 'long']);
  });
});

describe('isCurrent', () => {
  const now = 10_000;
  it('holds at the same version unless the file was rewritten after the analysis', () => {
    const stamp: Stamp = { version: 'v1', at: 5_000 };
    expect(isCurrent(track('t', { mtimeMs: 4_000 }), stamp, 'v1', now)).toBe(true);
    expect(isCurrent(track('t', { mtimeMs: 4_000 }), stamp, 'v2', now)).toBe(false);
    expect(isCurrent(track('t', { mtimeMs: 6_000 }), stamp, 'v1', now)).toBe(false);
    expect(isCurrent(track('t'), undefined, 'v1', now)).toBe(false);
  });

  it('does not count a modification time in the future until it is reached', () => {
    const stamp: Stamp = { version: 'v1', at: 5_000 };
    expect(isCurrent(track('t', { mtimeMs: 20_000 }), stamp, 'v1', now)).toBe(true);
  });
});

describe('pendingTracks', () => {
  it('keeps present tracks that are neither analysed nor failed at the version, pruning only when asked', async () => {
    const tracks = [
      track('new'),
      track('done'),
      track('failed'),
      track('stale'),
      track('gone', { status: 'missing' }),
    ];
    const pruned: string[][] = [];
    const store = {
      prune: async (ids: Iterable<string>) => {
        pruned.push([...ids]);
        return 0;
      },
      stamps: async () => ({
        analysed: new Map<string, Stamp>([
          ['done', { version: 'v1', at: 2_000 }],
          ['stale', { version: 'v0', at: 2_000 }],
        ]),
        failed: new Map<string, Stamp>([['failed', { version: 'v1', at: 2_000 }]]),
      }),
    };
    const catalog = { allTracks: () => tracks };
    const pending = await pendingTracks(catalog, store, 'v1', false);
    expect(pending.map((t) => t.id)).toEqual(['new', 'stale']);
    expect(pruned).toEqual([]);
    await pendingTracks(catalog, store, 'v1', true);
    expect(pruned).toEqual([['new', 'done', 'failed', 'stale', 'gone']]);
  });
});

describe('settings', () => {
  it('takes the first patches setting given, whole and not negative', () => {
    expect(patchesSetting(3.7, 8)).toBe(3);
    expect(patchesSetting(undefined, 8)).toBe(8);
    expect(patchesSetting(-2)).toBe(0);
    expect(patchesSetting(undefined, undefined)).toBeGreaterThan(0);
  });

  it('names the features-only version without patches', () => {
    expect(featuresOnlyVersion(8)).toMatch(/^f[^+]+\+none$/);
    expect(featuresOnlyVersion(8)).toBe(featuresOnlyVersion(0));
  });
});
