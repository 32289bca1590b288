/**
 * Playback for the whole app: one provider joining the pieces in ./playback — the queue state and
 * its pure transitions (queue.ts), the audio element behind a class (audio-engine.ts), the clock in
 * its own store (progress.ts: only the seek bar re-renders on it), what survives a reload
 * (persistence.ts) and the system media controls (media-session.ts). This file only wires them to
 * the contract: similar queues, radio top-ups, song paths, and asking the server why a track failed.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import type { Seed, SimilaritySource, Track, TrackId } from '../../shared/types';
import { IMPORTED_NO_AUDIO, isImported } from '../../shared/imported';
import { client, errorMessage } from './api/client';
import { absoluteCoverUrl } from './covers';
import { useApp, useEvent } from './hooks';
import { AudioEngine } from './playback/audio-engine';
import type { SourceMode } from './playback/audio-engine';
import { continuesAlbum } from './playback/continuity';
import { describeFailure } from './playback/failure';
import * as session from './playback/media-session';
import { loadPlayer, loadVolume, saveHistory, saveQueue, saveVolume } from './playback/persistence';
import { progressStore } from './playback/progress';
import * as Q from './playback/queue';
import type { QueueEntry, QueueState } from './playback/queue';

export { SKIP_SECONDS } from './playback/queue';
export { usePlayerProgress } from './playback/progress';

const SIMILAR_QUEUE_LENGTH = 30;
/** Tracks played this recently are held back from new "play similar" queues. */
const HOLD_BACK = 100;
/** The position is saved at most this often while playing (and always on leaving the page). */
const SAVE_POSITION_MS = 3000;
const SEEK_STEP = 5;

export interface PlayerApi {
  /** The queue with each entry's key and why it is there. */
  entries: QueueEntry[];
  queue: Track[];
  index: number;
  current: Track | null;
  currentEntry: QueueEntry | null;
  playing: boolean;
  volume: number;
  radio: boolean;
  radioSeed: Track | null;
  radioLoading: boolean;
  similarLoading: boolean;
  /** Tracks that failed to play in this session, with the reason in words. */
  unplayable: ReadonlyMap<TrackId, string>;
  playQueue(tracks: Track[], start?: number): void;
  playNext(tracks: Track[]): void;
  addToQueue(tracks: Track[]): void;
  /** Plays `track`, then a queue of tracks that sound like it. */
  playSimilar(track: Track, options?: { source?: SimilaritySource }): Promise<void>;
  /** Appends tracks that sound like `track` (the queue keeps playing). */
  addSimilar(track: Track): Promise<void>;
  /** Plays `track` and a radio seeded by it. */
  startRadio(track: Track): void;
  /** Plays a queue of tracks that sound like an album or an artist (`label` names it in notices). */
  playSimilarTo(seed: Seed, label: string): Promise<void>;
  /** Appends tracks that sound like the whole queue, under the variety rules across the seam. */
  extendSimilar(): Promise<void>;
  /**
   * A song path to `to`: from the playing track (replacing what is upcoming), or from `from`
   * (which then plays, followed by the path).
   */
  playPath(to: Track, steps: number, from?: Track): Promise<void>;
  toggle(): void;
  next(): void;
  previous(): void;
  /** Every track can seek: a transcoded one restarts its transcode at the position. */
  seekable: boolean;
  seek(seconds: number): void;
  /** Seeks relative to the playing position. */
  seekBy(seconds: number): void;
  setVolume(volume: number): void;
  jump(index: number): void;
  /** Removes the entry at `index` (never the playing one). */
  remove(index: number): void;
  removeEntries(keys: string[]): void;
  /** Moves these entries (kept in queue order) before the entry now at `before`. */
  moveEntries(keys: string[], before: number): void;
  clearUpcoming(): void;
  setRadio(on: boolean): void;
}

const PlayerContext = createContext<PlayerApi | null>(null);

export function usePlayer(): PlayerApi {
  const api = useContext(PlayerContext);
  if (!api) throw new Error('usePlayer outside <PlayerProvider>');
  return api;
}

const storage = (): Storage | null => {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
};

