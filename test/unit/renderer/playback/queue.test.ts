import { describe, expect, it } from 'vitest';
import type { Track } from '../../../../src/shared/types';
import { makeTrack } from '../../../helpers/synthetic';
import * as Q from '../../../../src/renderer/src/playback/queue';
import { loadPlayer, saveHistory, saveQueue } from '../../../../src/renderer/src/playback/persistence';

const track = (id: string, title = id): Track => makeTrack(id, { title });

const ids = (s: Q.QueueState) => s.entries.map((e) => e.track.id);
const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map((id) => track(id));

function playing(list: Track[], start = 0): Q.QueueState {
  return Q.playNow(Q.emptyQueue(), list, start);
}

describe('queue transitions', () => {
  it('play now replaces the queue, starts at the asked entry and records history', () => {
    const s = playing([a, b, c], 1);
    expect(ids(s)).toEqual(['a', 'b', 'c']);
    expect(s.index).toBe(1);
    expect(Q.currentEntry(s)?.track.id).toBe('b');
    expect(s.history).toEqual(['b']);
    expect(new Set(s.entries.map((x) => x.key)).size).toBe(3);
    expect(Q.playNow(s, [])).toBe(s);
  });

  it('play next inserts right after the playing entry, before what was upcoming', () => {
    const s = Q.playNext(playing([a, b, c]), [d, e]);
    expect(ids(s)).toEqual(['a', 'd', 'e', 'b', 'c']);
    expect(s.index).toBe(0);
    expect(Q.currentEntry(s)?.track.id).toBe('a');
    // Nothing playing: at the top.
    expect(ids(Q.playNext(Q.emptyQueue(), [d]))).toEqual(['d']);
  });

  it('add appends; a top-up leaves out tracks still upcoming but not ones already played', () => {
    const s = Q.next(playing([a, b, c]));
    expect(ids(Q.add(s, [d]))).toEqual(['a', 'b', 'c', 'd']);
    expect(ids(Q.add(s, [a, c, d], Q.userOrigin, true))).toEqual(['a', 'b', 'c', 'a', 'd']);
    // The same track twice gets two keys.
    const twice = Q.add(s, [c]);
    expect(new Set(twice.entries.map((x) => x.key)).size).toBe(4);
  });

  it('remove drops the chosen entries, keeps the playing one and its index', () => {
    let s = Q.jump(playing([a, b, c, d, e]), 2);
    const keys = s.entries.map((x) => x.key);
    s = Q.remove(s, [keys[0], keys[2], keys[4]]);
    expect(ids(s)).toEqual(['b', 'c', 'd']);
    expect(Q.currentEntry(s)?.track.id).toBe('c');
    expect(s.index).toBe(1);
  });

  it('move puts one entry before another and the playing entry follows', () => {
    const s = Q.jump(playing([a, b, c, d, e]), 1); // b plays
    const key = (id: string, q = s) => q.entries.find((x) => x.track.id === id)!.key;
    const down = Q.move(s, [key('a')], 4); // a before e
    expect(ids(down)).toEqual(['b', 'c', 'd', 'a', 'e']);
    expect(Q.currentEntry(down)?.track.id).toBe('b');
    expect(down.index).toBe(0);
    const up = Q.move(s, [key('e')], 0);
    expect(ids(up)).toEqual(['e', 'a', 'b', 'c', 'd']);
    expect(up.index).toBe(2);
    const toEnd = Q.move(s, [key('b')], 5);
    expect(ids(toEnd)).toEqual(['a', 'c', 'd', 'e', 'b']);
    expect(Q.currentEntry(toEnd)?.track.id).toBe('b');
    // Moving to where it already stands changes nothing.
    expect(Q.move(s, [key('c')], 2)).toBe(s);
    expect(Q.move(s, [key('c')], 3)).toBe(s);
  });

  it('multi-move keeps the moved entries in queue order, wherever they were picked', () => {
    const s = playing([a, b, c, d, e]);
    const key = (id: string) => s.entries.find((x) => x.track.id === id)!.key;
    expect(ids(Q.move(s, [key('e'), key('b')], 1))).toEqual(['a', 'b', 'e', 'c', 'd']);
    expect(ids(Q.move(s, [key('a'), key('c')], 5))).toEqual(['b', 'd', 'e', 'a', 'c']);
    expect(Q.currentEntry(Q.move(s, [key('a'), key('c')], 5))?.track.id).toBe('a');
  });

  it('next records a skip only when pressed before 30 s, and stops at the end', () => {
    let s = playing([a, b, c]);
    s = Q.next(s, 12);
    expect(Q.currentEntry(s)?.track.id).toBe('b');
    expect(s.skipped).toEqual(['a']);
    s = Q.next(s, 95);
    expect(s.skipped).toEqual(['a']);
    const end = Q.next(s);
    expect(end).toBe(s);
    expect(s.history).toEqual(['a', 'b', 'c']);
    const nonce = s.nonce;
    expect(Q.next(s, 2).nonce).toBe(nonce);
    expect(Q.next(s, 2).skipped).toEqual(['a', 'c']);
  });

  it('previous restarts after 3 s, else goes back one entry', () => {
    const s = Q.jump(playing([a, b, c]), 2);
    const restarted = Q.previous(s, 10);
    expect(restarted.index).toBe(2);
    expect(restarted.nonce).toBe(s.nonce + 1);
    const back = Q.previous(s, 1);
    expect(Q.currentEntry(back)?.track.id).toBe('b');
    expect(Q.previous(playing([a]), 1).index).toBe(0);
  });

  it('clear upcoming keeps what was played and the playing entry', () => {
    const s = Q.clearUpcoming(Q.jump(playing([a, b, c, d]), 1));
    expect(ids(s)).toEqual(['a', 'b']);
    expect(s.index).toBe(1);
  });

  it('play similar from the playing track replaces only the upcoming tracks and tags them', () => {
    const s = Q.playWithSimilar(playing([a, b, c]), a, [
      { track: a, score: 1 },
      { track: d, score: 0.9 },
      { track: e, score: 0.8 },
    ]);
    expect(ids(s)).toEqual(['a', 'd', 'e']);
    expect(s.entries[1].origin).toEqual({ kind: 'similar', seedId: 'a', seedTitle: 'a', score: 0.9 });
    const fresh = Q.playWithSimilar(playing([a, b]), c, [{ track: d, score: 0.5 }]);
    expect(ids(fresh)).toEqual(['c', 'd']);
    expect(fresh.entries[0].origin).toEqual({ kind: 'user' });
    expect(Q.currentEntry(fresh)?.track.id).toBe('c');
  });
});

