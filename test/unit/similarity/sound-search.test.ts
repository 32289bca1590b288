import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMusicTag, tagKind } from '../../../src/main/analysis/models/tag-kinds';
import { builtinModels, builtinTagInfo } from '../../../src/main/analysis/models/manager';
import { findBySound, parseSoundQuery, rankBySound } from '../../../src/main/similarity/sound-search';
import { projectRoot } from '../../../src/main/project-root';
import { makeTrack } from '../../helpers/synthetic';

const audioset = readFileSync(join(projectRoot(), 'resources', 'efficientat', 'labels.txt'), 'utf8')
  .split('\n')
  .filter(Boolean);
const msd = builtinTagInfo('msd')!.tags;
const labelsOf = (q: string, vocab: string[]) =>
  parseSoundQuery(q, vocab).terms.map((t) => [t.text, t.labels.map((l) => vocab[l])]);

describe('music tag kinds', () => {
  it('marks genres, moods and instruments, and never Music or Speech as a chip', () => {
    expect(audioset).toHaveLength(527);
    expect(tagKind('Heavy metal')).toBe('genre');
    expect(tagKind('Sad music')).toBe('mood');
    expect(tagKind('Piano')).toBe('instrument');
    expect(isMusicTag('Music', audioset)).toBe(false);
    expect(isMusicTag('Speech', audioset)).toBe(false);
    expect(isMusicTag('Dog', audioset)).toBe(false);
    expect(isMusicTag('Piano', audioset)).toBe(true);
    // Every MusiCNN tag is classified; decades are music but not chips.
    for (const m of builtinModels().filter((x) => x.kind === 'musicnn-mel'))
      for (const t of m.tags) expect(tagKind(t), t).not.toBeNull();
    expect(isMusicTag('80s', msd)).toBe(false);
    expect(isMusicTag('rock', msd)).toBe(true);
    // A vocabulary nothing here knows keeps its tags.
    expect(isMusicTag('warm', ['warm', 'cold'])).toBe(true);
  });
});

describe('parseSoundQuery', () => {
  it('reads words and phrases against the AudioSet labels', () => {
    expect(labelsOf('sad piano', audioset)).toEqual([
      ['sad', ['Sad music']],
      ['piano', ['Piano']],
    ]);
    expect(labelsOf('heavy metal', audioset)).toEqual([['heavy metal', ['Heavy metal']]]);
    expect(labelsOf('Happy', audioset)).toEqual([['happy', ['Happy music']]]);
    expect(labelsOf('violin', audioset)).toEqual([['violin', ['Violin, fiddle']]]);
    // A word without a label goes through the synonym map.
    expect(labelsOf('calm', audioset)[0][1]).toContain('Tender music');
  });

  it('reports unknown words and lists ignored ones; never matches labels that are not music', () => {
    const p = parseSoundQuery('sad xyzzy and speech piano', audioset);
    expect(p.terms.map((t) => t.text)).toEqual(['sad', 'piano']);
    expect(p.unknown).toEqual(['xyzzy', 'speech']);
    expect(p.ignored).toEqual(['and']);
    expect(parseSoundQuery('music', audioset).terms).toEqual([]);
  });

  it('works on MusiCNN tags too', () => {
    expect(labelsOf('sad heavy metal', msd)).toEqual([
      ['sad', ['sad']],
      ['heavy metal', ['heavy metal']],
    ]);
    expect(labelsOf('happy guitar', msd)).toEqual([
      ['happy', ['happy']],
      ['guitar', ['guitar']],
    ]);
  });
});

describe('rankBySound', () => {
  it('ranks by the geometric mean of the terms: both words must be there', () => {
    const vocab = ['Sad music', 'Piano', 'Speech'];
    // rows: sad+piano, piano only, sad only, a silent row (excluded)
    const p = Float32Array.from([0.8, 0.7, 0, 0.01, 0.95, 0, 0.9, 0.02, 0, 0.99, 0.99, 0]);
    const terms = parseSoundQuery('sad piano', vocab).terms;
    const hits = rankBySound(terms, p, 3, 10, (r) => r !== 3);
    expect(hits.map((h) => h.row)).toEqual([0, 2, 1]);
    expect(hits[0].score).toBeCloseTo(Math.sqrt(0.8 * 0.7), 5);
    expect(hits[0].matched).toEqual([
      { label: 0, probability: expect.closeTo(0.8, 5) },
      { label: 1, probability: expect.closeTo(0.7, 5) },
    ]);
    const tracks = [0, 1, 2, 3].map((i) => makeTrack(`t${i}`));
    const found = findBySound(
      { tracks, tags: { model: 'x', names: vocab, data: p }, excluded: (r) => r === 3 },
      'sad piano please',
      2,
    );
    expect(found.results.map((r) => r.track.id)).toEqual(['t0', 't2']);
    expect(found.unknown).toEqual(['please']);
    expect(found.terms).toEqual([
      { text: 'sad', labels: ['Sad music'] },
      { text: 'piano', labels: ['Piano'] },
    ]);
    expect(findBySound({ tracks, tags: null }, 'sad', 5)).toMatchObject({ results: [], model: null });
  });
});
