/** Shared hooks: contract events and the app-wide context (navigation, selection, notices). */
import { createContext, useContext, useEffect, useEffectEvent, useState } from 'react';
import type { EventName, Events } from '../../shared/contract';
import type { Track } from '../../shared/types';
import { client, errorMessage } from './api/client';

export type Screen =
  | 'library'
  | 'albums'
  | 'album'
  | 'artists'
  | 'artist'
  | 'scan'
  | 'analysis'
  | 'queue'
  | 'similar'
  | 'clusters'
  | 'map'
  | 'settings';

/** Where the window is: a screen and, for an album or artist page, which one. Kept in the URL hash. */
export interface Route {
  screen: Screen;
  /** Album id or artist name. */
  param?: string;
}

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

export interface AppApi {
  /** Opens a screen (the album or artist page needs `param`); asks first when a screen has unsaved edits. */
  go(screen: Screen, param?: string): void;
  route: Route;
  /** Opens an album page: by album id, or the album of a track. */
  showAlbum(ref: { id: string } | { trackId: string }): void;
  showArtist(name: string): void;
  /**
   * A screen with unsaved edits registers a question here; leaving it (navigation, reload) asks
   * the user first. Returns the function that removes it.
   */
  guardLeave(message: string): () => void;
  selected: Track | null;
  select(track: Track | null): void;
  /** Shows an error (ApiError message) or an info line. */
  notify(message: unknown, kind?: Notice['kind']): void;
}

export const AppContext = createContext<AppApi | null>(null);

export function useApp(): AppApi {
  const api = useContext(AppContext);
  if (!api) throw new Error('useApp outside <AppContext>');
  return api;
}

/** Subscribes to a contract event for the component's lifetime. */
export function useEvent<E extends EventName>(event: E, listener: (payload: Events[E]) => void): void {
  const onEvent = useEffectEvent(listener);
  useEffect(() => client.on(event, (payload) => onEvent(payload)), [event]);
}

/** A loaded value or the error message that replaced it. */
export interface Loaded<T> {
  value: T | null;
  error: string | null;
}

/**
 * Runs `load` whenever `key` changes (nothing while `load` is null) and returns its outcome for the
 * current key only: null while loading, and answers for keys no longer current are dropped.
 */
export function useKeyedLoad<T>(key: string, load: (() => Promise<T>) | null): Loaded<T> | null {
  const [state, setState] = useState<(Loaded<T> & { key: string }) | null>(null);
  const run = useEffectEvent(() => load?.());
  const enabled = load !== null;
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    run()?.then(
      (value) => live && setState({ key, value, error: null }),
      (err: unknown) => live && setState({ key, value: null, error: errorMessage(err) }),
    );
    return () => {
      live = false;
    };
  }, [key, enabled]);
  return enabled && state && state.key === key ? state : null;
}

/** `value`, once it has stopped changing for `ms` (search boxes). */
export function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return debounced;
}
