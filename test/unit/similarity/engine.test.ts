import { describe, expect, it } from 'vitest';
import type { SimilarityFilters, Track } from '../../../src/shared/types';
import { SimilarityEngine } from '../../../src/main/similarity/engine';
import type { SimilarityInput } from '../../../src/main/similarity/corpus';
import { keysCompatible, makeFilter, normalizeTitle, duplicateKey } from '../../../src/main/similarity/rules';
import { makeScalars, makeTrack, syntheticCatalog } from '../../helpers/synthetic';
import { joinSimilarityInput } from '../../../src/main/similarity/load';
import { rng } from '../../../src/main/similarity/vectors';

const small = syntheticCatalog({
  tracks: 2000,
  artists: 120,
  albums: 200,
  embeddingDim: 48,
  featureDim: 20,
  seed: 3,
});

function engines(input: SimilarityInput) {
  return {
    exact: SimilarityEngine.build(input),
    ivf: SimilarityEngine.build(input, { engine: { annThreshold: 100 } }),
  };
}
const both = engines(small.input);

describe('filters', () => {
  const filters: SimilarityFilters[] = [
    { excludeSameArtist: true },
    { excludeSameAlbum: true, minDuration: 200, maxDuration: 260 },
    { minBpm: 100, maxBpm: 104 },
    { compatibleKey: true },
    { genre: 'style 3' },
    { folder: '/music/Artist 7' },
    { excludeSameArtist: true, compatibleKey: true, minBpm: 90, maxBpm: 130 },
  ];
  for (const [name, engine] of Object.entries(both)) {
    it(`never return short and always hold (${name})`, () => {
      for (const f of filters) {
        for (const seed of [1, 500]) {
          const res = engine.similar({ seed: { kind: 'track', id: `t${seed}` }, k: 40, filters: f });
          const pass = makeFilter(f, [seed], small.input.tracks, small.input.scalars);
          expect(pass).not.toBeNull();
          let qualifying = 0;
          for (let i = 0; i < small.input.tracks.length; i++) if (i !== seed && pass!(i)) qualifying++;
          expect(res.results.length).toBe(Math.min(40, qualifying));
          for (const r of res.results) expect(pass!(Number(r.track.id.slice(1)))).toBe(true);
          expect(res.results.some((r) => r.track.id === `t${seed}`)).toBe(false);
        }
      }
    });
  }

  it('key compatibility follows the circle of fifths', () => {
    const k = (key: string, scale: 'major' | 'minor') => ({ key, scale });
    expect(keysCompatible(k('A', 'minor'), k('A', 'minor'))).toBe(true);
    expect(keysCompatible(k('A', 'minor'), k('C', 'major'))).toBe(true); // relative
    expect(keysCompatible(k('A', 'minor'), k('E', 'minor'))).toBe(true); // a fifth up
    expect(keysCompatible(k('A', 'minor'), k('D', 'minor'))).toBe(true); // a fifth down
    expect(keysCompatible(k('C', 'major'), k('F#', 'major'))).toBe(false);
    expect(keysCompatible(k('A', 'minor'), k('A', 'major'))).toBe(false);
    expect(keysCompatible(k('Bb', 'major'), k('A#', 'major'))).toBe(true); // enharmonic
    expect(keysCompatible(k('Eb', 'major'), k('C', 'minor'))).toBe(true);
    expect(keysCompatible(k('C', 'major'), k('E', 'minor'))).toBe(false); // relative of G, other mode
  });
});

describe('duplicate versions', () => {
  it('normalises titles', () => {
    expect(normalizeTitle('Paint It, Black (Remastered 2011)')).toBe('paint it black');
    expect(normalizeTitle('Paint It Black - Live at Wembley')).toBe('paint it black');
    expect(normalizeTitle('Paint it black feat. Someone')).toBe('paint it black');
    expect(normalizeTitle('Song [Mono Version]')).toBe('song');
    expect(normalizeTitle('Song (Part 2)')).toBe('song part 2');
    expect(duplicateKey(makeTrack('a', { title: 'Song (Remastered)', artist: 'The Band' }))).toBe(
      duplicateKey(makeTrack('b', { title: 'song', artist: 'Band' })),
    );
  });
});

