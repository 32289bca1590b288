/**
 * Cover URLs for <img> and MediaSession artwork: the core makes the thumbnail on first request
 * and caches it; a track without a cover gets a placeholder image from the same URL.
 */
import type { AlbumSummary, ArtistSummary } from '../../shared/browse-types';
import type { Track } from '../../shared/types';
import { MEDIA_SCHEME } from '../../shared/csp';
import { mode } from './api/client';
import { readToken } from './api/http-client';

export type CoverSize = 'small' | 'grid' | 'large';

/** Edge length in pixels of each size (what the core makes). */
export const coverPixels: Record<CoverSize, number> = { small: 96, grid: 320, large: 640 };

type HasCover = Track | AlbumSummary | ArtistSummary;

const token = mode === 'browser' ? readToken() : '';

export function coverUrl(item: HasCover, size: CoverSize = 'grid'): string {
  const [trackId, version] =
    'coverTrackId' in item ? [item.coverTrackId, item.coverVersion] : [item.id, item.updatedAt];
  const query = `size=${size}&v=${version}`;
  if (mode === 'electron') return `${MEDIA_SCHEME}://cover/${encodeURIComponent(trackId)}?${query}`;
  return `/cover/${encodeURIComponent(trackId)}?${query}&token=${encodeURIComponent(token)}`;
}

/** Absolute URL (MediaSession artwork needs one). */
export function absoluteCoverUrl(item: HasCover, size: CoverSize = 'large'): string {
  return new URL(coverUrl(item, size), window.location.href).href;
}
