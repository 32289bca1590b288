/**
 * Search by sound: "sad piano", "heavy metal", "happy" rank the library by the listening model's
 * own label probabilities for the labels the words name.
 *
 * A query is read word by word, longest phrase first (up to three words), against the model's
 * vocabulary: a label matches under its own name, each of its comma-separated alternatives
 * ("Violin, fiddle"), and without a trailing "music" ("Sad music" answers "sad"). A word with no
 * label of its own goes through a small synonym map (calm → tender, mellow, soft…). Function words
 * ("and", "with") are ignored and listed; any other word nothing matches is reported as unknown,
 * never dropped silently. Labels that are not music (Speech, Dog…) are never matched.
 *
 * A track's score is the geometric mean over the query's terms of its best probability among each
 * term's labels: "sad piano" wants both, so one strong and one absent term scores low.
 */
import type { SoundSearchResult, Track } from '../../shared/types';
import { tagKind } from '../analysis/models/tag-kinds';

/** One matched part of a query. */
export interface SoundTerm {
  /** The words of the query it covers. */
  text: string;
  /** The vocabulary indices it matched. */
  labels: number[];
}

export interface ParsedSoundQuery {
  terms: SoundTerm[];
  /** Words nothing in the vocabulary (or the synonym map) matched. */
  unknown: string[];
  /** Function words left out on purpose. */
  ignored: string[];
}

const IGNORED = new Set([
  'a',
  'an',
  'and',
  'the',
  'with',
  'of',
  'some',
  'something',
  'music',
  'songs',
  'song',
  'tracks',
  'track',
  'sounding',
  'sound',
  'sounds',
  'like',
  'very',
  'bit',
  'kind',
  'style',
  'in',
  'or',
  'for',
]);

/**
 * Words the vocabularies lack, mapped to words they have (each looked up like a query word).
 * Kept small on purpose: where a word has a label it is used as is.
 */
export const SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  calm: ['tender', 'mellow', 'soft', 'chill', 'quiet'],
  relaxing: ['tender', 'mellow', 'chillout', 'easy listening', 'quiet'],
  peaceful: ['tender', 'mellow', 'quiet', 'ambient'],
  gentle: ['tender', 'soft', 'mellow'],
  melancholic: ['sad'],
  melancholy: ['sad'],
  gloomy: ['sad'],
  joyful: ['happy'],
  cheerful: ['happy'],
  upbeat: ['happy', 'exciting'],
  energetic: ['exciting', 'fast'],
  aggressive: ['angry'],
  dark: ['scary'],
  spooky: ['scary'],
  creepy: ['scary'],
  orchestral: ['orchestra', 'classical'],
  symphonic: ['orchestra', 'classical'],
  chiptune: ['video game'],
  videogame: ['video game'],
  game: ['video game'],
  rap: ['hip hop', 'hip-hop'],
  hiphop: ['hip hop', 'hip-hop'],
  edm: ['electronic dance', 'electronic', 'dance'],
  synths: ['synthesizer', 'synth'],
  synthesizers: ['synthesizer', 'synth'],
  guitars: ['guitar'],
  drum: ['drum kit', 'drums'],
  drums: ['drum kit', 'drums'],
  strings: ['string section', 'strings'],
  vocals: ['singing', 'vocal'],
  singer: ['singing', 'vocal'],
  choral: ['choir'],
  rnb: ['rhythm and blues', 'rnb'],
  metal: ['heavy metal', 'metal'],
};

/** Lower case, letters and digits only, words separated by one space. */
function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/\([^)]*\)/g, ' ')
    .replace(/[^\p{L}\p{N}&]+/gu, ' ')
    .trim();
}

/** Every name a label answers to. */
function labelKeys(label: string): string[] {
  const keys = new Set<string>();
  for (const part of [label, ...label.split(',')]) {
    const key = normalise(part);
    if (!key) continue;
    keys.add(key);
    if (key.endsWith(' music') && key.length > 6) keys.add(key.slice(0, -6));
    keys.add(key.replace(/-/g, ' '));
  }
  return [...keys];
}

/**
 * Which labels of a vocabulary a search may match: music labels when the vocabulary is a known
 * one (never Speech, Dog…), all of them when nothing says which are music.
 */
function searchable(vocabulary: readonly string[]): boolean[] {
  const known = vocabulary.map((n) => tagKind(n));
  const anyKnown = known.some((k) => k !== null);
  return known.map((k) => (anyKnown ? k !== null : true));
}

/** name key → label indices, for one vocabulary. */
function index(vocabulary: readonly string[]): Map<string, number[]> {
  const usable = searchable(vocabulary);
  const out = new Map<string, number[]>();
  vocabulary.forEach((label, i) => {
    if (!usable[i]) return;
    for (const key of labelKeys(label)) {
      const list = out.get(key) ?? [];
      if (!list.includes(i)) list.push(i);
      out.set(key, list);
    }
  });
  return out;
}

