/** Every artist as a round picture (from one of their covers), searchable, loaded as it scrolls. */
import { useState } from 'react';
import type { ArtistSummary } from '../../../shared/browse-types';
import { client } from '../api/client';
import { Cover } from '../components/Cover';
import { nf } from '../format';
import { useApp, useDebounced } from '../hooks';
import { usePaged } from '../usePaged';

const PAGE = 120;

export function ArtistsScreen() {
  const { showArtist } = useApp();
  const [text, setText] = useState('');
  const query = useDebounced(text.trim(), 200);
  const [artists, sentinel] = usePaged<ArtistSummary>(query, (offset) =>
    client
      .invoke('library.artists', { text: query || undefined, offset, limit: PAGE })
      .then((r) => ({ total: r.total, items: r.artists })),
  );
  return (
    <section className="screen browse">
      <header className="screen-header">
        <h1>Artists</h1>
        <div className="muted">
          {artists.total === null
            ? 'Loading…'
            : `${nf.format(artists.total)} ${query ? 'matching ' : ''}artists`}
        </div>
        <input
          type="search"
          className="search browse-search"
          placeholder="Find an artist…"
          value={text}
          onChange={(e) => setText(e.target.value)}
          aria-label="Find artists"
        />
      </header>
      {artists.error && <div className="error-text">{artists.error}</div>}
      {artists.total === 0 && (
        <div className="empty">
          <p>{query ? 'No artist matches.' : 'No artists yet: add a music folder.'}</p>
        </div>
      )}
      <ul className="album-grid artist-grid" aria-label="Artists">
        {artists.items.map((a) => (
          <li key={a.name} className="album-card artist-card">
            <button
              className="album-open"
              onClick={() => showArtist(a.name)}
              aria-label={`Open artist ${a.name}`}
            >
              <Cover item={a} round />
            </button>
            <button className="album-title" onClick={() => showArtist(a.name)} title={a.name}>
              {a.name}
            </button>
            <div className="album-meta">
              <span>
                {a.albumCount === 1 ? '1 album' : `${a.albumCount} albums`} ·{' '}
                {a.trackCount === 1 ? '1 track' : `${a.trackCount} tracks`}
              </span>
            </div>
          </li>
        ))}
      </ul>
      <div ref={sentinel} className="sentinel" />
    </section>
  );
}
