import { describe, expect, it } from 'vitest';
import { settingsChanges } from '../../../src/shared/settings-changes';
import { defaultSettings } from '../../../src/main/home/settings';

describe('what the settings form saves', () => {
  const saved = defaultSettings();

  it('nothing when nothing changed, so every default keeps following the app', () => {
    expect(settingsChanges(saved, structuredClone(saved))).toEqual({});
  });

  it('only the fields changed, one by one inside a group', () => {
    const draft = structuredClone(saved);
    draft.workers = saved.workers + 1;
    draft.similarity.hubnessReduction = !saved.similarity.hubnessReduction;
    draft.variety.maxPerArtist = saved.variety.maxPerArtist + 1;
    expect(settingsChanges(saved, draft)).toEqual({
      workers: saved.workers + 1,
      similarity: { hubnessReduction: !saved.similarity.hubnessReduction },
      variety: { maxPerArtist: saved.variety.maxPerArtist + 1 },
    });
  });

  it('never the player’s own history', () => {
    const draft = structuredClone(saved);
    draft.variety.recentlyPlayed = ['a', 'b'];
    expect(settingsChanges(saved, draft)).toEqual({});
  });
});
