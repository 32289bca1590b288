/** Shared hooks: contract events and the app-wide context (navigation, selection, notices). */
import { createContext, useContext, useEffect, useEffectEvent } from 'react';
import type { EventName, Events } from '../../shared/contract';
import type { Track } from '../../shared/types';
import { client } from './api/client';

export type Screen = 'library' | 'scan' | 'analysis' | 'queue' | 'similar' | 'settings';

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

export interface AppApi {
  go(screen: Screen): void;
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
