/**
 * The play queue as plain data and pure transitions: no React, no DOM, no I/O, so every rule
 * (where "play next" inserts, what a move does to the playing index, when radio tops up and from
 * which seed) is unit-tested on its own. The provider in `player.tsx` holds one `QueueState` and
 * only ever replaces it with what these functions return.
 */
import type { Track, TrackId } from '../../../shared/types';

/** Why an entry is in the queue: "Why this track?" explains it against `seedId`. */
export type Origin =
  | { kind: 'user' }
  | { kind: 'similar' | 'radio' | 'path'; seedId: TrackId; seedTitle: string; score?: number };

export interface QueueEntry {
  /** Unique within the queue (the same track may be queued twice): drag, selection and React keys. */
  key: string;
  track: Track;
  origin: Origin;
}

export interface QueueState {
  entries: QueueEntry[];
  /** The playing entry, -1 when none. */
  index: number;
  /** Bumped whenever the current entry must (re)start from the top. */
  nonce: number;
  /** Next number for `key`. */
  serial: number;
  radio: boolean;
  /** The track radio was started from; it seeds every top-up until radio is started again. */
  radioSeed: Track | null;
  /** Played track ids, oldest first (earlier sessions included). */
  history: TrackId[];
  /** Tracks skipped with Next before SKIP_SECONDS. */
  skipped: TrackId[];
}

export const SKIP_SECONDS = 30;
/** Radio asks for more when fewer than this many entries are upcoming. */
export const RADIO_LOW_WATER = 3;
export const RADIO_BATCH = 10;
const LIST_LIMIT = 5000;

export const userOrigin: Origin = { kind: 'user' };

export function emptyQueue(history: TrackId[] = []): QueueState {
  return { entries: [], index: -1, nonce: 0, serial: 1, radio: false, radioSeed: null, history, skipped: [] };
}

export function currentEntry(s: QueueState): QueueEntry | null {
  return s.index >= 0 ? (s.entries[s.index] ?? null) : null;
}

export function upcomingCount(s: QueueState): number {
  return s.index < 0 ? s.entries.length : s.entries.length - s.index - 1;
}

function pushId(list: TrackId[], id: TrackId): TrackId[] {
  const next = list[list.length - 1] === id ? list : [...list, id];
  return next.length > LIST_LIMIT ? next.slice(-LIST_LIMIT) : next;
}

/** New entries for `tracks`, keyed from the state's serial. */
function makeEntries(s: QueueState, tracks: Track[], origin: Origin | ((t: Track) => Origin)) {
  const entries = tracks.map((track, i) => ({
    key: `q${s.serial + i}`,
    track,
    origin: typeof origin === 'function' ? origin(track) : origin,
  }));
  return { entries, serial: s.serial + tracks.length };
}

/** Makes `index` the playing entry, from the top, and records it as played. */
function startAt(s: QueueState, index: number): QueueState {
  const entry = s.entries[index];
  if (!entry) return s;
  return { ...s, index, nonce: s.nonce + 1, history: pushId(s.history, entry.track.id) };
}

/**
 * Replaces the queue with `tracks` and plays the one at `start`. With radio on, the played track
 * becomes the radio seed (the user chose new music).
 */
export function playNow(
  s: QueueState,
  tracks: Track[],
  start = 0,
  origin: Origin | ((t: Track) => Origin) = userOrigin,
): QueueState {
  if (tracks.length === 0) return s;
  const index = Math.min(Math.max(0, start), tracks.length - 1);
  const made = makeEntries(s, tracks, origin);
  const next = startAt({ ...s, entries: made.entries, serial: made.serial }, index);
  return s.radio ? { ...next, radioSeed: tracks[index] } : next;
}

/** Inserts `tracks` right after the playing entry (at the top when nothing plays). */
export function playNext(s: QueueState, tracks: Track[], origin: Origin = userOrigin): QueueState {
  if (tracks.length === 0) return s;
  const made = makeEntries(s, tracks, origin);
  const at = s.index + 1;
  return {
    ...s,
    entries: [...s.entries.slice(0, at), ...made.entries, ...s.entries.slice(at)],
    serial: made.serial,
  };
}

