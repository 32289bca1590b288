import { describe, expect, it } from 'vitest';
import { MEDIA_SCHEME, rendererCsp } from '../../../src/shared/csp';

function directive(policy: string, name: string): string[] {
  const found = policy
    .split(';')
    .map((part) => part.trim().split(/\s+/))
    .find(([key]) => key === name);
  if (!found) throw new Error(`${name} missing from ${policy}`);
  return found.slice(1);
}

describe('renderer CSP', () => {
  it('lets the Electron page load tracks and cover thumbnails from the media scheme', () => {
    const policy = rendererCsp('electron');
    expect(directive(policy, 'media-src')).toContain(`${MEDIA_SCHEME}:`);
    expect(directive(policy, 'img-src')).toContain(`${MEDIA_SCHEME}:`);
    expect(directive(policy, 'script-src')).toEqual(["'self'"]);
    expect(directive(policy, 'connect-src')).toEqual(["'self'"]);
  });

  it('keeps browser mode to its own origin, with no media scheme and no framing', () => {
    const policy = rendererCsp('browser');
    expect(policy).not.toContain(MEDIA_SCHEME);
    expect(directive(policy, 'default-src')).toEqual(["'none'"]);
    expect(directive(policy, 'frame-ancestors')).toEqual(["'none'"]);
  });

  it('never allows inline or evaluated script in either shell', () => {
    for (const shell of ['browser', 'electron'] as const) {
      expect(rendererCsp(shell)).not.toMatch(/unsafe-(inline|eval)/);
    }
  });
});
