/**
 * Playback: one <audio> element, the queue, "play similar" and radio.
 * Radio tops the queue up through similar.radio, sending what was played (history) and what was
 * skipped (a Next press before 30 s).
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import type { Seed, SimilaritySource, Track } from '../../shared/types';
import { client, errorMessage } from './api/client';
import { useApp } from './hooks';

export const SKIP_SECONDS = 30;
const RADIO_LOW_WATER = 3;
const RADIO_BATCH = 10;
const SIMILAR_QUEUE_LENGTH = 30;
/** Tracks played this recently are held back from new "play similar" queues. */
const HOLD_BACK = 100;
const HISTORY_KEY = 'timbre.history';

interface QueueState {
  queue: Track[];
  index: number;
  /** Bumped to (re)start the current track. */
  nonce: number;
  radio: boolean;
  radioSeed: Track | null;
  history: string[];
  skipped: string[];
}

export interface PlayerApi {
  queue: Track[];
  index: number;
  current: Track | null;
  playing: boolean;
  time: number;
  duration: number;
  volume: number;
  radio: boolean;
  radioSeed: Track | null;
  radioLoading: boolean;
  similarLoading: boolean;
  playQueue(tracks: Track[], start?: number): void;
  /** Plays `track`, then a queue of tracks that sound like it. */
  playSimilar(track: Track, options?: { source?: SimilaritySource }): Promise<void>;
  /** Plays a queue of tracks that sound like an album or an artist (`label` names it in notices). */
  playSimilarTo(seed: Seed, label: string): Promise<void>;
  /** Appends tracks that sound like the whole queue, under the variety rules across the seam. */
  extendSimilar(): Promise<void>;
  /** Replaces the upcoming tracks with a song path from the playing track to `to`. */
  playPath(to: Track, steps: number): Promise<void>;
  toggle(): void;
  next(): void;
  previous(): void;
  /** False while a transcoded stream plays: it cannot seek. */
  seekable: boolean;
  seek(seconds: number): void;
  setVolume(volume: number): void;
  jump(index: number): void;
  remove(index: number): void;
  clearUpcoming(): void;
  setRadio(on: boolean): void;
}

const PlayerContext = createContext<PlayerApi | null>(null);

export function usePlayer(): PlayerApi {
  const api = useContext(PlayerContext);
  if (!api) throw new Error('usePlayer outside <PlayerProvider>');
  return api;
}

/** The same media URL asking the server for an ffmpeg transcode (works for http: and timbre-media:). */
function transcodeUrl(mediaUrl: string): string {
  const url = new URL(mediaUrl, window.location.href);
  url.searchParams.set('transcode', '1');
  return url.href;
}

function pushId(list: string[], id: string): string[] {
  const next = list[list.length - 1] === id ? list : [...list, id];
  return next.length > 5000 ? next.slice(-5000) : next;
}

/** What was played in earlier sessions too (ids, oldest first), so new queues hold it back. */
function savedHistory(): string[] {
  try {
    const saved: unknown = JSON.parse(localStorage.getItem(HISTORY_KEY) ?? '[]');
    return Array.isArray(saved) ? saved.filter((id): id is string => typeof id === 'string').slice(-500) : [];
  } catch {
    return [];
  }
}

function initialVolume(): number {
  const saved = Number(localStorage.getItem('timbre.volume'));
  return Number.isFinite(saved) && saved >= 0 && saved <= 1 && localStorage.getItem('timbre.volume') !== null
    ? saved
    : 0.8;
}

