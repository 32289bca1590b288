/**
 * Playback time in its own store: the audio clock ticks about four times a second, and only the
 * components that show it (the seek bar, the clock) subscribe through `usePlayerProgress`; the
 * player context, and so the rest of the app, does not re-render on the clock.
 */
import { useSyncExternalStore } from 'react';

export interface Progress {
  /** Position in the track, seconds. */
  time: number;
  /** Length from the stream, 0 when it does not know (then the catalog's duration is shown). */
  duration: number;
}

export class ProgressStore {
  private value: Progress = { time: 0, duration: 0 };
  private readonly listeners = new Set<() => void>();

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  readonly get = (): Progress => this.value;

  set(time: number, duration: number): void {
    if (time === this.value.time && duration === this.value.duration) return;
    this.value = { time, duration };
    for (const listener of this.listeners) listener();
  }
}

export const progressStore = new ProgressStore();

/** The playing position and stream length; re-renders its caller on every clock tick. */
export function usePlayerProgress(store: ProgressStore = progressStore): Progress {
  return useSyncExternalStore(store.subscribe, store.get);
}