/** A catalog where one artist dominates the neighbourhood and versions repeat. */
function crowded(): { input: SimilarityInput; extra: Track[] } {
  const base = syntheticCatalog({
    tracks: 600,
    artists: 30,
    albums: 60,
    embeddingDim: 32,
    featureDim: 12,
    seed: 9,
  });
  const input = base.input;
  const dE = 32;
  // Tracks 0..9 get remastered/live copies (same title and artist), and 10..14 near-identical embeddings.
  const extra: Track[] = [];
  const n0 = input.tracks.length;
  const copies = 15;
  const tracks = [...input.tracks];
  const emb = new Float32Array((n0 + copies) * dE);
  emb.set(input.embedding!.data);
  const feats = new Float32Array((n0 + copies) * 12);
  feats.set(input.features);
  const tags = new Float32Array((n0 + copies) * 50);
  tags.set(input.tags!.data);
  const scalars = [...input.scalars];
  for (let c = 0; c < copies; c++) {
    const src = input.tracks[c];
    const t = makeTrack(`dup${c}`, {
      title: c < 10 ? `${src.title} (Remastered 2011)` : `Other name ${c}`,
      artist: c < 10 ? src.artist : `Someone ${c}`,
      artists: [c < 10 ? src.artist : `Someone ${c}`],
      album: `Best of ${c}`,
    });
    tracks.push(t);
    extra.push(t);
    emb.set(input.embedding!.data.subarray(c * dE, (c + 1) * dE), (n0 + c) * dE);
    feats.set(input.features.subarray(c * 12, (c + 1) * 12), (n0 + c) * 12);
    scalars.push(input.scalars[c]);
  }
  return {
    input: {
      ...input,
      tracks,
      embedding: { model: 'x', dim: dE, data: emb },
      features: feats,
      scalars,
      tags: { ...input.tags!, data: tags },
    },
    extra,
  };
}

function checkVariety(queue: Track[], maxPerArtist: number, window: number) {
  for (let i = 0; i < queue.length; i++) {
    const slice = queue.slice(Math.max(0, i - window + 1), i + 1);
    const counts = new Map<string, number>();
    for (const t of slice) counts.set(t.artist, (counts.get(t.artist) ?? 0) + 1);
    for (const c of counts.values()) expect(c).toBeLessThanOrEqual(maxPerArtist);
    if (i > 0)
      expect(queue[i].album === queue[i - 1].album && queue[i].albumArtist === queue[i - 1].albumArtist).toBe(
        false,
      );
  }
  expect(new Set(queue.map((t) => t.id)).size).toBe(queue.length);
  const keys = queue.map((t) => duplicateKey(t));
  expect(new Set(keys).size).toBe(keys.length);
}

