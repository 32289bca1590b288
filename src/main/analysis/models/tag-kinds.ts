/**
 * What each tag (label) a listening model outputs is, for a listener: a genre, a mood, an
 * instrument, a vocal quality, an era, some other music label ("Music", "Soundtrack music"), or,
 * when a vocabulary lists it nowhere, not music at all ("Speech", "Dog", "Engine").
 *
 * Read from two files in `resources/`: the AudioSet music labels (EfficientAT, marked by the model
 * folder's `music-labels.tsv`) and MusiCNN's MSD and MagnaTagATune tags (`musicnn-tag-kinds.tsv`).
 * Keyed by the tag's name (case-insensitive), so any model whose tags come from one of these
 * vocabularies is covered whatever its id; a model with a vocabulary of its own (none of its names
 * known) keeps all its tags, since nothing says which are not music.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../project-root';

export type TagKind = 'genre' | 'mood' | 'instrument' | 'vocal' | 'era' | 'other-music';

/** The kinds a track's chips, listings and explanations show. */
export const SHOWN_KINDS: ReadonlySet<TagKind> = new Set<TagKind>(['genre', 'mood', 'instrument', 'vocal']);

const KINDS: ReadonlySet<string> = new Set<TagKind>([
  'genre',
  'mood',
  'instrument',
  'vocal',
  'era',
  'other-music',
]);

/** The files, relative to the project root, and the columns holding name and kind. */
const SOURCES = [
  { file: 'resources/efficientat/music-labels.tsv', name: 'name', kind: 'kind' },
  { file: 'resources/musicnn-tag-kinds.tsv', name: 'name', kind: 'kind' },
];

let table: Map<string, TagKind> | null = null;

/**
 * A tab-separated table with a header row: the header's cells and every other non-blank line's
 * cells. The one reader of the label tables here and of a model's music tags (model-specs.ts).
 */
export function readTsvTable(text: string): { header: string[]; rows: string[][] } {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) return { header: [], rows: [] };
  return { header: lines[0].split('\t'), rows: lines.slice(1).map((l) => l.split('\t')) };
}

/** Parses a tab-separated file with a header row into name → kind (rows with unknown kinds skipped). */
export function parseTagKinds(text: string, nameColumn = 'name', kindColumn = 'kind'): Map<string, TagKind> {
  const out = new Map<string, TagKind>();
  const { header, rows } = readTsvTable(text);
  const n = header.indexOf(nameColumn);
  const k = header.indexOf(kindColumn);
  if (n < 0 || k < 0) return out;
  for (const cells of rows) {
    const name = cells[n]?.trim().toLowerCase();
    const kind = cells[k]?.trim();
    if (name && kind && KINDS.has(kind) && !out.has(name)) out.set(name, kind as TagKind);
  }
  return out;
}

function kinds(): Map<string, TagKind> {
  if (table) return table;
  const out = new Map<string, TagKind>();
  let root: string | null;
  try {
    root = projectRoot();
  } catch {
    // A packaged layout without the project folder: no kinds known, every tag shown.
    root = null;
  }
  for (const source of SOURCES) {
    const path = root ? join(root, source.file) : null;
    if (!path || !existsSync(path)) continue;
    for (const [name, kind] of parseTagKinds(readFileSync(path, 'utf8'), source.name, source.kind)) {
      if (!out.has(name)) out.set(name, kind);
    }
  }
  table = out;
  return out;
}

/** The kind of a tag, or null when no known vocabulary lists it as music. */
export function tagKind(name: string): TagKind | null {
  return kinds().get(name.trim().toLowerCase()) ?? null;
}

const vocabularyKnown = new WeakMap<readonly string[], boolean>();

/** Whether any name of a model's vocabulary is known here (then the others are not music). */
function isKnownVocabulary(names: readonly string[]): boolean {
  let known = vocabularyKnown.get(names);
  if (known === undefined) {
    known = names.some((n) => tagKind(n) !== null);
    vocabularyKnown.set(names, known);
  }
  return known;
}

/**
 * Whether a tag belongs in what a listener sees (a genre, mood, instrument or vocal quality),
 * given the model's whole vocabulary.
 */
export function isMusicTag(name: string, vocabulary: readonly string[]): boolean {
  const kind = tagKind(name);
  if (kind) return SHOWN_KINDS.has(kind);
  return !isKnownVocabulary(vocabulary);
}
