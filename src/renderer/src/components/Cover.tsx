/** A cover image (album, artist or track); the core answers a placeholder when there is none. */
import type { AlbumSummary, ArtistSummary } from '../../../shared/browse-types';
import type { Track } from '../../../shared/types';
import { coverUrl, type CoverSize } from '../covers';

export function Cover({
  item,
  size = 'grid',
  round = false,
  className = '',
}: {
  item: Track | AlbumSummary | ArtistSummary;
  size?: CoverSize;
  round?: boolean;
  className?: string;
}) {
  return (
    <img
      className={`cover${round ? ' round' : ''} ${className}`}
      src={coverUrl(item, size)}
      alt=""
      loading="lazy"
      decoding="async"
      draggable={false}
    />
  );
}
