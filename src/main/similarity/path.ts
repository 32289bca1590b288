/**
 * The song path: from track A to track B in a number of steps, each step close to its waypoint on
 * the arc from A to B and to the track before it, going forward along A→B when it can. A free
 * function over a space; the engine resolves ids to rows first.
 */
import { exactSearch } from './ann';
import type { Space } from './corpus';
import { closeness } from './query';
import { dotRow, slerp } from './vectors';

export interface PathLibrary {
  /** Tracks that are (nearly) digital silence, by row: never a step. */
  silent: Uint8Array;
  /** Key of the song a row is a version of: a path never plays the same song twice. */
  dupKeys: string[];
}

/** The rows of a path from `a` to `b` (both included) with each step's closeness to the one before. */
export function songPath(
  sp: Space,
  a: number,
  b: number,
  steps: number,
  lib: PathLibrary,
): { i: number; score: number }[] {
  const va = sp.row(a);
  const vb = sp.row(b);
  const progress = (i: number): number => dotRow(sp.data, i, vb, sp.dim) - dotRow(sp.data, i, va, sp.dim);
  const used = new Set<number>([a, b]);
  // Never the same song twice (another version of it included), never a silent track.
  const usedKeys = new Set<string>([lib.dupKeys[a], lib.dupKeys[b]]);
  const usable = (i: number): boolean => !used.has(i) && lib.silent[i] === 0 && !usedKeys.has(lib.dupKeys[i]);
  const picks: { i: number; score: number }[] = [{ i: a, score: 1 }];
  let prev = a;
  let lastProgress = progress(a);
  // With centred vectors a track can be further along A→B than B itself (cos(c, A) < 0): such an
  // overshoot is not a step towards B, and B would then be a step back.
  const end = progress(b);
  const goesForward = (p: number): boolean => p >= lastProgress && p <= end;
  for (let t = 1; t < steps && a !== b; t++) {
    const point = slerp(va, vb, t / steps);
    const pv = sp.row(prev);
    let chosen = -1;
    let chosenV = -Infinity;
    let forward = false;
    for (const k of [50, 400]) {
      const hits = sp.ivf ? sp.ivf.search(sp, point, k, usable) : exactSearch(sp, point, k, usable);
      for (const h of hits) {
        // Close to the waypoint and to the previous pick. A step backwards (less far along A→B
        // than the previous pick) is taken only when no candidate goes forward: a path of the
        // length asked for beats a shorter one.
        const ahead = goesForward(progress(h.id));
        const v = 0.7 * h.score + 0.3 * dotRow(sp.data, h.id, pv, sp.dim);
        if ((ahead && !forward) || (ahead === forward && v > chosenV)) {
          chosenV = v;
          chosen = h.id;
          forward = ahead;
        }
      }
      if (forward) break;
    }
    if (!forward) {
      // None of the waypoint's nearest goes forward: look for the waypoint's nearest among the
      // tracks that do (a filtered search never returns short), before settling for a step back.
      const ahead = (i: number): boolean => usable(i) && goesForward(progress(i));
      const hits = sp.ivf ? sp.ivf.search(sp, point, 10, ahead) : exactSearch(sp, point, 10, ahead);
      for (const h of hits) {
        const v = 0.7 * h.score + 0.3 * dotRow(sp.data, h.id, pv, sp.dim);
        if (!forward || v > chosenV) {
          chosenV = v;
          chosen = h.id;
          forward = true;
        }
      }
    }
    if (chosen < 0) break; // the library has no track left to use
    used.add(chosen);
    usedKeys.add(lib.dupKeys[chosen]);
    // The score shown for each step is its closeness to the track before it.
    picks.push({ i: chosen, score: closeness(sp, prev, chosen) });
    prev = chosen;
    lastProgress = progress(chosen);
  }
  if (b !== a) picks.push({ i: b, score: closeness(sp, prev, b) });
  return picks;
}
