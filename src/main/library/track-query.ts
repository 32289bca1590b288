/**
 * A small query language that picks a subset of the library (for clustering one genre, one
 * artist, one folder or a search):
 *
 *   genre:jazz  artist:"Kevin MacLeod"  album:…  title:…  folder:/music/x  year:1990  year:1990-1999
 *   source:imported | source:audio   and free words (the library search: every word somewhere in
 *   title, artists, album, album artist, genres or path).
 *
 * Terms are separated by spaces and all must hold. A value with spaces is quoted ("…"; a `\"`
 * inside stands for a quote). Text values match like the library's own search and filters: folded
 * (case and accents ignored) substrings (fold.ts). `folder:` is a path prefix on folder
 * boundaries. An unknown `field:` is an error rather than a search for the literal text, so a typo
 * does not silently select nothing.
 */
import { resolve, sep } from 'node:path';
import type { Track } from '../../shared/types';
import { isImported } from '../../shared/imported';
import { fold, searchWords } from './fold';

export const QUERY_FIELDS = ['genre', 'artist', 'album', 'title', 'folder', 'year', 'source'] as const;
export type QueryField = (typeof QUERY_FIELDS)[number];

export interface QueryTerm {
  field: QueryField | 'text';
  value: string;
}

export interface TrackQuery {
  /** The query as given, trimmed (what a stored run records). */
  text: string;
  terms: QueryTerm[];
  matches(track: Track): boolean;
}

export class QuerySyntaxError extends Error {}

/** Splits into terms: `field:value`, `field:"quoted value"`, `"quoted words"` or a bare word. */
export function tokenize(text: string): QueryTerm[] {
  const terms: QueryTerm[] = [];
  let i = 0;
  const readValue = (): string => {
    if (text[i] !== '"') {
      const start = i;
      while (i < text.length && !/\s/.test(text[i])) i++;
      return text.slice(start, i);
    }
    i++;
    let out = '';
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\' && text[i + 1] === '"') i++;
      out += text[i++];
    }
    if (i >= text.length) throw new QuerySyntaxError(`unclosed quote in ${JSON.stringify(text)}`);
    i++;
    return out;
  };
  while (i < text.length) {
    if (/\s/.test(text[i])) {
      i++;
      continue;
    }
    const field = /^([a-z]+):/i.exec(text.slice(i));
    if (field) {
      const name = field[1].toLowerCase();
      if (!(QUERY_FIELDS as readonly string[]).includes(name)) {
        throw new QuerySyntaxError(`unknown query field "${field[1]}:" (known: ${QUERY_FIELDS.join(', ')})`);
      }
      i += field[0].length;
      const value = readValue();
      if (value.trim() === '') throw new QuerySyntaxError(`"${name}:" needs a value`);
      terms.push({ field: name as QueryField, value });
    } else {
      const value = readValue();
      if (value.trim() !== '') terms.push({ field: 'text', value });
    }
  }
  return terms;
}

const artistNames = (t: Track): string[] => [t.artist, t.albumArtist, ...t.artists].filter((a) => a !== '');

function under(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}

function termMatcher(term: QueryTerm): (t: Track) => boolean {
  const needle = fold(term.value.trim());
  switch (term.field) {
    case 'genre':
      return (t) => t.genres.some((g) => fold(g).includes(needle));
    case 'artist':
      return (t) => artistNames(t).some((a) => fold(a).includes(needle));
    case 'album':
      return (t) => fold(t.album).includes(needle);
    case 'title':
      return (t) => fold(t.title).includes(needle);
    case 'folder': {
      const folder = resolve(term.value);
      return (t) => !isImported(t) && under(t.path, folder);
    }
    case 'year': {
      const m = /^(\d{1,4})(?:\s*(?:-|\.\.)\s*(\d{1,4}))?$/.exec(term.value.trim());
      if (!m) throw new QuerySyntaxError(`year: takes a year or a range like 1990-1999, not "${term.value}"`);
      const from = Number(m[1]);
      const to = m[2] === undefined ? from : Number(m[2]);
      return (t) => t.year !== null && t.year >= Math.min(from, to) && t.year <= Math.max(from, to);
    }
    case 'source': {
      if (needle !== 'imported' && needle !== 'audio')
        throw new QuerySyntaxError(`source: is "imported" or "audio", not "${term.value}"`);
      return needle === 'imported' ? (t) => isImported(t) : (t) => !isImported(t);
    }
    case 'text': {
      const words = searchWords(term.value);
      return (t) => {
        const s = fold(
          [t.title, t.artist, ...t.artists, t.album, t.albumArtist, ...t.genres, t.path].join('\u0000'),
        );
        return words.every((w) => s.includes(w));
      };
    }
  }
}

/** Parses a query; throws QuerySyntaxError with a message fit for the user. */
export function parseTrackQuery(text: string): TrackQuery {
  const terms = tokenize(text);
  const matchers = terms.map(termMatcher);
  return {
    text: text.trim(),
    terms,
    matches: (track) => matchers.every((m) => m(track)),
  };
}