describe('queues', () => {
  const { input } = crowded();
  const engine = SimilarityEngine.build(input);
  const ivfEngine = SimilarityEngine.build(input, { engine: { annThreshold: 50 } });

  for (const [name, e] of [
    ['exact', engine],
    ['ivf', ivfEngine],
  ] as const) {
    it(`hold the variety rules for every kind of seed (${name})`, () => {
      const seeds = [
        { kind: 'track' as const, id: 't0' },
        { kind: 'tracks' as const, ids: ['t3', 't4', 't5'] },
        { kind: 'album' as const, album: input.tracks[7].album },
        { kind: 'artist' as const, artist: input.tracks[12].artist },
      ];
      for (const seed of seeds) {
        for (const diversity of [0, 0.5, 1]) {
          const res = e.queue({ seed, length: 40, variety: { maxPerArtist: 2, artistWindow: 8, diversity } });
          expect(res.tracks.length).toBe(40);
          const q = res.tracks.map((t) => t.track);
          checkVariety(q, 2, 8);
          // A track seed plays first, a list of tracks (the current queue) before the new ones: the
          // rules hold across that seam too.
          if (seed.kind === 'track' || seed.kind === 'tracks') {
            const played = res.seedIds.map((id) => input.tracks.find((t) => t.id === id)!);
            const all = [...played, ...q];
            for (let i = played.length; i < all.length; i++) {
              const window = all.slice(i - 7, i + 1);
              expect(window.filter((t) => t.artist === all[i].artist).length).toBeLessThanOrEqual(2);
            }
            const last = played[played.length - 1];
            expect(q[0].album === last.album && q[0].albumArtist === last.albumArtist).toBe(false);
          }
          for (const id of res.seedIds) expect(q.some((t) => t.id === id)).toBe(false);
          // Seeds' other versions are not offered either.
          const seedKeys = new Set(
            res.seedIds.map((id) => duplicateKey(input.tracks.find((t) => t.id === id)!)),
          );
          expect(q.some((t) => seedKeys.has(duplicateKey(t)))).toBe(false);
        }
      }
    });
  }

  it('collapses near-identical embeddings and holds back recently played tracks', () => {
    // dup10..14 have other titles but the same embedding as t10..14.
    const res = engine.queue({ seed: { kind: 'track', id: 't10' }, length: 30 });
    expect(res.tracks.some((t) => t.track.id === 'dup10')).toBe(false);
    const plain = engine.queue({
      seed: { kind: 'track', id: 't10' },
      length: 30,
      variety: { collapseDuplicates: false },
    });
    expect(plain.tracks.slice(0, 3).some((t) => t.track.id === 'dup10')).toBe(true);
    const held = res.tracks.slice(0, 10).map((t) => t.track.id);
    const again = engine.queue({
      seed: { kind: 'track', id: 't10' },
      length: 30,
      variety: { recentlyPlayed: held },
    });
    expect(again.tracks.length).toBe(30);
    expect(again.tracks.some((t) => held.includes(t.track.id))).toBe(false);
  });

  it('diversity spreads the queue out', () => {
    const meanPairwise = (ids: string[]) => {
      const ex = ids.map((id) => engine.explain('t0', id).score);
      return ex.reduce((a, b) => a + b, 0) / ex.length;
    };
    const same = engine.queue({ seed: { kind: 'track', id: 't0' }, length: 20, variety: { diversity: 0 } });
    const explore = engine.queue({
      seed: { kind: 'track', id: 't0' },
      length: 20,
      variety: { diversity: 1 },
    });
    expect(meanPairwise(explore.tracks.map((t) => t.track.id))).toBeLessThan(
      meanPairwise(same.tracks.map((t) => t.track.id)),
    );
  });

  it('returns as many tracks as the rules allow when one artist is all there is', () => {
    const tracks = Array.from({ length: 30 }, (_, i) =>
      makeTrack(`s${i}`, { artist: 'Solo', album: `A${i % 3}` }),
    );
    const r = rng(1);
    const input1: SimilarityInput = {
      tracks,
      features: Float32Array.from({ length: 30 * 4 }, () => r()),
      featureNames: ['a', 'b', 'c', 'd'],
      scalars: tracks.map(() => makeScalars()),
      embedding: null,
      tags: null,
    };
    const e = SimilarityEngine.build(input1);
    const res = e.queue({
      seed: { kind: 'track', id: 's0' },
      length: 20,
      variety: { maxPerArtist: 2, artistWindow: 5 },
    });
    // 2 per window of 5, the seed (played first) is one of them, and nobody else: the rules stop
    // the queue at 1.
    expect(res.tracks.length).toBe(1);
    expect(e.similar({ seed: { kind: 'track', id: 's0' } }).source).toBe('features');
  });
});

