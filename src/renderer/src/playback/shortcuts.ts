/** Installs the app-wide keys decided by shortcut-keys.ts on the window. */
import { useEffect, useRef } from 'react';
import { isTextField, shortcutFor } from './shortcut-keys';
import type { TargetLike } from './shortcut-keys';

export interface ShortcutActions {
  toggle(): void;
  next(): void;
  previous(): void;
  seekBy(seconds: number): void;
  volumeBy(delta: number): void;
}

/** The search box of the screen in view: the first visible `[data-search]` or search input. */
function focusSearch(): boolean {
  const boxes = document.querySelectorAll<HTMLInputElement>('[data-search], main input[type="search"]');
  for (const box of boxes) {
    if (box.offsetParent !== null) {
      box.focus();
      box.select();
      return true;
    }
  }
  return false;
}

/** Installs the app-wide keys (capture phase: before a focused control acts on Space). */
export function useShortcuts(actions: ShortcutActions): void {
  const latest = useRef(actions);
  useEffect(() => {
    latest.current = actions;
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.defaultPrevented || e.isComposing) return;
      const target = e.target instanceof HTMLElement ? e.target : null;
      const shortcut = shortcutFor(e, target as (TargetLike & HTMLElement) | null);
      if (!shortcut) return;
      const a = latest.current;
      if (shortcut.kind === 'focusSearch') {
        if (!focusSearch()) return; // no search box here: let the browser find in the page
      } else if (shortcut.kind === 'toggle') a.toggle();
      else if (shortcut.kind === 'next') a.next();
      else if (shortcut.kind === 'previous') a.previous();
      else if (shortcut.kind === 'seekBy') a.seekBy(shortcut.seconds);
      else a.volumeBy(shortcut.delta);
      e.preventDefault();
      e.stopPropagation();
    };
    // A focused button or checkbox acts on Space at keyup: swallow that too once we handled keydown.
    const onKeyUp = (e: KeyboardEvent): void => {
      const target = e.target instanceof HTMLElement ? e.target : null;
      if (e.code === 'Space' && !isTextField(target as (TargetLike & HTMLElement) | null)) e.preventDefault();
    };
    window.addEventListener('keydown', onKey, true);
    window.addEventListener('keyup', onKeyUp, true);
    return () => {
      window.removeEventListener('keydown', onKey, true);
      window.removeEventListener('keyup', onKeyUp, true);
    };
  }, []);
}