describe('radio', () => {
  const northerners = track('n', 'Northerners');
  const tecno = track('t', 'Tecno Winn');

  it('starts from the playing track, not from an earlier play-similar seed', () => {
    // Play similar on Northerners, then play Tecno Winn from the library, then turn radio on.
    let s = Q.playWithSimilar(Q.emptyQueue(), northerners, [{ track: b, score: 0.7 }]);
    s = Q.playNow(s, [tecno, c]);
    s = Q.setRadio(s, true);
    expect(s.radioSeed?.id).toBe('t');
    s = Q.clearUpcoming(s);
    expect(Q.radioNeed(s)?.seedId).toBe('t');
  });

  it('turned off and on again it reseeds from what plays now', () => {
    let s = Q.setRadio(playing([northerners, tecno]), true);
    expect(s.radioSeed?.id).toBe('n');
    s = Q.setRadio(Q.next(s), false);
    s = Q.setRadio(s, true);
    expect(s.radioSeed?.id).toBe('t');
  });

  it('start radio plays the asked track and seeds from it', () => {
    const s = Q.startRadio(Q.setRadio(playing([northerners]), true), tecno);
    expect(ids(s)).toEqual(['t']);
    expect(s.radio).toBe(true);
    expect(s.radioSeed?.id).toBe('t');
    expect(Q.radioNeed(s)?.seedId).toBe('t');
  });

  it('asks for more only below the low-water mark, with history and skips', () => {
    let s = Q.setRadio(playing([a, b, c, d, e]), true);
    expect(Q.radioNeed(s)).toBeNull();
    s = Q.next(Q.next(s, 5));
    // c plays, d and e upcoming: below 3.
    const need = Q.radioNeed(s);
    expect(need).toMatchObject({ seedId: 'a', skipped: ['a'], count: Q.RADIO_BATCH });
    expect(need?.history).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(Q.radioNeed(Q.setRadio(s, false))).toBeNull();
  });

  it('adds its answer tagged as radio, unless radio was turned off or reseeded meanwhile', () => {
    const s = Q.setRadio(playing([a]), true);
    const need = Q.radioNeed(s)!;
    const added = Q.addRadio(s, need, [
      { track: b, score: 0.8 },
      { track: a, score: 1 },
    ]);
    expect(ids(added)).toEqual(['a', 'b']);
    expect(added.entries[1].origin).toEqual({ kind: 'radio', seedId: 'a', seedTitle: 'a', score: 0.8 });
    expect(Q.addRadio(Q.setRadio(s, false), need, [{ track: b }])).toEqual(Q.setRadio(s, false));
    const reseeded = Q.startRadio(s, tecno);
    expect(Q.addRadio(reseeded, need, [{ track: b }])).toBe(reseeded);
  });

  it('play now with radio on makes the new track the seed', () => {
    const s = Q.playNow(Q.setRadio(playing([a]), true), [tecno, b]);
    expect(s.radioSeed?.id).toBe('t');
  });
});