/** Appends `tracks` at the end. `skipQueued` leaves out tracks still upcoming (top-ups). */
export function add(
  s: QueueState,
  tracks: Track[],
  origin: Origin | ((t: Track) => Origin) = userOrigin,
  skipQueued = false,
): QueueState {
  const upcoming = new Set(s.entries.slice(Math.max(0, s.index)).map((e) => e.track.id));
  const fresh = skipQueued ? tracks.filter((t) => !upcoming.has(t.id)) : tracks;
  if (fresh.length === 0) return s;
  const made = makeEntries(s, fresh, origin);
  return { ...s, entries: [...s.entries, ...made.entries], serial: made.serial };
}

/** Replaces everything after the playing entry with `tracks` (a song path, a new similar queue). */
export function replaceUpcoming(
  s: QueueState,
  tracks: Track[],
  origin: Origin | ((t: Track) => Origin),
): QueueState {
  const made = makeEntries(s, tracks, origin);
  return { ...s, entries: [...s.entries.slice(0, s.index + 1), ...made.entries], serial: made.serial };
}

/** Removes the entries with these keys; the playing entry is never removed (skip it instead). */
export function remove(s: QueueState, keys: Iterable<string>): QueueState {
  const drop = new Set(keys);
  const playing = currentEntry(s);
  if (playing) drop.delete(playing.key);
  if (drop.size === 0) return s;
  const entries = s.entries.filter((e) => !drop.has(e.key));
  if (entries.length === s.entries.length) return s;
  return { ...s, entries, index: playing ? entries.indexOf(playing) : -1 };
}

/**
 * Moves the entries with these keys (kept in their queue order) so that they stand before the
 * entry that was at `before` (entries.length = to the end). The playing entry keeps playing
 * wherever it lands.
 */
export function move(s: QueueState, keys: Iterable<string>, before: number): QueueState {
  const moving = new Set(keys);
  const picked = s.entries.filter((e) => moving.has(e.key));
  if (picked.length === 0) return s;
  const target = Math.min(Math.max(0, before), s.entries.length);
  // Where the insertion point lands once the moved entries are taken out.
  let at = 0;
  for (let i = 0; i < target; i++) if (!moving.has(s.entries[i].key)) at++;
  const rest = s.entries.filter((e) => !moving.has(e.key));
  const entries = [...rest.slice(0, at), ...picked, ...rest.slice(at)];
  if (entries.every((e, i) => e === s.entries[i])) return s;
  const playing = currentEntry(s);
  return { ...s, entries, index: playing ? entries.indexOf(playing) : s.index };
}

/** Plays the entry at `index` from the top. */
export function jump(s: QueueState, index: number): QueueState {
  return startAt(s, index);
}

/**
 * Goes to the next entry. `skippedAt` is the playing position when the user pressed Next (not set
 * when a track ended): before SKIP_SECONDS it counts as a skip that radio steers away from.
 * At the end of the queue nothing moves.
 */
export function next(s: QueueState, skippedAt?: number): QueueState {
  const cur = currentEntry(s);
  if (!cur) return s.entries.length > 0 && s.index < 0 ? startAt(s, 0) : s;
  const skipped =
    skippedAt !== undefined && skippedAt < SKIP_SECONDS ? pushId(s.skipped, cur.track.id) : s.skipped;
  const moved = s.index + 1 < s.entries.length ? startAt(s, s.index + 1) : s;
  return skipped === s.skipped ? moved : { ...moved, skipped };
}

/** Previous: after 3 s, the same track from the top; else the entry before (or the top again). */
export function previous(s: QueueState, position: number): QueueState {
  if (position > 3 || s.index <= 0) return s.index >= 0 ? { ...s, nonce: s.nonce + 1 } : s;
  return startAt(s, s.index - 1);
}

