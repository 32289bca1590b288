/** The album grid: every album as its cover, searchable, loaded page by page as it scrolls. */
import { useState } from 'react';
import type { AlbumSummary } from '../../../shared/browse-types';
import { client } from '../api/client';
import { Cover } from '../components/Cover';
import { PlayIcon } from '../components/Icons';
import { nf } from '../format';
import { useApp, useDebounced } from '../hooks';
import { usePlayer } from '../player';
import { usePaged } from '../usePaged';

const PAGE = 120;

export function AlbumsScreen() {
  const [text, setText] = useState('');
  const query = useDebounced(text.trim(), 200);
  const [albums, sentinel] = usePaged<AlbumSummary>(query, (offset) =>
    client
      .invoke('library.albums', { text: query || undefined, offset, limit: PAGE })
      .then((r) => ({ total: r.total, items: r.albums })),
  );
  return (
    <section className="screen browse">
      <header className="screen-header">
        <h1>Albums</h1>
        <div className="muted">
          {albums.total === null
            ? 'Loading…'
            : `${nf.format(albums.total)} ${query ? 'matching ' : ''}albums`}
        </div>
        <input
          type="search"
          className="search browse-search"
          placeholder="Find an album or artist…"
          value={text}
          onChange={(e) => setText(e.target.value)}
          aria-label="Find albums"
        />
      </header>
      {albums.error && <div className="error-text">{albums.error}</div>}
      {albums.total === 0 && (
        <div className="empty">
          <p>{query ? 'No album matches.' : 'No albums yet: add a music folder.'}</p>
        </div>
      )}
      <AlbumGrid albums={albums.items} />
      <div ref={sentinel} className="sentinel" />
    </section>
  );
}

export function AlbumGrid({ albums, showArtist = true }: { albums: AlbumSummary[]; showArtist?: boolean }) {
  const { showAlbum, showArtist: openArtist, notify } = useApp();
  const player = usePlayer();
  const playAlbum = (album: AlbumSummary): void => {
    client
      .invoke('library.album', { id: album.id })
      .then((detail) => detail && player.playQueue(detail.tracks, 0))
      .catch((err: unknown) => notify(err));
  };
  return (
    <ul className="album-grid" aria-label="Albums">
      {albums.map((a) => (
        <li key={a.id} className="album-card" data-album-id={a.id}>
          <div className="album-art">
            <button
              className="album-open"
              onClick={() => showAlbum({ id: a.id })}
              aria-label={`Open album ${a.title}`}
            >
              <Cover item={a} />
            </button>
            <button
              className="album-play"
              onClick={() => playAlbum(a)}
              aria-label={`Play album ${a.title}`}
              title="Play album"
            >
              <PlayIcon />
            </button>
          </div>
          <button className="album-title" onClick={() => showAlbum({ id: a.id })} title={a.title}>
            {a.title}
          </button>
          <div className="album-meta">
            {showArtist ? (
              <button className="album-artist" onClick={() => openArtist(a.artist)} title={a.artist}>
                {a.artist}
              </button>
            ) : (
              <span>{a.trackCount === 1 ? '1 track' : `${a.trackCount} tracks`}</span>
            )}
            {a.year !== null && <span className="album-year">{a.year}</span>}
          </div>
        </li>
      ))}
    </ul>
  );
}
