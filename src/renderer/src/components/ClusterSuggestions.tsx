/**
 * "By cluster": suggestions for a seed track from the active clustering run
 * (`similar.clusterSuggestions`): the nearest tracks in its own cluster, then a few from each other
 * cluster. Shown on Similar and Now playing; loads again when a clustering run finishes.
 */
import { useState } from 'react';
import type { SimilarTrack, Track } from '../../../shared/types';
import { client } from '../api/client';
import { useApp, useEvent, useKeyedLoad } from '../hooks';
import { clusterCss } from '../map/palette';
import { usePlayer } from '../player';
import { useTrackMenu } from './TrackMenu';

export function ClusterSuggestionsCard({ seedId }: { seedId: string }) {
  const { go } = useApp();
  const player = usePlayer();
  const [runs, setRuns] = useState(0);
  useEvent('clusters.progress', (p) => {
    if (p.state === 'done') setRuns((r) => r + 1);
  });
  const clusters = useKeyedLoad(`${seedId}|${runs}`, () =>
    client.invoke('similar.clusterSuggestions', { id: seedId, sameCluster: 8, perOtherCluster: 3 }),
  );
  const suggestions = clusters?.value ?? null;
  const play = (t: Track): void => player.playQueue([t], 0);

  return (
    <div className="card by-cluster">
      <h2>By cluster</h2>
      {!suggestions ? (
        <p className="muted">{clusters?.error ?? 'Loading…'}</p>
      ) : !suggestions.clustersAvailable ? (
        <div className="empty-inline">
          <p className="muted">
            Clusters are not computed yet; they appear here once the library is clustered.
          </p>
          <button onClick={() => go('clusters')}>Open Clusters</button>
        </div>
      ) : (
        <div className="clusters">
          {suggestions.stale && (
            <p className="muted small">
              The library changed since the clustering run;{' '}
              <button className="link-button" onClick={() => go('clusters')}>
                re-run it
              </button>{' '}
              to include every track.
            </p>
          )}
          <ClusterGroup
            title={`Same cluster${suggestions.seedCluster ? `: ${suggestions.seedCluster.label}` : ''}`}
            colour={suggestions.seedCluster ? clusterCss(suggestions.seedCluster.id) : undefined}
            tracks={suggestions.sameCluster}
            onPlay={play}
          />
          {suggestions.otherClusters.map((g) => (
            <ClusterGroup
              key={g.cluster.id}
              title={g.cluster.label}
              colour={clusterCss(g.cluster.id)}
              subtitle={g.cluster.topTags.slice(0, 3).join(', ')}
              tracks={g.tracks}
              onPlay={play}
            />
          ))}
        </div>
      )}
    </div>
  );
}

function ClusterGroup({
  title,
  subtitle,
  colour,
  tracks,
  onPlay,
}: {
  title: string;
  subtitle?: string;
  colour?: string;
  tracks: SimilarTrack[];
  onPlay(t: Track): void;
}) {
  if (tracks.length === 0) return null;
  return (
    <div className="cluster-group">
      <div className="cluster-title">
        {colour && <span className="swatch" style={{ background: colour }} aria-hidden />} {title}{' '}
        {subtitle && <span className="muted small">{subtitle}</span>}
      </div>
      <ul>
        {tracks.map((s) => (
          <ClusterTrack key={s.track.id} track={s.track} onPlay={onPlay} />
        ))}
      </ul>
    </div>
  );
}

function ClusterTrack({ track, onPlay }: { track: Track; onPlay(t: Track): void }) {
  const menu = useTrackMenu().menuProps(track, { play: () => onPlay(track) });
  return (
    <li
      tabIndex={0}
      data-track-id={track.id}
      onDoubleClick={() => onPlay(track)}
      onContextMenu={menu.onContextMenu}
      onKeyDown={(e) => {
        if (e.key === 'Enter') onPlay(track);
        else menu.onKeyDown(e);
      }}
    >
      <span className="c-title">{track.title || track.path}</span>{' '}
      <span className="muted">{track.artist}</span>
    </li>
  );
}
