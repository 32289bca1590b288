/**
 * Clusters: the active run's sonic groups as cards (generated name, size, top tags, what sets each
 * apart in words, representative tracks to play), play or queue a cluster, save it as M3U and the
 * whole run as CSV; choose the algorithm and space and run again with progress and Cancel; the
 * run's quality figures in plain words. Empty states say what to do next.
 */
import { useEffect, useMemo, useState } from 'react';
import type { Request } from '../../../shared/contract';
import type { ClusterProfileView, LibraryStats, Track } from '../../../shared/types';
import { client } from '../api/client';
import { metricsInWords, runSummary } from '../cluster-words';
import { LabelledSelect, type SelectOption } from '../components/LabelledSelect';
import { useTrackMenu } from '../components/TrackMenu';
import { nf } from '../format';
import { useApp } from '../hooks';
import { clusterCss } from '../map/palette';
import { usePlayer } from '../player';
import { useClusters, type ClustersState } from '../useClusters';

type Algorithm = Request<'clusters.start'>['algorithm'];
type Space = Request<'clusters.start'>['space'];

const ALGORITHMS: SelectOption<NonNullable<Algorithm>>[] = [
  { value: 'auto', label: 'Automatic (best of all)' },
  { value: 'kmeans', label: 'k-means' },
  { value: 'gmm', label: 'Gaussian mixture' },
  { value: 'hdbscan', label: 'HDBSCAN (leaves outliers out)' },
  { value: 'dbscan', label: 'DBSCAN' },
  { value: 'agglomerative', label: 'Agglomerative (Ward)' },
];
const SPACES: SelectOption<NonNullable<Space>>[] = [
  { value: 'default', label: 'Similarity setting' },
  { value: 'embedding', label: 'Sound embedding' },
  { value: 'features', label: 'Audio features' },
];

/** Feature names of the profiles (analysis scalars) as listeners say them. */
const FEATURE_WORDS: Record<string, string> = {
  bpm: 'tempo',
  danceability: 'danceability',
  onsetRate: 'note density',
  loudness: 'loudness',
  loudnessRange: 'loudness range',
  dynamicComplexity: 'dynamics',
  spectralCentroid: 'brightness',
  spectralFlux: 'timbral change',
  spectralFlatness: 'noisiness',
  zeroCrossingRate: 'hiss',
};

function distinctiveWords(d: { feature: string; effect: number; word: string }): string {
  const size = Math.abs(d.effect);
  const how = size >= 1.2 ? 'much' : size >= 0.6 ? 'clearly' : 'a little';
  const dir = d.effect >= 0 ? 'higher' : 'lower';
  return `${d.word}: ${FEATURE_WORDS[d.feature] ?? d.feature} ${how} ${dir} than the library`;
}

export function ClustersScreen({ stats }: { stats: LibraryStats | null }) {
  const state = useClusters();
  const { go } = useApp();
  const { list, running } = state;
  const run = list?.run ?? null;
  const [algorithm, setAlgorithm] = useState<NonNullable<Algorithm>>('auto');
  const [space, setSpace] = useState<NonNullable<Space>>('default');
  const analysed = stats?.analysed ?? null;

  const representatives = useRepresentatives(list?.clusters ?? []);

  const controls = (
    <div className="filters cluster-controls">
      <LabelledSelect label="Algorithm" value={algorithm} options={ALGORITHMS} onChange={setAlgorithm} />
      <LabelledSelect label="Space" value={space} options={SPACES} onChange={setSpace} />
      <button className="primary" disabled={running} onClick={() => state.start({ algorithm, space })}>
        {run ? 'Re-run clustering' : 'Run clustering'}
      </button>
      {run && (
        <button
          onClick={() => void state.exportFiles({ kind: 'csv' })}
          title="Every track with its cluster and map position"
        >
          Export CSV
        </button>
      )}
      {run && <button onClick={() => go('map')}>Open the map</button>}
    </div>
  );

  return (
    <section className="screen clusters-screen">
      <header className="screen-header">
        <h1>Clusters</h1>
        {run && <div className="muted small run-summary">{runSummary(run, nf)}</div>}
      </header>
      {analysed !== null && analysed < 4 ? (
        <div className="empty">
          <p className="empty-title">Nothing to cluster yet</p>
          <p className="muted">
            Clusters group tracks by how they sound, so they need analysed tracks (at least 4;{' '}
            {nf.format(analysed)} now). Analyse the library first.
          </p>
          <button className="primary" onClick={() => go('analysis')}>
            Open Analysis
          </button>
        </div>
      ) : (
        <>
          {controls}
          <RunProgress state={state} />
          {state.error && <p className="error-text">{state.error}</p>}
          {!list ? (
            !state.error && <p className="muted">Loading…</p>
          ) : !run ? (
            !running && (
              <div className="empty">
                <p className="empty-title">No clusters yet</p>
                <p className="muted">
                  Run the clustering to group your {analysed !== null ? nf.format(analysed) : ''} analysed
                  tracks by sound. “Automatic” tries every algorithm and keeps the best-separated result.
                </p>
                <button className="primary" onClick={() => state.start({ algorithm, space })}>
                  Run clustering
                </button>
              </div>
            )
          ) : (
            <>
              {run.stale && (
                <div className="banner warn stale-banner">
                  Your analysed library changed since this run, so these clusters no longer cover every track.{' '}
                  <button
                    className="link-button"
                    disabled={running}
                    onClick={() => state.start({ algorithm, space })}
                  >
                    Re-run now
                  </button>
                </div>
              )}
              <div className="card metrics-card">
                <h2>How good is this grouping?</h2>
                <ul className="metric-words">
                  {metricsInWords(run).map((m) => (
                    <li key={m}>{m}</li>
                  ))}
                </ul>
                {run.metrics.rule && <p className="muted small">Chosen by: {run.metrics.rule}</p>}
              </div>
              <div className="cluster-cards">
                {list.clusters.map((c) => (
                  <ClusterCard key={c.id} cluster={c} tracks={representatives} state={state} />
                ))}
              </div>
              {list.noiseIds.length > 0 && (
                <p className="muted small">
                  {nf.format(list.noiseIds.length)} tracks fit no cluster well (grey on the map).
                </p>
              )}
            </>
          )}
        </>
      )}
    </section>
  );
}