/** Drops everything after the playing entry. */
export function clearUpcoming(s: QueueState): QueueState {
  if (upcomingCount(s) === 0) return s;
  return { ...s, entries: s.entries.slice(0, s.index + 1) };
}

/**
 * Radio on or off. Turning it on seeds it from the playing track — never from a seed left over
 * from an earlier "play similar" or radio session.
 */
export function setRadio(s: QueueState, on: boolean): QueueState {
  if (!on) return { ...s, radio: false };
  return { ...s, radio: true, radioSeed: currentEntry(s)?.track ?? s.entries[0]?.track ?? null };
}

/** Plays `track` now and starts a radio seeded by it (the queue is replaced). */
export function startRadio(s: QueueState, track: Track): QueueState {
  return { ...playNow({ ...s, radio: true }, [track]), radioSeed: track };
}

export interface RadioRequest {
  seedId: TrackId;
  history: TrackId[];
  skipped: TrackId[];
  count: number;
}

/** What to ask similar.radio for, or null when radio needs nothing now. */
export function radioNeed(s: QueueState): RadioRequest | null {
  if (!s.radio || s.index < 0 || upcomingCount(s) >= RADIO_LOW_WATER) return null;
  const seed = s.radioSeed ?? currentEntry(s)?.track;
  if (!seed) return null;
  const history = [...new Set([...s.history, ...s.entries.map((e) => e.track.id)])].slice(-10000);
  return { seedId: seed.id, history, skipped: s.skipped.slice(-10000), count: RADIO_BATCH };
}

/**
 * Adds radio's answer for `request` unless the radio it was asked for is gone (turned off, or
 * restarted from another seed while the request ran). Tracks still upcoming are not added twice.
 */
export function addRadio(
  s: QueueState,
  request: RadioRequest,
  tracks: { track: Track; score?: number }[],
): QueueState {
  const seed = s.radioSeed ?? currentEntry(s)?.track;
  if (!s.radio || !seed || seed.id !== request.seedId) return s;
  const scores = new Map(tracks.map((t) => [t.track.id, t.score]));
  return add(
    s,
    tracks.map((t) => t.track),
    (t) => ({ kind: 'radio', seedId: seed.id, seedTitle: seed.title || seed.path, score: scores.get(t.id) }),
    true,
  );
}

/** The similar-queue origin for tracks chosen from `seed`. */
export function similarOrigin(
  seed: Track,
  scores: Map<TrackId, number>,
  kind: 'similar' | 'path' = 'similar',
) {
  return (t: Track): Origin => ({
    kind,
    seedId: seed.id,
    seedTitle: seed.title || seed.path,
    score: scores.get(t.id),
  });
}

/** Keeps `position` inside the queue after removals (for restored state). */
export function clampIndex(s: QueueState): QueueState {
  if (s.entries.length === 0) return { ...s, index: -1 };
  if (s.index >= s.entries.length) return { ...s, index: s.entries.length - 1 };
  return s;
}

/**
 * "Play similar" from `seed`: when it is already playing, its similar tracks replace what is
 * upcoming; otherwise the queue becomes the seed then its similar tracks. A radio that is on
 * follows the new seed.
 */
export function playWithSimilar(
  s: QueueState,
  seed: Track,
  similar: { track: Track; score?: number }[],
): QueueState {
  const scores = new Map<TrackId, number>();
  for (const t of similar) if (t.score !== undefined) scores.set(t.track.id, t.score);
  const origin = similarOrigin(seed, scores);
  const upcoming = similar.map((t) => t.track).filter((t) => t.id !== seed.id);
  const cur = currentEntry(s);
  if (cur && cur.track.id === seed.id) {
    const replaced = replaceUpcoming(s, upcoming, origin);
    return s.radio ? { ...replaced, radioSeed: seed } : replaced;
  }
  return playNow(s, [seed, ...upcoming], 0, (t) => (t.id === seed.id ? userOrigin : origin(t)));
}