describe('radio', () => {
  const engine = SimilarityEngine.build(small.input);
  const styleOf = (id: string) => small.style[Number(id.slice(1))];

  it('is stateless, excludes history and skips, and drifts with the history', () => {
    const seed = { kind: 'track' as const, id: 't1' };
    const a = engine.radio({ seed, count: 10 });
    const b = engine.radio({ seed, count: 10 });
    expect(a.tracks.map((t) => t.track.id)).toEqual(b.tracks.map((t) => t.track.id));
    // A long history from another style pulls the target towards it (but not all the way).
    const other = small.input.tracks.filter((_, i) => small.style[i] !== small.style[1]).slice(0, 40);
    const otherStyle = styleOf(other[0].id);
    const history = small.input.tracks
      .filter((_, i) => small.style[i] === otherStyle)
      .slice(0, 30)
      .map((t) => t.id);
    const drifted = engine.radio({ seed, count: 10, history });
    const towards = (ids: string[]) => ids.filter((id) => styleOf(id) === otherStyle).length;
    expect(towards(drifted.tracks.map((t) => t.track.id))).toBeGreaterThan(
      towards(a.tracks.map((t) => t.track.id)),
    );
    for (const t of drifted.tracks) expect(history.includes(t.track.id)).toBe(false);
  });

  it('pushes down the neighbourhood of skipped tracks', () => {
    const seed = { kind: 'track' as const, id: 't2' };
    const first = engine.radio({ seed, count: 10 });
    const skipped = [first.tracks[0].track.id];
    const after = engine.radio({ seed, count: 10, skipped });
    expect(after.tracks.some((t) => t.track.id === skipped[0])).toBe(false);
    const sk = Number(skipped[0].slice(1));
    const closeness = (ids: string[]) =>
      ids.map((id) => engine.pairScore(sk, Number(id.slice(1))).cosine).reduce((s, v) => s + v, 0) /
      ids.length;
    expect(closeness(after.tracks.map((t) => t.track.id))).toBeLessThan(
      closeness(first.tracks.slice(1).map((t) => t.track.id)),
    );
  });
});

describe('song path', () => {
  const engine = SimilarityEngine.build(small.input);
  it('goes from A to B without reuse, forward at every step it can, never past B', () => {
    for (const [from, to] of [
      ['t0', 't1500'],
      ['t5', 't77'],
    ]) {
      const res = engine.path({ from, to, steps: 8 });
      const ids = res.tracks.map((t) => t.track.id);
      expect(ids[0]).toBe(from);
      expect(ids[ids.length - 1]).toBe(to);
      expect(ids.length).toBeGreaterThanOrEqual(5);
      expect(ids.length).toBeLessThanOrEqual(9);
      expect(new Set(ids).size).toBe(ids.length);
      const a = Number(from.slice(1));
      const b = Number(to.slice(1));
      const progressOf = (i: number): number =>
        // In the default space, the one the path is drawn in.
        engine.pairScore(i, b).cosine - engine.pairScore(i, a).cosine;
      const prog = ids.map((id) => progressOf(Number(id.slice(1))));
      const all = small.input.tracks.map((_, i) => progressOf(i));
      const end = progressOf(b);
      for (let i = 1; i < prog.length; i++) {
        // Never further along A→B than B itself (centred vectors allow it: cos(c, A) < 0).
        expect(prog[i]).toBeLessThanOrEqual(end + 1e-6);
        if (prog[i] >= prog[i - 1] - 1e-6) continue;
        // A step back only when no unused track lay between the previous pick and B.
        const usedBefore = new Set(ids.slice(0, i).map((id) => Number(id.slice(1))));
        const between = all.filter((p, j) => !usedBefore.has(j) && j !== b && p >= prog[i - 1] && p <= end);
        expect(between).toEqual([]);
      }
    }
  });
});

