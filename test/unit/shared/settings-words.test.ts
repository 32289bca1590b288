import { describe, expect, it } from 'vitest';
import { ApiError, parseRequest, requestSchemas } from '../../../src/shared/contract';
import { settingsProblems } from '../../../src/shared/settings-words';

const problems = (patch: unknown) => {
  const r = requestSchemas['settings.set'].safeParse(patch);
  return r.success ? [] : settingsProblems(r.error.issues).map((p) => p.message);
};

describe('settings errors in words', () => {
  it('names the setting and what it must be', () => {
    expect(problems({ workers: 0 })).toEqual(['Workers must be at least 1']);
    expect(problems({ workers: 65 })).toEqual(['Workers must be at most 64']);
    expect(problems({ workers: 1.5 })).toEqual(['Workers must be a whole number']);
    expect(problems({ workers: 'two' })).toEqual(['Workers must be a number']);
    expect(problems({ model: '' })).toEqual(['The embedding model cannot be empty']);
    expect(problems({ similarity: { embeddingWeight: 2 } })).toEqual([
      'The embedding weight must be at most 1',
    ]);
    expect(problems({ variety: { maxPerArtist: 0 } })).toEqual(['Tracks per artist must be at least 1']);
    expect(problems({ similarity: { source: 'vibes' } })).toEqual([
      'Compare tracks by must be one of: embedding, features, blend',
    ]);
    expect(problems({ playback: { crossfadeSeconds: 20 } })).toEqual([
      'The crossfade length (seconds) must be at most 12',
    ]);
    expect(problems({ playback: { crossfadeSeconds: 0 } })).toEqual([
      'The crossfade length (seconds) must be at least 1',
    ]);
    expect(problems({ playback: { transition: 'smooth' } })).toEqual([
      'The transition between tracks must be one of: off, gapless, crossfade',
    ]);
    expect(problems({ playback: { albumGapless: 'yes' } })).toEqual([
      'Gapless within an album must be on or off',
    ]);
    expect(problems({ playback: { transition: 'crossfade', crossfadeSeconds: 6.5 } })).toEqual([]);
    expect(problems({ workers: 2 })).toEqual([]);
  });

  it('is what the core answers a refused settings.set with', () => {
    let error: unknown;
    try {
      parseRequest('settings.set', { workers: 0, patchesPerTrack: -1 });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).message).toBe(
      'Workers must be at least 1. Patches per track must be at least 0.',
    );
    expect((error as ApiError).message).not.toMatch(/expected number/);
  });
});