function RunProgress({ state }: { state: ClustersState }) {
  const p = state.progress;
  if (!p || p.state === 'idle' || p.state === 'done') return null;
  if (p.state !== 'running')
    return (
      <p className={p.state === 'failed' ? 'error-text' : 'muted'} data-cluster-state={p.state}>
        {p.message}
      </p>
    );
  const fraction = p.total > 0 ? Math.min(1, p.done / p.total) : null;
  return (
    <div className="card cluster-progress" data-cluster-state="running">
      <div className="progress-line">
        <span>
          {p.message} <span className="muted">{p.phase}</span>
          {fraction !== null && <span className="muted"> · {Math.round(fraction * 100)} %</span>}
        </span>
        <button onClick={state.cancel} disabled={p.phase === 'cancelling'}>
          Cancel
        </button>
      </div>
      <div className="progress big" role="progressbar" aria-label="Clustering progress">
        <div
          className={`progress-fill${fraction === null ? ' indeterminate' : ''}`}
          style={{ width: `${fraction === null ? 100 : Math.round(fraction * 100)}%` }}
        />
      </div>
    </div>
  );
}

/** The representative tracks of every card, loaded at once (for playing them and their menus). */
function useRepresentatives(clusters: ClusterProfileView[]): Map<string, Track> {
  const [tracks, setTracks] = useState<Map<string, Track>>(new Map());
  const ids = useMemo(() => clusters.flatMap((c) => c.representatives.map((r) => r.id)), [clusters]);
  const key = ids.join('|');
  useEffect(() => {
    if (ids.length === 0) return;
    let live = true;
    client
      .invoke('library.tracksById', { ids })
      .then((list) => live && setTracks(new Map(list.map((t) => [t.id, t]))))
      .catch(() => undefined);
    return () => {
      live = false;
    };
    // The ids' content is the key: a new array with the same ids loads nothing.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return tracks;
}

function ClusterCard({
  cluster,
  tracks,
  state,
}: {
  cluster: ClusterProfileView;
  tracks: Map<string, Track>;
  state: ClustersState;
}) {
  const player = usePlayer();
  const { notify } = useApp();
  const menu = useTrackMenu();
  const [busy, setBusy] = useState(false);

  /** The cluster's tracks, representatives first. */
  const load = async (): Promise<Track[]> => {
    const reps = cluster.representatives.map((r) => r.id);
    const rest = cluster.trackIds.filter((id) => !reps.includes(id));
    return client.invoke('library.tracksById', { ids: [...reps, ...rest] });
  };
  const act = (what: 'play' | 'queue'): void => {
    setBusy(true);
    load()
      .then((list) => {
        if (list.length === 0) {
          notify('None of these tracks is in the library any more.');
          return;
        }
        if (what === 'play') player.playQueue(list, 0);
        else {
          player.addToQueue(list);
          notify(`Queued ${nf.format(list.length)} tracks of “${cluster.name}”.`, 'info');
        }
      })
      .catch((err: unknown) => notify(err))
      .finally(() => setBusy(false));
  };

  return (
    <article className="card cluster-card" data-cluster-id={cluster.id}>
      <div className="cluster-card-head">
        <span className="swatch" style={{ background: clusterCss(cluster.id) }} aria-hidden />
        <h2 className="cluster-name">{cluster.name}</h2>
        <span className="muted small cluster-size">{nf.format(cluster.size)} tracks</span>
      </div>
      {cluster.topTags.length > 0 && (
        <div className="chips">
          {cluster.topTags.slice(0, 5).map((t) => (
            <span
              key={t.tag}
              className="chip tag"
              title={`${(t.score * 100).toFixed(0)} % on average, ${t.lift.toFixed(1)}× the library`}
            >
              {t.tag}
            </span>
          ))}
        </div>
      )}
      {cluster.distinctive.length > 0 && (
        <ul className="features distinctive">
          {cluster.distinctive.slice(0, 3).map((d) => (
            <li key={d.feature}>{distinctiveWords(d)}</li>
          ))}
        </ul>
      )}
      <ol className="rep-list">
        {cluster.representatives.map((r) => {
          const track = tracks.get(r.id);
          const props = track ? menu.menuProps(track) : {};
          return (
            <li
              key={r.id}
              tabIndex={0}
              data-track-id={r.id}
              onDoubleClick={() => track && player.playQueue([track], 0)}
              {...props}
            >
              <button
                className="small-button"
                aria-label={`Play ${r.title}`}
                disabled={!track}
                onClick={() => track && player.playQueue([track], 0)}
              >
                ▶
              </button>
              <span className="r-title">{r.title}</span> <span className="muted r-artist">{r.artist}</span>
            </li>
          );
        })}
      </ol>
      <div className="button-row">
        <button className="primary" disabled={busy} onClick={() => act('play')}>
          Play cluster
        </button>
        <button disabled={busy} onClick={() => act('queue')}>
          Queue
        </button>
        <button
          onClick={() => void state.exportFiles({ kind: 'cluster', clusterId: cluster.id })}
          title="Save this cluster as an M3U playlist"
        >
          Export M3U
        </button>
      </div>
    </article>
  );
}
