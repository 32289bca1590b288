/**
 * The renderer's Content-Security-Policy, in one place for both ways it is loaded:
 * browser mode sends it as a header from the loopback server; the Electron build writes it into
 * index.html as a meta tag (the page comes from file://, which has no headers). Electron reaches
 * audio and cover thumbnails through the privileged `timbre-media:` scheme, so its policy allows
 * that scheme for media and images and nothing else beyond the page's own origin.
 */

/** The privileged scheme Electron serves tracks and covers on (registered in src/main/electron). */
export const MEDIA_SCHEME = 'timbre-media';

export type CspShell = 'browser' | 'electron';

export function rendererCsp(shell: CspShell): string {
  const media = shell === 'electron' ? ` ${MEDIA_SCHEME}:` : '';
  const directives = [
    shell === 'browser' ? "default-src 'none'" : "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data:${media}`,
    "font-src 'self'",
    `media-src 'self'${media}`,
    "connect-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
  ];
  // frame-ancestors is ignored (with a console warning) in a meta tag; only a header can carry it.
  if (shell === 'browser') directives.push("frame-ancestors 'none'");
  return directives.join('; ');
}
