/**
 * The system media controls (media keys, lock screen, notification): metadata, playback state,
 * position and the action handlers. Every call is a no-op where the browser has no MediaSession.
 */
import type { Track } from '../../../shared/types';

const session = (): MediaSession | null =>
  typeof navigator !== 'undefined' && 'mediaSession' in navigator ? navigator.mediaSession : null;

/** Shows `track` (with cover artwork when a URL for it is given), or clears it. */
export function showTrack(track: Track | null, artworkUrl?: string | null): void {
  const s = session();
  if (!s || typeof MediaMetadata === 'undefined') return;
  s.metadata = track
    ? new MediaMetadata({
        title: track.title || track.path,
        artist: track.artist,
        album: track.album,
        artwork: artworkUrl ? [{ src: artworkUrl }] : [],
      })
    : null;
}

export function showState(state: 'playing' | 'paused' | 'none'): void {
  const s = session();
  if (s) s.playbackState = state;
}

/** Position for the system scrubber; ignored when the numbers are not a valid state. */
export function showPosition(position: number, duration: number): void {
  const s = session();
  if (!s || typeof s.setPositionState !== 'function') return;
  if (!(duration > 0) || !Number.isFinite(duration)) return;
  try {
    s.setPositionState({ duration, position: Math.min(Math.max(0, position), duration), playbackRate: 1 });
  } catch {
    // A position the browser rejects (a stream that ran past the catalog's duration): leave it.
  }
}

export interface SessionActions {
  play(): void;
  pause(): void;
  next(): void;
  previous(): void;
  /** Seeks to an absolute position, seconds. */
  seekTo(seconds: number): void;
  /** Seeks relative to the playing position, seconds (negative = back). */
  seekBy(seconds: number): void;
}

/** Installs the handlers; returns a function removing them. */
export function handleActions(actions: SessionActions): () => void {
  const s = session();
  if (!s) return () => undefined;
  const handlers: [MediaSessionAction, MediaSessionActionHandler][] = [
    ['play', () => actions.play()],
    ['pause', () => actions.pause()],
    ['nexttrack', () => actions.next()],
    ['previoustrack', () => actions.previous()],
    ['seekto', (d) => d.seekTime !== undefined && actions.seekTo(d.seekTime)],
    ['seekbackward', (d) => actions.seekBy(-(d.seekOffset ?? 10))],
    ['seekforward', (d) => actions.seekBy(d.seekOffset ?? 10)],
  ];
  const installed: MediaSessionAction[] = [];
  for (const [action, handler] of handlers) {
    try {
      s.setActionHandler(action, handler);
      installed.push(action);
    } catch {
      // This browser does not know the action.
    }
  }
  return () => {
    for (const action of installed) {
      try {
        s.setActionHandler(action, null);
      } catch {
        // already gone
      }
    }
  };
}