describe('small libraries', () => {
  // 40 tracks, 20 artists, random vectors: paths and radio run out of obvious candidates here.
  const r = rng(11);
  const n = 40;
  const tracks = Array.from({ length: n }, (_, i) =>
    makeTrack(`s${i}`, { artist: `Artist ${i % 20}`, album: `Album ${i % 13}`, title: `Song ${i}` }),
  );
  // s39 is silent; s38 is another version of s37 ("Song 37 (Remastered)").
  tracks[38] = { ...tracks[38], title: 'Song 37 (Remastered)', artist: tracks[37].artist };
  const input: SimilarityInput = {
    tracks,
    features: Float32Array.from({ length: n * 6 }, () => r() - 0.5),
    featureNames: ['a', 'b', 'c', 'd', 'e', 'f'],
    scalars: tracks.map((_, i) => makeScalars(i === 39 ? { loudness: -90 } : {})),
    embedding: { model: 'x', dim: 8, data: Float32Array.from({ length: n * 8 }, () => r()) },
    tags: null,
  };
  const engine = SimilarityEngine.build(input);

  it('song paths have the steps asked for, without silent tracks or two versions of a song', () => {
    for (let a = 0; a < 10; a++) {
      const from = `s${a}`;
      const to = `s${a + 13}`;
      const ids = engine.path({ from, to, steps: 20 }).tracks.map((t) => t.track.id);
      expect(ids.length).toBe(21);
      expect(ids[0]).toBe(from);
      expect(ids[20]).toBe(to);
      expect(new Set(ids).size).toBe(21);
      expect(ids).not.toContain('s39');
      expect(ids.includes('s37') && ids.includes('s38')).toBe(false);
    }
    // Asked for more steps than there are usable tracks: every usable track, once.
    const all = engine.path({ from: 's0', to: 's1', steps: 100 }).tracks.map((t) => t.track.id);
    expect(all.length).toBe(38);
  });

  it('radio does not fall silent once it has played most of the library', () => {
    const seed = { kind: 'track' as const, id: 's0' };
    const history: string[] = ['s0'];
    for (let round = 0; round < 12; round++) {
      const got = engine.radio({ seed, history, count: 5 }).tracks.map((t) => t.track.id);
      expect(got.length).toBe(5);
      // Never anything from the recent half of the library.
      const recent = history.slice(-Math.floor(n / 2));
      for (const id of got) expect(recent).not.toContain(id);
      history.push(...got);
    }
  });
});

describe('explanations', () => {
  it('speak in listener words', () => {
    const tracks = ['a', 'b', 'c', 'd'].map((id) => makeTrack(id, { artist: id }));
    const scalars = [
      makeScalars({ bpm: 128, loudness: -14, key: 'A', scale: 'minor', spectralCentroid: 1200 }),
      makeScalars({ bpm: 128.4, loudness: -8, key: 'A', scale: 'minor', spectralCentroid: 2600 }),
      makeScalars({ bpm: 90, loudness: -12, key: 'C', scale: 'major', spectralCentroid: 1400 }),
      makeScalars({ bpm: 150, loudness: -10, key: 'F#', scale: 'major', spectralCentroid: 1800 }),
    ];
    const input: SimilarityInput = {
      tracks,
      features: Float32Array.from([1, 0, 0, 1, 0.9, 0.1, 0.1, 1, 0, 1, 1, 0, 0.5, 0.5, 0.5, 0.5]),
      featureNames: ['w', 'x', 'y', 'z'],
      scalars,
      embedding: null,
      tags: {
        model: 'm',
        names: ['rock', 'electronic', 'guitar'],
        data: Float32Array.from([0.6, 0.05, 0.3, 0.5, 0.02, 0.4, 0, 1, 0, 0.2, 0.2, 0.2]),
      },
    };
    const e = SimilarityEngine.build(input, { similarity: { hubnessReduction: false } });
    const x = e.explain('a', 'b');
    const texts = [...x.closest, ...x.mostDifferent].map((f) => f.text);
    expect(texts).toContain('both around 128 BPM');
    expect(texts).toContain('same key: A minor');
    expect(texts).toContain('B is much louder (−8 vs −14 LUFS)');
    expect(texts.some((t) => t.startsWith('B is much brighter'))).toBe(true);
    expect(x.sharedTags).toEqual(['rock', 'guitar']);
    expect(x.summary).toMatch(/both around 128 BPM/);
    expect(x.score).toBeGreaterThan(0.9);
    const y = e.explain('a', 'c');
    expect([...y.closest, ...y.mostDifferent].map((f) => f.text)).toContain(
      'compatible keys: A minor and C major',
    );
    expect(y.sharedTags).toEqual([]);
    expect(y.score).toBeLessThan(x.score);
  });
});

