/**
 * App-wide keys, decided by a pure function (unit-tested) and installed once by `useShortcuts`:
 * Space plays/pauses anywhere except where it types (text fields), and a focused button, checkbox
 * or slider does not swallow it; Ctrl/⌘+←/→ seeks, Ctrl/⌘+↑/↓ changes the volume; Ctrl/⌘+F
 * focuses the search box of the screen; the media keys do what they say.
 * Plain arrows and Enter are left to lists and sliders (the library table moves its selection).
 */
import { useEffect, useRef } from 'react';

export type Shortcut =
  | { kind: 'toggle' }
  | { kind: 'next' }
  | { kind: 'previous' }
  | { kind: 'seekBy'; seconds: number }
  | { kind: 'volumeBy'; delta: number }
  | { kind: 'focusSearch' };

/** What the decision needs from a keydown (a KeyboardEvent fits). */
export interface KeyLike {
  key: string;
  code: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

/** What the decision needs from the focused element. */
export interface TargetLike {
  tagName: string;
  /** The `type` of an <input>. */
  type?: string;
  isContentEditable?: boolean;
}

/** Input types where Space and arrows edit text. */
const TEXT_INPUTS = new Set(['text', 'search', 'email', 'url', 'tel', 'password', 'number', 'date', 'time']);

export function isTextField(target: TargetLike | null): boolean {
  if (!target) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName.toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  return tag === 'INPUT' && TEXT_INPUTS.has((target.type || 'text').toLowerCase());
}

export const SEEK_SECONDS = 5;
export const VOLUME_STEP = 0.05;

export function shortcutFor(e: KeyLike, target: TargetLike | null): Shortcut | null {
  switch (e.key) {
    case 'MediaPlayPause':
      return { kind: 'toggle' };
    case 'MediaTrackNext':
      return { kind: 'next' };
    case 'MediaTrackPrevious':
      return { kind: 'previous' };
  }
  const mod = (e.ctrlKey || e.metaKey) && !e.altKey;
  if (mod && !e.shiftKey && e.key.toLowerCase() === 'f') return { kind: 'focusSearch' };
  if (isTextField(target)) return null;
  if (e.code === 'Space' && !e.ctrlKey && !e.metaKey && !e.altKey) return { kind: 'toggle' };
  if (!mod) return null;
  const step = e.shiftKey ? SEEK_SECONDS * 6 : SEEK_SECONDS;
  switch (e.key) {
    case 'ArrowLeft':
      return { kind: 'seekBy', seconds: -step };
    case 'ArrowRight':
      return { kind: 'seekBy', seconds: step };
    case 'ArrowUp':
      return { kind: 'volumeBy', delta: VOLUME_STEP };
    case 'ArrowDown':
      return { kind: 'volumeBy', delta: -VOLUME_STEP };
  }
  return null;
}

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
