import { describe, expect, it } from 'vitest';
import { settingsChanges, settingsPatch } from '../../../src/shared/settings-changes';
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

describe('the whole form as a patch', () => {
  it('is every setting but the player’s history, and the contract accepts it', async () => {
    const { requestSchemas } = await import('../../../src/shared/contract');
    const s = defaultSettings();
    s.variety.recentlyPlayed = ['a'];
    const patch = settingsPatch(s);
    expect(patch.variety).not.toHaveProperty('recentlyPlayed');
    expect(patch.workers).toBe(s.workers);
    expect(requestSchemas['settings.set'].safeParse(patch).success).toBe(true);
  });
});