describe('cluster suggestions', () => {
  it('without clusters: plain neighbours', () => {
    const e = SimilarityEngine.build(small.input);
    const s = e.clusterSuggestions({ id: 't3', sameCluster: 7 });
    expect(s.clustersAvailable).toBe(false);
    expect(s.sameCluster.length).toBe(7);
    expect(s.otherClusters).toEqual([]);
  });

  it('with clusters: own cluster first, the nearest few of each other cluster', () => {
    const info = Array.from(new Set(small.style)).map((id) => ({
      id,
      label: `S${id}`,
      size: 0,
      topTags: [],
      exemplarIds: [],
    }));
    const e = SimilarityEngine.build({ ...small.input, clusters: { assignments: small.style, info } });
    const s = e.clusterSuggestions({ id: 't3', sameCluster: 5, perOtherCluster: 2 });
    expect(s.clustersAvailable).toBe(true);
    expect(s.seedCluster?.id).toBe(small.style[3]);
    expect(s.sameCluster.length).toBe(5);
    for (const t of s.sameCluster) expect(t.clusterId).toBe(small.style[3]);
    expect(s.otherClusters.length).toBe(info.length - 1);
    for (const c of s.otherClusters) {
      expect(c.tracks.length).toBe(2);
      for (const t of c.tracks) expect(t.clusterId).toBe(c.cluster.id);
    }
    // Nearest of a cluster really is the nearest member.
    const c0 = s.otherClusters[0];
    const members = small.input.tracks
      .map((t, i) => ({ t, i }))
      .filter(({ i }) => small.style[i] === c0.cluster.id);
    const best = members.map(({ i }) => ({ i, s: e.pairScore(3, i).score })).sort((a, b) => b.s - a.s)[0];
    expect(c0.tracks[0].track.id).toBe(`t${best.i}`);
  });
});

describe('robustness', () => {
  it('copes with missing scalars, a one-track library and unknown seeds', () => {
    const input = syntheticCatalog({ tracks: 50, embeddingDim: 16, featureDim: 8, seed: 2 }).input;
    const scalars = input.scalars.map((s, i) => (i % 3 === 0 ? ({} as typeof s) : s));
    const e = SimilarityEngine.build({ ...input, scalars });
    expect(() =>
      e.similar({ seed: { kind: 'track', id: 't0' }, filters: { compatibleKey: true, minBpm: 50 } }),
    ).not.toThrow();
    expect(() => e.explain('t0', 't1')).not.toThrow();
    expect(() => e.similar({ seed: { kind: 'track', id: 'nope' } })).toThrow(/No analysed track/);
    const one = SimilarityEngine.build({
      ...input,
      tracks: input.tracks.slice(0, 1),
      features: input.features.slice(0, 8),
      scalars: input.scalars.slice(0, 1),
      embedding: { ...input.embedding!, data: input.embedding!.data.slice(0, 16) },
      tags: null,
    });
    expect(one.similar({ seed: { kind: 'track', id: 't0' } }).results).toEqual([]);
    expect(one.queue({ seed: { kind: 'track', id: 't0' } }).tracks).toEqual([]);
    expect(one.radio({ seed: { kind: 'track', id: 't0' } }).tracks).toEqual([]);
    expect(one.path({ from: 't0', to: 't0' }).tracks.map((t) => t.track.id)).toEqual(['t0']);
  });
});

