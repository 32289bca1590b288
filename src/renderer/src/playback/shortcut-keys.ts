/**
 * App-wide keys, decided by a pure function (unit-tested) and installed once by `useShortcuts`:
 * Space plays/pauses anywhere except where it types (text fields), and a focused button, checkbox
 * or slider does not swallow it; Ctrl/⌘+←/→ seeks, Ctrl/⌘+↑/↓ changes the volume; Ctrl/⌘+F
 * focuses the search box of the screen; the media keys do what they say.
 * Plain arrows and Enter are left to lists and sliders (the library table moves its selection).
 * No DOM here: `useShortcuts` (shortcuts.ts) installs it.
 */
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