const MAX_PHRASE = 3;

/** Reads a query against a model's vocabulary (see the module comment). */
export function parseSoundQuery(query: string, vocabulary: readonly string[]): ParsedSoundQuery {
  const keys = index(vocabulary);
  const lookup = (phrase: string): number[] => {
    const direct = keys.get(phrase) ?? keys.get(phrase.replace(/s$/, '')) ?? [];
    if (direct.length > 0) return direct;
    const viaSynonym = new Set<number>();
    for (const word of SYNONYMS[phrase.replace(/ /g, '')] ?? SYNONYMS[phrase] ?? []) {
      for (const i of keys.get(normalise(word)) ?? []) viaSynonym.add(i);
    }
    return [...viaSynonym];
  };
  const words = normalise(query).split(' ').filter(Boolean);
  const terms: SoundTerm[] = [];
  const unknown: string[] = [];
  const ignored: string[] = [];
  let w = 0;
  while (w < words.length) {
    let matched = false;
    for (let len = Math.min(MAX_PHRASE, words.length - w); len >= 1; len--) {
      const phrase = words.slice(w, w + len).join(' ');
      // A lone function word is not a label even when a vocabulary has it ("Music").
      if (len === 1 && IGNORED.has(phrase)) break;
      const labels = lookup(phrase);
      if (labels.length > 0) {
        terms.push({ text: phrase, labels });
        w += len;
        matched = true;
        break;
      }
    }
    if (matched) continue;
    (IGNORED.has(words[w]) ? ignored : unknown).push(words[w]);
    w++;
  }
  return { terms, unknown, ignored };
}

export interface SoundHit {
  /** Row in the tag matrix. */
  row: number;
  /** Geometric mean over terms of the best matching probability, in [0, 1]. */
  score: number;
  /** Per term, the best-matching label and its probability. */
  matched: { label: number; probability: number }[];
}

/**
 * Ranks rows of an n × T probability matrix for the parsed terms, best first (ties by row), the
 * rows `accept` refuses left out.
 */
export function rankBySound(
  terms: readonly SoundTerm[],
  probabilities: Float32Array,
  labelCount: number,
  limit: number,
  accept: (row: number) => boolean = () => true,
): SoundHit[] {
  if (terms.length === 0 || labelCount === 0) return [];
  const n = Math.floor(probabilities.length / labelCount);
  const hits: SoundHit[] = [];
  for (let r = 0; r < n; r++) {
    if (!accept(r)) continue;
    const o = r * labelCount;
    let logSum = 0;
    const matched: SoundHit['matched'] = [];
    for (const term of terms) {
      let best = -1;
      let p = 0;
      for (const l of term.labels) {
        const v = probabilities[o + l];
        if (v > p || best < 0) {
          p = v;
          best = l;
        }
      }
      matched.push({ label: best, probability: p });
      logSum += Math.log(Math.max(p, 1e-9));
    }
    hits.push({ row: r, score: Math.exp(logSum / terms.length), matched });
  }
  hits.sort((a, b) => b.score - a.score || a.row - b.row);
  return hits.slice(0, limit);
}

/** What a search needs of the library: its tracks and the answering model's label probabilities. */
export interface SoundLibrary {
  tracks: readonly Track[];
  tags: { model: string; names: string[]; data: Float32Array } | null;
  /** Rows never offered (digital silence). */
  excluded?: (row: number) => boolean;
}

/** Answers `sound.find` over a library's label probabilities. */
export function findBySound(library: SoundLibrary, query: string, limit = 50): SoundSearchResult {
  const t0 = performance.now();
  const tags = library.tags;
  const names = tags?.names ?? [];
  const parsed = parseSoundQuery(query, names);
  const excluded = library.excluded;
  const hits = tags
    ? rankBySound(parsed.terms, tags.data, names.length, limit, excluded ? (r) => !excluded(r) : undefined)
    : [];
  return {
    query,
    model: tags?.model ?? null,
    terms: parsed.terms.map((t) => ({ text: t.text, labels: t.labels.map((l) => names[l]) })),
    unknown: parsed.unknown,
    ignored: parsed.ignored,
    results: hits.map((h) => ({
      track: library.tracks[h.row],
      score: h.score,
      matched: h.matched.map((m) => ({ tag: names[m.label] ?? '', score: m.probability })),
    })),
    ...(tags
      ? {}
      : {
          note: 'No label probabilities to search: the model answering has no labels (or none is analysed yet).',
        }),
    tookMs: performance.now() - t0,
  };
}
