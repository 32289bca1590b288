import { describe, expect, it } from 'vitest';
import { isTextField, shortcutFor } from '../../../../src/renderer/src/playback/shortcut-keys';
import type { KeyLike } from '../../../../src/renderer/src/playback/shortcut-keys';

const key = (k: string, code = k, mods: Partial<KeyLike> = {}): KeyLike => ({
  key: k,
  code,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});
const button = { tagName: 'BUTTON' };
const slider = { tagName: 'INPUT', type: 'range' };
const checkbox = { tagName: 'INPUT', type: 'checkbox' };
const search = { tagName: 'INPUT', type: 'search' };

describe('shortcuts', () => {
  it('Space toggles anywhere but in text fields, focused buttons and sliders included', () => {
    for (const target of [null, button, slider, checkbox, { tagName: 'DIV' }])
      expect(shortcutFor(key(' ', 'Space'), target)).toEqual({ kind: 'toggle' });
    for (const target of [
      search,
      { tagName: 'INPUT' },
      { tagName: 'TEXTAREA' },
      { tagName: 'DIV', isContentEditable: true },
    ])
      expect(shortcutFor(key(' ', 'Space'), target)).toBeNull();
    expect(shortcutFor(key(' ', 'Space', { ctrlKey: true }), null)).toBeNull();
  });

  it('seeks and changes volume with Ctrl or ⌘ and the arrows; plain arrows are left to lists', () => {
    expect(shortcutFor(key('ArrowLeft', 'ArrowLeft', { ctrlKey: true }), null)).toEqual({
      kind: 'seekBy',
      seconds: -5,
    });
    expect(shortcutFor(key('ArrowRight', 'ArrowRight', { metaKey: true }), slider)).toEqual({
      kind: 'seekBy',
      seconds: 5,
    });
    expect(shortcutFor(key('ArrowRight', 'ArrowRight', { ctrlKey: true, shiftKey: true }), null)).toEqual({
      kind: 'seekBy',
      seconds: 30,
    });
    expect(shortcutFor(key('ArrowUp', 'ArrowUp', { ctrlKey: true }), null)).toEqual({
      kind: 'volumeBy',
      delta: 0.05,
    });
    expect(shortcutFor(key('ArrowDown', 'ArrowDown', { ctrlKey: true }), null)).toEqual({
      kind: 'volumeBy',
      delta: -0.05,
    });
    expect(shortcutFor(key('ArrowDown'), null)).toBeNull();
    expect(shortcutFor(key('ArrowLeft', 'ArrowLeft', { ctrlKey: true }), search)).toBeNull();
  });

  it('Ctrl/⌘+F focuses search even from a text field; media keys work everywhere', () => {
    expect(shortcutFor(key('f', 'KeyF', { ctrlKey: true }), search)).toEqual({ kind: 'focusSearch' });
    expect(shortcutFor(key('F', 'KeyF', { metaKey: true }), null)).toEqual({ kind: 'focusSearch' });
    expect(shortcutFor(key('f', 'KeyF'), null)).toBeNull();
    expect(shortcutFor(key('MediaPlayPause'), search)).toEqual({ kind: 'toggle' });
    expect(shortcutFor(key('MediaTrackNext'), null)).toEqual({ kind: 'next' });
    expect(shortcutFor(key('MediaTrackPrevious'), null)).toEqual({ kind: 'previous' });
  });

  it('knows text fields from other inputs', () => {
    expect(isTextField(search)).toBe(true);
    expect(isTextField({ tagName: 'input', type: 'number' })).toBe(true);
    expect(isTextField(slider)).toBe(false);
    expect(isTextField(checkbox)).toBe(false);
    expect(isTextField(button)).toBe(false);
  });
});