describe('incremental updates and loading', () => {
  it('added tracks are found like in a rebuilt engine', () => {
    const cat = syntheticCatalog({ tracks: 1200, embeddingDim: 32, featureDim: 12, seed: 17 });
    const split = 1000;
    const slice = (n0: number, n1: number): SimilarityInput => ({
      tracks: cat.input.tracks.slice(n0, n1),
      features: cat.input.features.slice(n0 * 12, n1 * 12),
      featureNames: cat.input.featureNames,
      scalars: cat.input.scalars.slice(n0, n1),
      embedding: { model: 'm', dim: 32, data: cat.input.embedding!.data.slice(n0 * 32, n1 * 32) },
      tags: { ...cat.input.tags!, data: cat.input.tags!.data.slice(n0 * 50, n1 * 50) },
    });
    for (const annThreshold of [1e9, 200]) {
      const e = SimilarityEngine.build(slice(0, split), {
        similarity: { hubnessReduction: false },
        engine: { annThreshold },
      });
      e.add(slice(split, 1200));
      expect(e.size).toBe(1200);
      const res = e.similar({ seed: { kind: 'track', id: 't1100' }, k: 5 });
      expect(res.results.length).toBe(5);
      expect(res.results[0].track.id).not.toBe('t1100');
      // The new track's album-mates (old or new) are among its neighbours.
      const album = cat.input.tracks[1100].album;
      const mates = cat.input.tracks.filter((t) => t.album === album && t.id !== 't1100').map((t) => t.id);
      if (mates.length) expect(res.results.some((r) => mates.includes(r.track.id))).toBe(true);
      expect(() => e.explain('t1100', 't1')).not.toThrow();
    }
  });

  it('adds in small batches (reusing spare rows) answer exactly like one add of the same tracks', () => {
    const cat = syntheticCatalog({ tracks: 1300, embeddingDim: 32, featureDim: 12, seed: 23 });
    const slice = (n0: number, n1: number): SimilarityInput => ({
      tracks: cat.input.tracks.slice(n0, n1),
      features: cat.input.features.slice(n0 * 12, n1 * 12),
      featureNames: cat.input.featureNames,
      scalars: cat.input.scalars.slice(n0, n1),
      embedding: { model: 'm', dim: 32, data: cat.input.embedding!.data.slice(n0 * 32, n1 * 32) },
      tags: { ...cat.input.tags!, data: cat.input.tags!.data.slice(n0 * 50, n1 * 50) },
    });
    const config = { engine: { annThreshold: 500 } };
    const batched = SimilarityEngine.build(slice(0, 1000), config);
    for (let from = 1000; from < 1300; from += 16) batched.add(slice(from, Math.min(1300, from + 16)));
    const once = SimilarityEngine.build(slice(0, 1000), config);
    once.add(slice(1000, 1300));
    expect(batched.size).toBe(1300);
    for (const id of ['t5', 't1001', 't1150', 't1299']) {
      const a = batched.similar({ seed: { kind: 'track', id }, k: 10 }).results;
      const b = once.similar({ seed: { kind: 'track', id }, k: 10 }).results;
      expect(a.map((r) => r.track.id)).toEqual(b.map((r) => r.track.id));
      expect(a.map((r) => r.score)).toEqual(b.map((r) => r.score));
      expect(batched.explain(id, 't1200')).toEqual(once.explain(id, 't1200'));
    }
  });

  it('joins catalog tracks and analysis rows by id', () => {
    const tracks = [makeTrack('x'), makeTrack('y'), makeTrack('z', { status: 'missing' })];
    const input = joinSimilarityInput(tracks, {
      ids: ['y', 'gone', 'x', 'z'],
      features: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]),
      featureNames: ['a', 'b'],
      scalars: [
        makeScalars({ bpm: 1 }),
        makeScalars({ bpm: 2 }),
        makeScalars({ bpm: 3 }),
        makeScalars({ bpm: 4 }),
      ],
      embedding: {
        model: 'm',
        dim: 1,
        data: Float32Array.from([10, 20, 30, 40]),
        present: Uint8Array.from([1, 1, 1, 1]),
      },
      tags: null,
    });
    expect(input.tracks.map((t) => t.id)).toEqual(['y', 'x']);
    expect(Array.from(input.features)).toEqual([1, 2, 5, 6]);
    expect(input.scalars.map((s) => s.bpm)).toEqual([1, 3]);
    expect(Array.from(input.embedding!.data)).toEqual([10, 30]);
  });
});

describe('silent tracks', () => {
  it('are never suggested, but can still seed a query', () => {
    const input: SimilarityInput = {
      ...small.input,
      scalars: small.input.scalars.map((s, i) => (i % 10 === 0 ? { ...s, loudness: -70 } : s)),
    };
    const engine = SimilarityEngine.build(input);
    const res = engine.similar({ seed: { kind: 'track', id: 't5' }, k: 200 });
    expect(res.results.length).toBe(200);
    for (const r of res.results) expect(Number(r.track.id.slice(1)) % 10).not.toBe(0);
    const fromSilent = engine.queue({ seed: { kind: 'track', id: 't10' }, length: 20 });
    expect(fromSilent.tracks.length).toBeGreaterThan(0);
    for (const r of fromSilent.tracks) expect(Number(r.track.id.slice(1)) % 10).not.toBe(0);
  });
});