export function PlayerProvider({ children }: { children: ReactNode }) {
  const { notify } = useApp();
  // Two elements: the engine plays one and loads the next track into the other (gapless, crossfade).
  const audioRef = useRef<HTMLAudioElement>(null);
  const standbyRef = useRef<HTMLAudioElement>(null);
  /** The entry the engine started by itself at a hand-over: loading it again would restart it. */
  const adopted = useRef<string | null>(null);
  const engineRef = useRef<AudioEngine | null>(null);
  const [initial] = useState(() => {
    const store = storage();
    return store ? loadPlayer(store) : { queue: Q.emptyQueue(), position: 0 };
  });
  const [state, setState] = useState<QueueState>(initial.queue);
  /** The restored entry loads paused at the saved position (until anything else is played). */
  const restore = useRef<{ key: string; nonce: number; position: number } | null>(
    Q.currentEntry(initial.queue)
      ? { key: Q.currentEntry(initial.queue)!.key, nonce: initial.queue.nonce, position: initial.position }
      : null,
  );
  const [playing, setPlaying] = useState(false);
  const [volume, setVolumeState] = useState(() => {
    const store = storage();
    return store ? loadVolume(store) : 0.8;
  });
  const [radioLoading, setRadioLoading] = useState(false);
  const [similarLoading, setSimilarLoading] = useState(false);
  const [unplayable, setUnplayable] = useState<ReadonlyMap<TrackId, string>>(() => new Map());
  /** Tracks that play through an ffmpeg transcode (the engine failed to decode them directly). */
  const transcoded = useRef(new Set<TrackId>());
  const radioBusy = useRef(false);
  /** A Play similar (or Add similar) waiting for its seed's analysis. */
  const awaiting = useRef<{ track: Track; add: boolean } | null>(null);
  const lastAwaitCheck = useRef(0);

  // What the engine's callbacks and the actions read when they run (kept current after each render).
  const stateRef = useRef(state);
  useEffect(() => {
    stateRef.current = state;
  });
  const entry = Q.currentEntry(state);
  const current = entry?.track ?? null;
  const currentKey = entry?.key ?? null;

  const update = useCallback((change: (s: QueueState) => QueueState) => setState(change), []);

  /** Moves on after a failure, if the failed entry still plays and something follows. */
  const skipFailed = useCallback((key: string) => {
    setTimeout(() => {
      setState((s) => (Q.currentEntry(s)?.key === key ? Q.next(s) : s));
    }, 1200);
  }, []);

  const onFailure = useCallback(
    async (code: number, mode: SourceMode) => {
      const failed = Q.currentEntry(stateRef.current);
      const engine = engineRef.current;
      if (!failed || !engine) return;
      const { track } = failed;
      const url = client.mediaUrl(track.id);
      const failure = await describeFailure(url, code, mode);
      if (Q.currentEntry(stateRef.current)?.key !== failed.key) return;
      if (failure.retryTranscoded) {
        // A format this engine cannot decode (AIFF, WMA, tracker modules…): ffmpeg converts it.
        transcoded.current.add(track.id);
        engine.load(url, {
          mode: 'transcode',
          autoplay: true,
          startAt: 0,
          key: failed.key,
          duration: track.duration,
        });
        return;
      }
      setUnplayable((m) => new Map(m).set(track.id, failure.reason));
      const more = stateRef.current.index + 1 < stateRef.current.entries.length;
      notify(
        `Cannot play “${track.title || track.path}”: ${failure.reason}${more ? ' — skipping it.' : '.'}`,
      );
      setPlaying(false);
      if (more) skipFailed(failed.key);
    },
    [notify, skipFailed],
  );

  /** A queued track imported from a feature table: marked unplayable and skipped, never fetched. */
  const noAudio = useCallback(
    (entry: QueueEntry) => {
      setUnplayable((m) => new Map(m).set(entry.track.id, IMPORTED_NO_AUDIO));
      const more = stateRef.current.index + 1 < stateRef.current.entries.length;
      notify(
        `Cannot play “${entry.track.title}”: ${IMPORTED_NO_AUDIO} (it came from a feature table)${more ? ' — skipping it.' : '.'}`,
      );
      setPlaying(false);
      if (more) skipFailed(entry.key);
    },
    [notify, skipFailed],
  );

  // The engine lives as long as the provider; its events reach React through refs and setters.
  const lastSaved = useRef(0);
  const onFailureRef = useRef(onFailure);
  const noAudioRef = useRef(noAudio);
  useEffect(() => {
    onFailureRef.current = onFailure;
    noAudioRef.current = noAudio;
  });
  useEffect(() => {
    const element = audioRef.current;
    const standby = standbyRef.current;
    if (!element || !standby) return;
    const engine = new AudioEngine([element, standby], {
      playing: (on) => {
        setPlaying(on);
        session.showState(on ? 'playing' : 'paused');
      },
      time: (position, duration) => {
        const total = duration || Q.currentEntry(stateRef.current)?.track.duration || 0;
        progressStore.set(position, total);
        const now = Date.now();
        if (now - lastSaved.current > SAVE_POSITION_MS) {
          lastSaved.current = now;
          const store = storage();
          if (store) saveQueue(store, stateRef.current, position);
          session.showPosition(position, total);
        }
      },
      ended: () => setState((s) => Q.next(s)),
      advanced: (key, mode) => {
        setState((s) => {
          const at = s.entries.findIndex((e) => e.key === key);
          // The queue changed under the hand-over: load what the queue says instead.
          if (at < 0) return { ...s, nonce: s.nonce + 1 };
          if (mode === 'transcode') transcoded.current.add(s.entries[at].track.id);
          adopted.current = key;
          return at === s.index + 1 ? Q.next(s) : Q.jump(s, at);
        });
      },
      error: (code, mode) => void onFailureRef.current(code, mode),
    });
    engineRef.current = engine;
    const onLeave = (): void => {
      const store = storage();
      if (store) saveQueue(store, stateRef.current, engine.position);
    };
    window.addEventListener('pagehide', onLeave);
    return () => {
      window.removeEventListener('pagehide', onLeave);
      engine.dispose();
      engineRef.current = null;
    };
  }, []);

  // Load (and start) the current entry whenever it changes or is restarted.
  useEffect(() => {
    const engine = engineRef.current;
    if (!engine) return;
    const now = Q.currentEntry(stateRef.current);
    if (!now) {
      engine.load(null, { mode: 'direct', autoplay: false });
      progressStore.set(0, 0);
      return;
    }
    if (isImported(now.track)) {
      adopted.current = null;
      // Made from a feature table: there is no file. Say so instead of asking for one.
      engine.load(null, { mode: 'direct', autoplay: false });
      progressStore.set(0, now.track.duration);
      noAudioRef.current(now);
      return;
    }
    if (adopted.current === now.key) {
      // Already playing: the engine handed over to it.
      adopted.current = null;
      restore.current = null;
      progressStore.set(engine.position, engine.duration || now.track.duration);
      return;
    }
    adopted.current = null;
    const saved = restore.current;
    const restoring = saved !== null && saved.key === now.key && saved.nonce === stateRef.current.nonce;
    if (!restoring) restore.current = null;
    const id = now.track.id;
    engine.load(client.mediaUrl(id), {
      mode: transcoded.current.has(id) ? 'transcode' : 'direct',
      autoplay: !restoring,
      startAt: restoring ? saved.position : 0,
      key: now.key,
      duration: now.track.duration,
    });
    progressStore.set(restoring ? saved.position : 0, now.track.duration);
  }, [currentKey, state.nonce]);

  // The engine loads what follows ahead of time (for gapless and crossfade hand-overs).
  const following = state.index >= 0 ? (state.entries[state.index + 1] ?? null) : null;
  const followingKey = following?.key ?? null;
  useEffect(() => {
    const engine = engineRef.current;
    if (!engine) return;
    const s = stateRef.current;
    const now = Q.currentEntry(s);
    const then = s.index >= 0 ? s.entries[s.index + 1] : undefined;
    // A track made from a feature table has no file to hand over to.
    if (!now || !then || isImported(then.track)) {
      engine.setNext(null);
      return;
    }
    const id = then.track.id;
    engine.setNext({
      key: then.key,
      url: client.mediaUrl(id),
      mode: transcoded.current.has(id) ? 'transcode' : 'direct',
      duration: then.track.duration,
      continuesAlbum: continuesAlbum(now.track, then.track),
    });
  }, [currentKey, followingKey, state.nonce]);

  // How tracks hand over comes from the settings (and follows them when they are saved).
  const applyPlayback = useCallback(() => {
    client
      .invoke('settings.get', {})
      .then((s) => engineRef.current?.setTransition(s.playback))
      .catch(() => undefined);
  }, []);
  useEffect(() => applyPlayback(), [applyPlayback]);
  useEvent('library.changed', (e) => {
    if (e.reason === 'settings') applyPlayback();
  });

  useEffect(() => {
    engineRef.current?.setVolume(volume);
    const store = storage();
    if (store) saveVolume(store, volume);
  }, [volume]);

  // Persist the queue whenever it changes (the position is saved on the clock and on leaving).
  useEffect(() => {
    const store = storage();
    if (store) saveQueue(store, state, engineRef.current?.position ?? 0);
  }, [state]);
  useEffect(() => {
    const store = storage();
    if (store) saveHistory(store, state.history);
  }, [state.history]);

  // The window title and the system media controls follow the track.
  useEffect(() => {
    document.title = current ? `${current.title || current.path} — ${current.artist} · Timbre` : 'Timbre';
    session.showTrack(current, current ? absoluteCoverUrl(current, 'large') : null);
    if (!current) session.showState('none');
  }, [current]);

  const playQueue = useCallback(
    (tracks: Track[], start = 0) => update((s) => Q.playNow(s, tracks, start)),
    [update],
  );
  const playNext = useCallback((tracks: Track[]) => update((s) => Q.playNext(s, tracks)), [update]);
  const addToQueue = useCallback((tracks: Track[]) => update((s) => Q.add(s, tracks)), [update]);
  const startRadio = useCallback((track: Track) => update((s) => Q.startRadio(s, track)), [update]);

  const next = useCallback(() => {
    const position = engineRef.current?.position ?? 0;
    update((s) => Q.next(s, position));
  }, [update]);

  const previous = useCallback(() => {
    const position = engineRef.current?.position ?? 0;
    update((s) => Q.previous(s, position));
  }, [update]);

  const toggle = useCallback(() => {
    const engine = engineRef.current;
    if (!engine) return;
    const s = stateRef.current;
    if (!Q.currentEntry(s)) {
      if (s.entries.length > 0) update((x) => Q.jump(x, 0));
      return;
    }
    if (engine.paused) engine.play();
    else engine.pause();
  }, [update]);

  const seek = useCallback((seconds: number) => engineRef.current?.seek(seconds), []);
  const seekBy = useCallback((delta: number) => {
    const engine = engineRef.current;
    if (engine) engine.seek(Math.max(0, engine.position + delta));
  }, []);
  const setVolume = useCallback((v: number) => setVolumeState(Math.min(1, Math.max(0, v))), []);
  const jump = useCallback((index: number) => update((s) => Q.jump(s, index)), [update]);
  const remove = useCallback(
    (index: number) =>
      update((s) => {
        const key = s.entries[index]?.key;
        return key ? Q.remove(s, [key]) : s;
      }),
    [update],
  );
  const removeEntries = useCallback((keys: string[]) => update((s) => Q.remove(s, keys)), [update]);
  const moveEntries = useCallback(
    (keys: string[], before: number) => update((s) => Q.move(s, keys, before)),
    [update],
  );
  const clearUpcoming = useCallback(() => update(Q.clearUpcoming), [update]);
  const setRadio = useCallback((on: boolean) => update((s) => Q.setRadio(s, on)), [update]);

  /** Recently played tracks, held back by the next queue (the seed itself excepted). */
  const holdBack = (except?: string): string[] =>
    stateRef.current.history.slice(-HOLD_BACK).filter((id) => id !== except);

  /** Runs one queue-building request with the loading flag and error notices. */
  const building = useCallback(
    async (work: () => Promise<void>) => {
      setSimilarLoading(true);
      try {
        await work();
      } catch (err) {
        notify(err);
      } finally {
        setSimilarLoading(false);
      }
    },
    [notify],
  );

  /**
   * similar.queue for one track. A track not analysed yet has no neighbours: it still plays when
   * asked to, and the notice says why nothing follows it.
   */
  const similarTo = useCallback(async (track: Track, source?: SimilaritySource) => {
    try {
      const result = await client.invoke('similar.queue', {
        seed: { kind: 'track', id: track.id },
        length: SIMILAR_QUEUE_LENGTH,
        source,
        variety: { recentlyPlayed: holdBack(track.id) },
      });
      return { tracks: result.tracks, why: null as string | null, waiting: false };
    } catch (err) {
      const info = await client.invoke('analysis.track', { id: track.id }).catch(() => undefined);
      if (info !== null) throw err;
      // Not analysed yet: ask for it ahead of the rest; the similar tracks follow once it is.
      const name = track.title || track.path;
      try {
        await client.invoke('analysis.prioritize', { ids: [track.id] });
        return {
          tracks: [],
          why: `“${name}” is not analysed yet: it is being analysed first, and its similar tracks follow as soon as it is.`,
          waiting: true,
        };
      } catch (startErr) {
        return {
          tracks: [],
          why: `“${name}” is not analysed yet, and analysis cannot start: ${errorMessage(startErr)}`,
        };
      }
    }
  }, []);

  const playSimilar = useCallback(
    (track: Track, options: { source?: SimilaritySource } = {}) =>
      building(async () => {
        const { tracks, why, waiting } = await similarTo(track, options.source);
        update((s) => Q.playWithSimilar(s, track, tracks));
        awaiting.current = waiting ? { track, add: false } : null;
        if (why) notify(why, 'info');
        else if (tracks.filter((t) => t.track.id !== track.id).length === 0)
          notify('No similar tracks found for this one yet.', 'info');
      }),
    [building, notify, similarTo, update],
  );

  const addSimilar = useCallback(
    (track: Track) =>
      building(async () => {
        const { tracks, why, waiting } = await similarTo(track);
        awaiting.current = waiting ? { track, add: true } : null;
        if (why) {
          notify(why, 'info');
          return;
        }
        const scores = new Map(tracks.map((t) => [t.track.id, t.score]));
        const add = tracks.map((t) => t.track).filter((t) => t.id !== track.id);
        update((s) => Q.add(s, add, Q.similarOrigin(track, scores), true));
        notify(
          add.length > 0
            ? `Added ${add.length} tracks that sound like “${track.title || track.path}”.`
            : 'No similar tracks found for this one yet.',
          'info',
        );
      }),
    [building, notify, similarTo, update],
  );

  const playSimilarTo = useCallback(
    (seed: Seed, label: string) =>
      building(async () => {
        const result = await client.invoke('similar.queue', {
          seed,
          length: SIMILAR_QUEUE_LENGTH,
          variety: { recentlyPlayed: holdBack() },
        });
        const tracks = result.tracks.map((t) => t.track);
        if (tracks.length === 0) notify(`No tracks found that sound like ${label}.`, 'info');
        else update((s) => Q.playNow(s, tracks));
      }),
    [building, notify, update],
  );

  const extendSimilar = useCallback(
    () =>
      building(async () => {
        const ids = stateRef.current.entries.map((e) => e.track.id).slice(-1000);
        if (ids.length === 0) return;
        const result = await client.invoke('similar.queue', {
          seed: { kind: 'tracks', ids },
          length: SIMILAR_QUEUE_LENGTH,
          variety: { recentlyPlayed: holdBack() },
        });
        const add = result.tracks.map((t) => t.track);
        update((s) => {
          const have = new Set(s.entries.map((e) => e.track.id));
          return Q.add(
            s,
            add.filter((t) => !have.has(t.id)),
          );
        });
        if (add.length === 0) notify('No more tracks found that sound like this queue.', 'info');
      }),
    [building, notify, update],
  );

  const playPath = useCallback(
    (to: Track, steps: number, from?: Track) =>
      building(async () => {
        const start = from ?? Q.currentEntry(stateRef.current)?.track;
        if (!start) return;
        const result = await client.invoke('similar.path', { from: start.id, to: to.id, steps });
        const scores = new Map(result.tracks.map((t) => [t.track.id, t.score]));
        const path = result.tracks.map((t) => t.track).filter((t) => t.id !== start.id);
        const origin = Q.similarOrigin(start, scores, 'path');
        update((s) => {
          const base = Q.currentEntry(s)?.track.id === start.id ? s : Q.playNow(s, [start]);
          return { ...Q.replaceUpcoming(base, path, origin), radio: false };
        });
      }),
    [building, update],
  );

  // The awaited seed is analysed: its similar tracks follow it (if it still plays) or join the queue.
  useEvent('analysis.progress', (p) => {
    const wait = awaiting.current;
    const now = Date.now();
    if (!wait || (p.state !== 'idle' && now - lastAwaitCheck.current < 2000)) return;
    lastAwaitCheck.current = now;
    void client
      .invoke('analysis.track', { id: wait.track.id })
      .then((info) => {
        if (!info || awaiting.current !== wait) return;
        awaiting.current = null;
        if (wait.add) void addSimilar(wait.track);
        else if (Q.currentEntry(stateRef.current)?.track.id === wait.track.id) void playSimilar(wait.track);
      })
      .catch(() => undefined);
  });

  // Radio: keep a few tracks ahead, from the seed radio was started with.
  const need = Q.radioNeed(state);
  const needKey = need ? `${need.seedId}|${state.index}|${state.entries.length}` : null;
  useEffect(() => {
    const request = Q.radioNeed(stateRef.current);
    if (!request || radioBusy.current) return;
    radioBusy.current = true;
    setRadioLoading(true);
    client
      .invoke('similar.radio', {
        seed: { kind: 'track', id: request.seedId },
        history: request.history,
        skipped: request.skipped,
        count: request.count,
      })
      .then((result) => {
        // The server keeps the history out (and lets long-played tracks back into a played-out
        // small library); the queue module only keeps what is upcoming from being added twice.
        setState((s) => Q.addRadio(s, request, result.tracks));
        if (result.tracks.length === 0) notify('Radio found nothing new to add.', 'info');
      })
      .catch((err: unknown) => {
        notify(`Radio stopped: ${errorMessage(err)}`);
        setState((s) => Q.setRadio(s, false));
      })
      .finally(() => {
        radioBusy.current = false;
        setRadioLoading(false);
      });
  }, [needKey, notify]);

  // System media controls: keys, lock screen, notification.
  const actions = useRef({ toggle, next, previous, seek, seekBy });
  useEffect(() => {
    actions.current = { toggle, next, previous, seek, seekBy };
  });
  useEffect(
    () =>
      session.handleActions({
        play: () => engineRef.current?.play(),
        pause: () => engineRef.current?.pause(),
        next: () => actions.current.next(),
        previous: () => actions.current.previous(),
        seekTo: (s) => actions.current.seek(s),
        seekBy: (d) => actions.current.seekBy(d),
      }),
    [],
  );

  const queue = useMemo(() => state.entries.map((e) => e.track), [state.entries]);
  const api = useMemo<PlayerApi>(
    () => ({
      entries: state.entries,
      queue,
      index: state.index,
      current,
      currentEntry: entry,
      playing,
      volume,
      seekable: !!current,
      radio: state.radio,
      radioSeed: state.radioSeed,
      radioLoading,
      similarLoading,
      unplayable,
      playQueue,
      playNext,
      addToQueue,
      playSimilar,
      addSimilar,
      startRadio,
      playSimilarTo,
      extendSimilar,
      playPath,
      toggle,
      next,
      previous,
      seek,
      seekBy,
      setVolume,
      jump,
      remove,
      removeEntries,
      moveEntries,
      clearUpcoming,
      setRadio,
    }),
    [
      state.entries,
      queue,
      state.index,
      state.radio,
      state.radioSeed,
      current,
      entry,
      playing,
      volume,
      radioLoading,
      similarLoading,
      unplayable,
      playQueue,
      playNext,
      addToQueue,
      playSimilar,
      addSimilar,
      startRadio,
      playSimilarTo,
      extendSimilar,
      playPath,
      toggle,
      next,
      previous,
      seek,
      seekBy,
      setVolume,
      jump,
      remove,
      removeEntries,
      moveEntries,
      clearUpcoming,
      setRadio,
    ],
  );

  return (
    <PlayerContext.Provider value={api}>
      {children}
      {/* The engine names them: the playing one is always #timbre-audio. */}
      <audio ref={audioRef} preload="auto" />
      <audio ref={standbyRef} preload="auto" />
    </PlayerContext.Provider>
  );
}

export { SEEK_STEP };