export function PlayerProvider({ children }: { children: ReactNode }) {
  const { notify } = useApp();
  const audioRef = useRef<HTMLAudioElement>(null);
  const [state, setState] = useState<QueueState>({
    queue: [],
    index: -1,
    nonce: 0,
    radio: false,
    radioSeed: null,
    history: savedHistory(),
    skipped: [],
  });
  const [playing, setPlaying] = useState(false);
  const [time, setTime] = useState(0);
  const [duration, setDuration] = useState(0);
  const [volume, setVolumeState] = useState(initialVolume);
  const [radioLoading, setRadioLoading] = useState(false);
  const [similarLoading, setSimilarLoading] = useState(false);
  /** The track now streamed through an ffmpeg transcode (no seeking in that stream). */
  const [transcodedId, setTranscodedId] = useState<string | null>(null);
  const transcodedRef = useRef<string | null>(null);
  const radioBusy = useRef(false);

  const current = state.index >= 0 ? (state.queue[state.index] ?? null) : null;
  const currentId = current?.id ?? null;

  // Load and start the current track whenever it changes (or is restarted).
  useEffect(() => {
    const audio = audioRef.current;
    if (!audio) return;
    if (!currentId) {
      audio.pause();
      audio.removeAttribute('src');
      audio.load();
      return;
    }
    const url = client.mediaUrl(currentId);
    audio.src = transcodedRef.current === currentId ? transcodeUrl(url) : url;
    audio.play().catch((err: unknown) => {
      if (err instanceof Error && err.name === 'AbortError') return;
      if (err instanceof Error && err.name === 'NotAllowedError') return; // autoplay refused: the user presses play
    });
  }, [currentId, state.nonce]);

  useEffect(() => {
    if (audioRef.current) audioRef.current.volume = volume;
    localStorage.setItem('timbre.volume', String(volume));
  }, [volume]);

  // The window title and the system media controls (media keys, lock screen) follow the track.
  useEffect(() => {
    document.title = current ? `${current.title || current.path} — ${current.artist} · Timbre` : 'Timbre';
    const session = 'mediaSession' in navigator ? navigator.mediaSession : null;
    if (session && typeof MediaMetadata !== 'undefined') {
      session.metadata = current
        ? new MediaMetadata({ title: current.title, artist: current.artist, album: current.album })
        : null;
    }
  }, [current]);

  const moveTo = useCallback((index: number) => {
    setState((s) => {
      const track = s.queue[index];
      if (!track) return s;
      return { ...s, index, nonce: s.nonce + 1, history: pushId(s.history, track.id) };
    });
  }, []);

  const playQueue = useCallback((tracks: Track[], start = 0) => {
    if (tracks.length === 0) return;
    const index = Math.min(Math.max(0, start), tracks.length - 1);
    const first = tracks[index];
    setState((s) => ({
      ...s,
      queue: tracks,
      index,
      nonce: s.nonce + 1,
      history: pushId(s.history, first.id),
      radioSeed: s.radio ? first : s.radioSeed,
    }));
  }, []);

  /** Advances; `user` marks a Next press, which counts as a skip before 30 s. */
  const advance = useCallback((user: boolean) => {
    const audio = audioRef.current;
    const early = user && !!audio && audio.currentTime < SKIP_SECONDS;
    setState((s) => {
      const cur = s.queue[s.index];
      if (!cur) return s;
      const skipped = early ? pushId(s.skipped, cur.id) : s.skipped;
      const nextTrack = s.queue[s.index + 1];
      if (!nextTrack) return { ...s, skipped };
      return {
        ...s,
        skipped,
        index: s.index + 1,
        nonce: s.nonce + 1,
        history: pushId(s.history, nextTrack.id),
      };
    });
  }, []);

  const next = useCallback(() => advance(true), [advance]);

  const previous = useCallback(() => {
    const audio = audioRef.current;
    if (audio && audio.currentTime > 3) {
      audio.currentTime = 0;
      return;
    }
    if (state.index > 0) moveTo(state.index - 1);
    else if (audio) audio.currentTime = 0;
  }, [moveTo, state.index]);

  const toggle = useCallback(() => {
    const audio = audioRef.current;
    if (!audio) return;
    if (!currentId) {
      if (state.queue.length > 0) moveTo(0);
      return;
    }
    if (audio.paused) audio.play().catch((err: unknown) => notify(err));
    else audio.pause();
  }, [currentId, moveTo, notify, state.queue.length]);

  const seek = useCallback((seconds: number) => {
    const audio = audioRef.current;
    if (audio && Number.isFinite(seconds)) audio.currentTime = Math.max(0, seconds);
  }, []);

  const setVolume = useCallback((v: number) => setVolumeState(Math.min(1, Math.max(0, v))), []);

  const jump = useCallback((index: number) => moveTo(index), [moveTo]);

  const remove = useCallback((index: number) => {
    setState((s) => {
      if (index < 0 || index >= s.queue.length || index === s.index) return s;
      const queue = s.queue.filter((_, i) => i !== index);
      return { ...s, queue, index: index < s.index ? s.index - 1 : s.index };
    });
  }, []);

  const clearUpcoming = useCallback(() => {
    setState((s) => ({ ...s, queue: s.queue.slice(0, s.index + 1) }));
  }, []);

  const setRadio = useCallback((on: boolean) => {
    setState((s) => ({
      ...s,
      radio: on,
      radioSeed: on ? (s.radioSeed ?? s.queue[s.index] ?? null) : s.radioSeed,
    }));
  }, []);

  useEffect(() => {
    localStorage.setItem(HISTORY_KEY, JSON.stringify(state.history.slice(-500)));
  }, [state.history]);
  // What the queue-building actions read when they are called (kept current after each render).
  const historyRef = useRef(state.history);
  const queueRef = useRef(state.queue);
  const currentRef = useRef(current);
  useEffect(() => {
    historyRef.current = state.history;
    queueRef.current = state.queue;
    currentRef.current = current;
  });
  /** Recently played tracks, held back by the next queue (the seed itself excepted). */
  const holdBack = (except?: string): string[] =>
    historyRef.current.slice(-HOLD_BACK).filter((id) => id !== except);

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

  const playSimilar = useCallback(
    (track: Track, options: { source?: SimilaritySource } = {}) =>
      building(async () => {
        const result = await client.invoke('similar.queue', {
          seed: { kind: 'track', id: track.id },
          length: SIMILAR_QUEUE_LENGTH,
          source: options.source,
          variety: { recentlyPlayed: holdBack(track.id) },
        });
        const upcoming = result.tracks.map((t) => t.track).filter((t) => t.id !== track.id);
        setState((s) => {
          const cur = s.queue[s.index];
          if (cur && cur.id === track.id) {
            return { ...s, queue: [...s.queue.slice(0, s.index + 1), ...upcoming], radioSeed: track };
          }
          return {
            ...s,
            queue: [track, ...upcoming],
            index: 0,
            nonce: s.nonce + 1,
            history: pushId(s.history, track.id),
            radioSeed: track,
          };
        });
        if (upcoming.length === 0) notify('No similar tracks found for this one yet.', 'info');
      }),
    [building, notify],
  );

  const playQueueNow = useCallback((tracks: Track[]) => {
    setState((s) => ({
      ...s,
      queue: tracks,
      index: 0,
      nonce: s.nonce + 1,
      history: pushId(s.history, tracks[0].id),
      radioSeed: tracks[0],
    }));
  }, []);

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
        else playQueueNow(tracks);
      }),
    [building, notify, playQueueNow],
  );

  const extendSimilar = useCallback(
    () =>
      building(async () => {
        const ids = queueRef.current.map((t) => t.id).slice(-1000);
        if (ids.length === 0) return;
        const result = await client.invoke('similar.queue', {
          seed: { kind: 'tracks', ids },
          length: SIMILAR_QUEUE_LENGTH,
          variety: { recentlyPlayed: holdBack() },
        });
        const add = result.tracks.map((t) => t.track);
        setState((s) => {
          const have = new Set(s.queue.map((t) => t.id));
          return { ...s, queue: [...s.queue, ...add.filter((t) => !have.has(t.id))] };
        });
        if (add.length === 0) notify('No more tracks found that sound like this queue.', 'info');
      }),
    [building, notify],
  );

  const playPath = useCallback(
    (to: Track, steps: number) =>
      building(async () => {
        const from = currentRef.current;
        if (!from) return;
        const result = await client.invoke('similar.path', { from: from.id, to: to.id, steps });
        const path = result.tracks.map((t) => t.track).filter((t) => t.id !== from.id);
        setState((s) => ({ ...s, queue: [...s.queue.slice(0, s.index + 1), ...path], radio: false }));
      }),
    [building],
  );

  // Radio: keep a few tracks ahead.
  const upcomingCount = state.queue.length - state.index - 1;
  useEffect(() => {
    if (!state.radio || state.index < 0 || upcomingCount >= RADIO_LOW_WATER || radioBusy.current) return;
    const seed = state.radioSeed ?? state.queue[state.index];
    if (!seed) return;
    radioBusy.current = true;
    const history = [...new Set([...state.history, ...state.queue.map((t) => t.id)])].slice(-10000);
    Promise.resolve()
      .then(() => setRadioLoading(true))
      .then(() =>
        client.invoke('similar.radio', {
          seed: { kind: 'track', id: seed.id },
          history,
          skipped: state.skipped.slice(-10000),
          count: RADIO_BATCH,
        }),
      )
      .then((result) => {
        setState((s) => {
          // The server keeps the history out (and lets long-played tracks back into a played-out
          // small library); here only what is still upcoming is not added twice.
          const have = new Set(s.queue.slice(s.index).map((t) => t.id));
          const add = result.tracks.map((t) => t.track).filter((t) => !have.has(t.id));
          return add.length > 0 ? { ...s, queue: [...s.queue, ...add] } : s;
        });
        if (result.tracks.length === 0) notify('Radio found nothing new to add.', 'info');
      })
      .catch((err: unknown) => {
        notify(`Radio stopped: ${errorMessage(err)}`);
        setState((s) => ({ ...s, radio: false }));
      })
      .finally(() => {
        radioBusy.current = false;
        setRadioLoading(false);
      });
  }, [
    state.radio,
    state.index,
    state.radioSeed,
    state.queue,
    state.history,
    state.skipped,
    upcomingCount,
    notify,
  ]);

  useEffect(() => {
    const session = 'mediaSession' in navigator ? navigator.mediaSession : null;
    if (!session) return;
    const audio = audioRef.current;
    const handlers: [MediaSessionAction, MediaSessionActionHandler][] = [
      ['play', () => void audio?.play().catch(() => undefined)],
      ['pause', () => audio?.pause()],
      ['nexttrack', next],
      ['previoustrack', previous],
    ];
    for (const [action, handler] of handlers) {
      try {
        session.setActionHandler(action, handler);
      } catch {
        // not supported by this browser
      }
    }
    return () => {
      for (const [action] of handlers) {
        try {
          session.setActionHandler(action, null);
        } catch {
          // not supported by this browser
        }
      }
    };
  }, [next, previous]);

  const api = useMemo<PlayerApi>(
    () => ({
      queue: state.queue,
      index: state.index,
      current,
      playing,
      time,
      duration: duration || current?.duration || 0,
      volume,
      seekable: !!current && transcodedId !== current.id,
      radio: state.radio,
      radioSeed: state.radioSeed,
      radioLoading,
      similarLoading,
      playQueue,
      playSimilar,
      playSimilarTo,
      extendSimilar,
      playPath,
      toggle,
      next,
      previous,
      seek,
      setVolume,
      jump,
      remove,
      clearUpcoming,
      setRadio,
    }),
    [
      state.queue,
      state.index,
      state.radio,
      state.radioSeed,
      current,
      playing,
      time,
      duration,
      volume,
      transcodedId,
      radioLoading,
      similarLoading,
      playQueue,
      playSimilar,
      playSimilarTo,
      extendSimilar,
      playPath,
      toggle,
      next,
      previous,
      seek,
      setVolume,
      jump,
      remove,
      clearUpcoming,
      setRadio,
    ],
  );

  return (
    <PlayerContext.Provider value={api}>
      {children}
      <audio
        ref={audioRef}
        id="timbre-audio"
        preload="auto"
        onPlay={() => setPlaying(true)}
        onPause={() => setPlaying(false)}
        onTimeUpdate={(e) => setTime(e.currentTarget.currentTime)}
        onDurationChange={(e) =>
          setDuration(Number.isFinite(e.currentTarget.duration) ? e.currentTarget.duration : 0)
        }
        onEmptied={() => {
          setTime(0);
          setDuration(0);
        }}
        onEnded={() => advance(false)}
        onError={(e) => {
          const audio = e.currentTarget;
          const err = audio.error;
          if (!currentId || !err) return;
          // A format this engine cannot decode (AIFF, WMA, tracker modules…): ask for an ffmpeg
          // transcode of the same track once, then give up.
          if ((err.code === 3 || err.code === 4) && transcodedId !== currentId) {
            setTranscodedId(currentId);
            transcodedRef.current = currentId;
            audio.src = transcodeUrl(client.mediaUrl(currentId));
            audio.play().catch(() => undefined);
            return;
          }
          notify(
            `Cannot play "${current?.title || currentId}": ${
              err.code === 4
                ? 'this browser cannot decode its format'
                : err.message || `media error ${err.code}`
            }`,
          );
          setPlaying(false);
          // Keep the music going: move on to the next track, if any.
          if (state.index + 1 < state.queue.length) setTimeout(() => advance(false), 1200);
        }}
      />
    </PlayerContext.Provider>
  );
}
