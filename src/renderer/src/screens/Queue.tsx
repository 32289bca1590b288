/**
 * Now playing: the current track with what analysis knows about it, "play similar" from it, its
 * album, its artist or the whole queue, a song path to another track, and the queue.
 */
import { useState } from 'react';
import { client } from '../api/client';
import { ClusterSuggestionsCard } from '../components/ClusterSuggestions';
import { Cover } from '../components/Cover';
import { PathPicker } from '../components/PathPicker';
import { PlaylistTools } from '../components/PlaylistTools';
import { QueueList } from '../components/QueueList';
import { useTrackMenu } from '../components/TrackMenu';
import { formatDuration } from '../format';
import { useApp, useKeyedLoad } from '../hooks';
import { usePlayer } from '../player';

export function QueueScreen() {
  const player = usePlayer();
  const { go, select } = useApp();
  const { current } = player;
  const currentId = current?.id ?? null;
  const [pathOpen, setPathOpen] = useState(false);
  const menu = useTrackMenu();
  const busy = player.similarLoading;
  // What analysis knows about the playing track (nothing when the call fails).
  const analysis =
    useKeyedLoad(`${currentId}`, currentId ? () => client.invoke('analysis.track', { id: currentId }) : null)
      ?.value ?? null;
  const tags = analysis ? Object.values(analysis.tags)[0]?.slice(0, 6) : undefined;

  return (
    <section className="screen queue">
      <header className="screen-header">
        <h1>Now playing</h1>
        <PlaylistTools />
      </header>
      {!current ? (
        <div className="empty">
          <p className="empty-title">Nothing is playing</p>
          <p className="muted">Double-click a track in the library, or use “Play similar”.</p>
          <button className="primary" onClick={() => go('library')}>
            Open the library
          </button>
        </div>
      ) : (
        <div
          className="card now-playing"
          {...menu.menuProps(current, { entry: player.currentEntry ?? undefined })}
        >
          <Cover item={current} size="large" className="np-cover" />
          <div className="np-main">
            <div className="np-title">{current.title || current.path}</div>
            <div className="np-artist">
              {current.artist}
              {current.album ? ` — ${current.album}` : ''}
              {current.year ? ` (${current.year})` : ''}
            </div>
            <div className="muted small">
              {current.format} {current.codec} · {formatDuration(current.duration)}
              {current.bitrate > 0 ? ` · ${Math.round(current.bitrate / 1000)} kbps` : ''}
              {current.genres.length > 0 ? ` · ${current.genres.join(', ')}` : ''}
            </div>
            {analysis ? (
              <div className="chips">
                <span className="chip">{Math.round(Number(analysis.features.bpm))} BPM</span>
                <span className="chip">
                  {analysis.features.key} {analysis.features.scale}
                </span>
                <span className="chip">{Number(analysis.features.loudness).toFixed(1)} LUFS</span>
                {tags?.map((t) => (
                  <span key={t.tag} className="chip tag">
                    {t.tag}
                  </span>
                ))}
              </div>
            ) : (
              <div className="muted small">Not analysed yet.</div>
            )}
          </div>
          <div className="np-actions">
            <button
              className="primary"
              disabled={busy}
              onClick={() => void player.playSimilar(current)}
              title="Replace the upcoming tracks with tracks that sound like this one"
            >
              {player.similarLoading ? 'Finding…' : '≈ Play similar'}
            </button>
            <div className="button-row">
              {current.album && (
                <button
                  disabled={busy}
                  onClick={() =>
                    void player.playSimilarTo(
                      { kind: 'album', album: current.album, albumArtist: current.albumArtist || undefined },
                      `the album “${current.album}”`,
                    )
                  }
                  title="Play tracks that sound like this whole album (not the album itself)"
                >
                  ≈ Album
                </button>
              )}
              {current.artist && (
                <button
                  disabled={busy}
                  onClick={() =>
                    void player.playSimilarTo({ kind: 'artist', artist: current.artist }, current.artist)
                  }
                  title="Play tracks that sound like this artist's tracks"
                >
                  ≈ Artist
                </button>
              )}
            </div>
            <button
              onClick={() => {
                select(current);
                go('similar');
              }}
            >
              Show similar
            </button>
            {player.currentEntry && player.currentEntry.origin.kind !== 'user' && (
              <button onClick={() => menu.why(current, player.currentEntry ?? undefined)}>
                Why this track?
              </button>
            )}
            <button onClick={() => setPathOpen((o) => !o)} title="A song path from this track to another">
              Path to…
            </button>
            <label className={`toggle${player.radio ? ' on' : ''}`}>
              <input
                type="checkbox"
                checked={player.radio}
                onChange={(e) => player.setRadio(e.target.checked)}
              />
              Radio
            </label>
            {player.radio && player.radioSeed && (
              <span className="muted small">
                based on “{player.radioSeed.title || player.radioSeed.path}”
              </span>
            )}
          </div>
        </div>
      )}

      {current && pathOpen && <PathPicker onDone={() => setPathOpen(false)} />}

      {current && <ClusterSuggestionsCard seedId={current.id} />}

      {player.queue.length > 0 && (
        <div className="card">
          <div className="card-head">
            <h2>Queue</h2>
            <span className="muted">
              {player.queue.length - player.index - 1} up next
              {player.radioLoading ? ' · radio is adding tracks…' : ''}
            </span>
            <span className="button-row push-right">
              <button
                className="small-button"
                disabled={busy}
                onClick={() => void player.extendSimilar()}
                title="Add tracks that sound like the whole queue"
              >
                ≈ Add similar to queue
              </button>
              <button className="small-button" onClick={player.clearUpcoming}>
                Clear upcoming
              </button>
            </span>
          </div>
          <QueueList />
        </div>
      )}
    </section>
  );
}
