/** An album page: its cover, what it is, and its tracks in disc/track order, to play from. */
import type { AlbumDetail } from '../../../shared/browse-types';
import { client } from '../api/client';
import { Cover } from '../components/Cover';
import { PlayIcon } from '../components/Icons';
import { TrackList } from '../components/TrackList';
import { formatHours } from '../format';
import { useApp, useKeyedLoad } from '../hooks';
import { usePlayer } from '../player';

export function AlbumScreen({ id }: { id: string }) {
  const { go, showArtist } = useApp();
  const player = usePlayer();
  const loaded = useKeyedLoad<AlbumDetail | null>(id, () => client.invoke('library.album', { id }));
  if (!loaded) return <section className="screen browse muted">Loading…</section>;
  const album = loaded.value;
  if (!album) {
    return (
      <section className="screen browse">
        <div className="empty">
          <p>{loaded.error ?? 'This album is no longer in the library.'}</p>
          <button onClick={() => go('albums')}>All albums</button>
        </div>
      </section>
    );
  }
  const seedArtist = album.artist;
  return (
    <section className="screen browse album-page">
      <header className="hero">
        <Cover item={album} size="large" className="hero-cover" />
        <div className="hero-text">
          <div className="hero-kind">Album</div>
          <h1 className="hero-title">{album.title}</h1>
          <div className="hero-meta">
            <button className="inline-link strong" onClick={() => showArtist(album.artist)}>
              {album.artist}
            </button>
            {album.year !== null && <span>{album.year}</span>}
            <span>{album.trackCount === 1 ? '1 track' : `${album.trackCount} tracks`}</span>
            <span>{formatHours(album.duration)}</span>
          </div>
          {album.genres.length > 0 && (
            <div className="chips">
              {album.genres.map((g) => (
                <span key={g} className="chip">
                  {g}
                </span>
              ))}
            </div>
          )}
          <div className="hero-actions">
            <button className="primary play-button" onClick={() => player.playQueue(album.tracks, 0)}>
              <PlayIcon /> Play
            </button>
            <button
              onClick={() =>
                void player.playSimilarTo(
                  {
                    kind: 'album',
                    album: album.tracks[0].album,
                    albumArtist: album.albumArtist ?? undefined,
                  },
                  album.title,
                )
              }
              title="A queue of tracks that sound like this album"
            >
              ≈ Play similar
            </button>
          </div>
        </div>
      </header>
      <TrackList
        tracks={album.tracks}
        numbering="track"
        showArtistUnless={seedArtist}
        label={`Tracks of ${album.title}`}
      />
    </section>
  );
}
