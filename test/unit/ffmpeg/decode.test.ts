/** The decoder's plan: the mono mix and the excerpts of a long track (no ffmpeg run). */
import { describe, expect, it } from 'vitest';
import { monoMixFilter, planExcerpts } from '../../../src/main/ffmpeg/decode';

describe('decode helpers', () => {
  it('builds the averaging mono mix', () => {
    expect(monoMixFilter(1)).toBe('anull');
    expect(monoMixFilter(2)).toBe('pan=mono|c0=0.5*c0+0.5*c1');
    expect(monoMixFilter(4)).toBe('pan=mono|c0=0.25*c0+0.25*c1+0.25*c2+0.25*c3');
  });

  it('plans non-overlapping excerpts inside the track', () => {
    const e = planExcerpts(3600, 600);
    expect(e.length).toBe(5);
    for (let i = 0; i < e.length; i++) {
      expect(e[i].length).toBe(120);
      expect(e[i].start).toBeGreaterThanOrEqual(0);
      expect(e[i].start + e[i].length).toBeLessThanOrEqual(3600);
      if (i > 0) expect(e[i].start).toBeGreaterThanOrEqual(e[i - 1].start + e[i - 1].length);
    }
  });
});
