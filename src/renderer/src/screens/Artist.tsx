/** An artist page: picture, their albums (newest first) and tracks to start from. */
import type { ArtistDetail } from '../../../shared/browse-types';
import { client } from '../api/client';
import { Cover } from '../components/Cover';
import { PlayIcon } from '../components/Icons';
import { TrackList } from '../components/TrackList';
import { useApp, useKeyedLoad } from '../hooks';
import { usePlayer } from '../player';
import { AlbumGrid } from './Albums';

export function ArtistScreen({ name }: { name: string }) {
  const { go } = useApp();
  const player = usePlayer();
  const loaded = useKeyedLoad<ArtistDetail | null>(name, () => client.invoke('library.artist', { name }));
  if (!loaded) return <section className="screen browse muted">Loading…</section>;
  const artist = loaded.value;
  if (!artist) {
    return (
      <section className="screen browse">
        <div className="empty">
          <p>{loaded.error ?? `No tracks by ${name} in the library.`}</p>
          <button onClick={() => go('artists')}>All artists</button>
        </div>
      </section>
    );
  }
  return (
    <section className="screen browse artist-page">
      <header className="hero">
        <Cover item={artist} size="large" round className="hero-cover" />
        <div className="hero-text">
          <div className="hero-kind">Artist</div>
          <h1 className="hero-title">{artist.name}</h1>
          <div className="hero-meta">
            <span>{artist.albumCount === 1 ? '1 album' : `${artist.albumCount} albums`}</span>
            <span>{artist.trackCount === 1 ? '1 track' : `${artist.trackCount} tracks`}</span>
          </div>
          <div className="hero-actions">
            <button className="primary play-button" onClick={() => player.playQueue(artist.topTracks, 0)}>
              <PlayIcon /> Play
            </button>
            <button
              onClick={() => void player.playSimilarTo({ kind: 'artist', artist: artist.name }, artist.name)}
              title="A queue of tracks that sound like this artist"
            >
              ≈ Play similar
            </button>
          </div>
        </div>
      </header>
      <h2 className="section-title">Top tracks</h2>
      <TrackList
        tracks={artist.topTracks}
        numbering="index"
        showCover
        showAlbum
        label={`Top tracks of ${artist.name}`}
      />
      <h2 className="section-title">Albums</h2>
      <AlbumGrid albums={artist.albums} showArtist={false} />
    </section>
  );
}
