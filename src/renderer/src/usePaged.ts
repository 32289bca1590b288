/**
 * Loads a list page by page as its end scrolls into view (the album and artist grids): the first
 * page on a new key, the next when the sentinel element becomes visible.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from './api/client';

export interface Paged<T> {
  items: T[];
  total: number | null;
  error: string | null;
}

/** Attach to an element after the list: the next page loads when it comes into view. */
export type Sentinel = (el: HTMLElement | null) => void;

export function usePaged<T>(
  key: string,
  load: (offset: number) => Promise<{ total: number; items: T[] }>,
): [Paged<T>, Sentinel] {
  const [state, setState] = useState<{ key: string; items: T[]; total: number | null; error: string | null }>(
    {
      key,
      items: [],
      total: null,
      error: null,
    },
  );
  const loading = useRef(false);
  const loadRef = useRef(load);
  const stateRef = useRef(state);
  useEffect(() => {
    loadRef.current = load;
    stateRef.current = state;
  });

  const more = useCallback((forKey: string, offset: number) => {
    if (loading.current) return;
    loading.current = true;
    loadRef
      .current(offset)
      .then(
        (res) =>
          setState((s) =>
            s.key !== forKey
              ? s
              : {
                  key: forKey,
                  items: offset === 0 ? res.items : [...s.items, ...res.items],
                  total: res.total,
                  error: null,
                },
          ),
        (err: unknown) => setState((s) => (s.key !== forKey ? s : { ...s, error: errorMessage(err) })),
      )
      .finally(() => {
        loading.current = false;
      });
  }, []);

  // A new key starts over (what is shown for the old key is hidden below until page 0 arrives).
  useEffect(() => {
    loading.current = false;
    more(key, 0);
  }, [key, more]);

  // Observed again after every page: observe() reports at once whether the sentinel is still in
  // view (a tall window may need several pages before the list reaches its bottom).
  const [el, setEl] = useState<HTMLElement | null>(null);
  const loaded = state.items.length;
  useEffect(() => {
    if (!el) return;
    const observer = new IntersectionObserver(
      (entries) => {
        const s = stateRef.current;
        if (!entries.some((e) => e.isIntersecting) || s.total === null || s.items.length >= s.total) return;
        more(s.key, s.items.length);
      },
      { rootMargin: '600px' },
    );
    observer.observe(el);
    return () => observer.disconnect();
  }, [el, loaded, state.total, more]);

  const current = state.key === key ? state : { items: [], total: null, error: null };
  return [{ items: current.items, total: current.total, error: current.error }, setEl];
}