describe('excludeSameArtist with an unknown artist', () => {
  it('does not exclude every other track of unknown artist (as the variety rules do not group them)', () => {
    const unknown = (i: number): boolean => i % 20 === 0;
    const tracks = small.input.tracks.map((t, i) => (unknown(i) ? { ...t, artist: 'Unknown Artist' } : t));
    const engine = SimilarityEngine.build({ ...small.input, tracks });
    const k = tracks.length - 1;
    const res = engine.similar({
      seed: { kind: 'track', id: 't0' },
      k,
      filters: { excludeSameArtist: true },
    });
    expect(res.results.length).toBe(k);
    expect(res.results.filter((r) => unknown(Number(r.track.id.slice(1)))).length).toBe(
      tracks.length / 20 - 1,
    );
    // A known artist is still excluded, by the same ids.
    const known = engine.similar({
      seed: { kind: 'track', id: 't1' },
      k,
      filters: { excludeSameArtist: true },
    });
    const artist = tracks[1].artist;
    const others = tracks.filter((t, i) => i !== 1 && t.artist !== artist).length;
    expect(known.results.length).toBe(others);
    for (const r of known.results) expect(r.track.artist).not.toBe(artist);
  });
});

describe('tracks the answering model has not heard', () => {
  // The first 20 tracks have no embedding (the model failed on them, or a model switch has not
  // reached them yet), and the listener compares tracks by the embedding alone.
  const { input } = syntheticCatalog({ tracks: 300, embeddingDim: 24, featureDim: 12, seed: 9 });
  const dE = 24;
  const data = input.embedding?.data.slice() as Float32Array;
  data.fill(0, 0, 20 * dE);
  const engine = SimilarityEngine.build(
    { ...input, embedding: { model: 'm', dim: dE, data } },
    { similarity: { source: 'embedding' } },
  );
  const unheard = new Set(input.tracks.slice(0, 20).map((t) => t.id));

  it('are never suggested in the embedding space', () => {
    for (const id of ['t25', 't140', 't299']) {
      const res = engine.similar({ seed: { kind: 'track', id }, k: 50 });
      expect(res.source).toBe('embedding');
      expect(res.results).toHaveLength(50);
      expect(res.results.filter((r) => unheard.has(r.track.id))).toEqual([]);
      const queue = engine.queue({ seed: { kind: 'track', id }, length: 30 });
      expect(queue.tracks.filter((r) => unheard.has(r.track.id))).toEqual([]);
    }
  });

  it('as a seed, are answered on the audio features, and say so', () => {
    const res = engine.similar({ seed: { kind: 'track', id: 't3' }, k: 10 });
    expect(res.source).toBe('features');
    expect(res.results).toHaveLength(10);
    expect(engine.queue({ seed: { kind: 'track', id: 't3' }, length: 10 }).tracks.length).toBe(10);
    // Among several seeds, the ones with a place in the space score the candidates.
    const mixed = engine.queue({ seed: { kind: 'tracks', ids: ['t3', 't150'] }, length: 10 });
    expect(mixed.tracks.filter((r) => unheard.has(r.track.id))).toEqual([]);
  });

  it('are compared with any track on the features, in explanations and paths too', () => {
    const pair = engine.pairScore(3, 150);
    expect(Number.isFinite(pair.score) && pair.percentile >= 0 && pair.percentile <= 100).toBe(true);
    expect(engine.explain('t3', 't150').summary.length).toBeGreaterThan(0);
    const path = engine.path({ from: 't3', to: 't150', steps: 6 });
    expect(path.tracks[0].track.id).toBe('t3');
    expect(path.tracks[path.tracks.length - 1].track.id).toBe('t150');
    const heardPath = engine.path({ from: 't30', to: 't150', steps: 6 });
    expect(heardPath.tracks.filter((r) => unheard.has(r.track.id))).toEqual([]);
  });

  it('are left out of a clustering of the embedding space', () => {
    const c = engine.clusteringInput('embedding');
    expect(c.tracks).toHaveLength(280);
    expect(c.tracks.some((t) => unheard.has(t.id))).toBe(false);
    expect(c.data.length).toBe(280 * c.dim);
    expect(engine.clusteringInput('features').tracks).toHaveLength(300);
  });
});
