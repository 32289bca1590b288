import { describe, expect, it } from 'vitest';
import { placeWindows } from '../../../../src/main/analysis/models/embedder';

describe('where long windows go', () => {
  it('a track no longer than a window is one window of its own length', () => {
    expect(placeWindows(90, 120, 1)).toEqual([{ start: 0, length: 90 }]);
    expect(placeWindows(120, 120, 3)).toEqual([{ start: 0, length: 120 }]);
    expect(placeWindows(90, 120, 0)).toEqual([{ start: 0, length: 90 }]);
  });

  it('one window is the middle of a longer track', () => {
    expect(placeWindows(300, 120, 1)).toEqual([{ start: 90, length: 120 }]);
  });

  it('several are spread over the track, inside it, and never more than cover it', () => {
    expect(placeWindows(300, 100, 3)).toEqual([
      { start: 0, length: 100 },
      { start: 100, length: 100 },
      { start: 200, length: 100 },
    ]);
    // 150 s is covered by two windows of 120 s: a third would only repeat them.
    expect(placeWindows(150, 120, 3)).toEqual([
      { start: 0, length: 120 },
      { start: 30, length: 120 },
    ]);
    // 0 = as many as cover the track.
    expect(placeWindows(1000, 120, 0)).toHaveLength(9);
    for (const w of placeWindows(1000, 120, 0)) {
      expect(w.start).toBeGreaterThanOrEqual(0);
      expect(w.start + w.length).toBeLessThanOrEqual(1000);
    }
  });
});
