/**
 * The queue, the playing entry and its position survive a reload and a restart: they are kept in
 * the renderer's storage (localStorage in the browser and in Electron) and read back with every
 * field checked, so a damaged or older record restores what it can and never breaks the start.
 */
import type { Track } from '../../../shared/types';
import type { Origin, QueueEntry, QueueState } from './queue';
import { clampIndex, emptyQueue } from './queue';

/** The part of `Storage` used here (tests pass a Map-backed one). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export const QUEUE_KEY = 'timbre.queue';
export const HISTORY_KEY = 'timbre.history';
export const VOLUME_KEY = 'timbre.volume';
/** More than this many entries are not kept (a 20k-track "play all" is not worth the storage). */
const MAX_SAVED = 2000;

export interface SavedPlayer {
  queue: QueueState;
  /** Where the playing entry was, seconds. */
  position: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isString = (v: unknown): v is string => typeof v === 'string';

function isTrack(v: unknown): v is Track {
  return (
    isObject(v) &&
    isString(v.id) &&
    isString(v.path) &&
    isString(v.title) &&
    isString(v.artist) &&
    isString(v.album) &&
    typeof v.duration === 'number' &&
    Array.isArray(v.genres) &&
    Array.isArray(v.artists)
  );
}

function readOrigin(v: unknown): Origin {
  if (!isObject(v) || !isString(v.seedId) || !isString(v.seedTitle)) return { kind: 'user' };
  if (v.kind !== 'similar' && v.kind !== 'radio' && v.kind !== 'path') return { kind: 'user' };
  const score = typeof v.score === 'number' ? v.score : undefined;
  return { kind: v.kind, seedId: v.seedId, seedTitle: v.seedTitle, score };
}

function readIds(v: unknown, limit: number): string[] {
  return Array.isArray(v) ? v.filter(isString).slice(-limit) : [];
}

function parse(store: KeyValueStore, key: string): unknown {
  try {
    return JSON.parse(store.getItem(key) ?? 'null');
  } catch {
    return null;
  }
}

/** What was saved, or an empty queue (with the saved history) when nothing usable was. */
export function loadPlayer(store: KeyValueStore): SavedPlayer {
  const history = readIds(parse(store, HISTORY_KEY), 500);
  const saved = parse(store, QUEUE_KEY);
  const empty = { queue: emptyQueue(history), position: 0 };
  if (!isObject(saved) || !Array.isArray(saved.entries)) return empty;
  const entries: QueueEntry[] = [];
  let serial = 1;
  let index = typeof saved.index === 'number' && Number.isInteger(saved.index) ? saved.index : -1;
  saved.entries.forEach((raw: unknown, i: number) => {
    if (!isObject(raw) || !isTrack(raw.track)) {
      if (i < index) index--;
      else if (i === index) index = -1;
      return;
    }
    entries.push({ key: `q${serial++}`, track: raw.track, origin: readOrigin(raw.origin) });
  });
  if (entries.length === 0) return empty;
  const radioSeed = isTrack(saved.radioSeed) ? saved.radioSeed : null;
  const queue = clampIndex({
    ...emptyQueue(history),
    entries,
    index,
    serial,
    radio: saved.radio === true && radioSeed !== null,
    radioSeed,
    skipped: readIds(saved.skipped, 5000),
  });
  const position = typeof saved.position === 'number' && saved.position > 0 ? saved.position : 0;
  return { queue, position: queue.index >= 0 ? position : 0 };
}

/** Saves the queue and the position in the playing entry. */
export function saveQueue(store: KeyValueStore, queue: QueueState, position: number): void {
  // Keep the playing entry inside what is saved when the queue is longer than the limit.
  const from =
    queue.entries.length > MAX_SAVED
      ? Math.max(0, Math.min(queue.index, queue.entries.length - MAX_SAVED))
      : 0;
  const entries = queue.entries
    .slice(from, from + MAX_SAVED)
    .map((e) => ({ track: e.track, origin: e.origin }));
  const record = {
    entries,
    index: queue.index >= 0 ? queue.index - from : -1,
    radio: queue.radio,
    radioSeed: queue.radioSeed,
    skipped: queue.skipped.slice(-5000),
    position: Math.round(position * 10) / 10,
  };
  try {
    store.setItem(QUEUE_KEY, JSON.stringify(record));
  } catch {
    // Storage full or refused: the queue simply does not survive a reload.
  }
}

export function saveHistory(store: KeyValueStore, history: string[]): void {
  try {
    store.setItem(HISTORY_KEY, JSON.stringify(history.slice(-500)));
  } catch {
    // as above
  }
}

export function loadVolume(store: KeyValueStore): number {
  const raw = store.getItem(VOLUME_KEY);
  const saved = Number(raw);
  return raw !== null && Number.isFinite(saved) && saved >= 0 && saved <= 1 ? saved : 0.8;
}

export function saveVolume(store: KeyValueStore, volume: number): void {
  try {
    store.setItem(VOLUME_KEY, String(volume));
  } catch {
    // as above
  }
}