describe('persistence', () => {
  const memory = () => {
    const m = new Map<string, string>();
    return {
      getItem: (k: string) => m.get(k) ?? null,
      setItem: (k: string, v: string) => void m.set(k, v),
      m,
    };
  };

  it('restores the queue, the playing entry, origins, radio and position', () => {
    const store = memory();
    let s = Q.playWithSimilar(Q.emptyQueue(), a, [
      { track: b, score: 0.5 },
      { track: c, score: 0.4 },
    ]);
    s = Q.setRadio(Q.next(s), true);
    saveQueue(store, s, 42.37);
    saveHistory(store, s.history);
    const back = loadPlayer(store);
    expect(ids(back.queue)).toEqual(['a', 'b', 'c']);
    expect(Q.currentEntry(back.queue)?.track.id).toBe('b');
    expect(back.queue.entries[1].origin).toEqual({
      kind: 'similar',
      seedId: 'a',
      seedTitle: 'a',
      score: 0.5,
    });
    expect(back.queue.radio).toBe(true);
    expect(back.queue.radioSeed?.id).toBe('b');
    expect(back.queue.history).toEqual(['a', 'b']);
    expect(back.position).toBe(42.4);
    // New keys do not collide with restored ones.
    const more = Q.add(back.queue, [d]);
    expect(new Set(more.entries.map((x) => x.key)).size).toBe(4);
  });

  it('survives damaged records: bad JSON, bad entries, an index out of range', () => {
    const store = memory();
    store.setItem('timbre.queue', '{not json');
    expect(loadPlayer(store).queue.entries).toEqual([]);
    store.setItem(
      'timbre.queue',
      JSON.stringify({
        entries: [{ track: { id: 1 } }, { track: a }, { track: b }],
        index: 2,
        position: 'x',
      }),
    );
    const back = loadPlayer(store);
    expect(ids(back.queue)).toEqual(['a', 'b']);
    expect(Q.currentEntry(back.queue)?.track.id).toBe('b');
    expect(back.position).toBe(0);
    store.setItem('timbre.queue', JSON.stringify({ entries: [{ track: a }], index: 7, position: 3 }));
    expect(loadPlayer(store).queue.index).toBe(0);
  });
});
