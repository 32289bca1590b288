/**
 * Similar: nearest tracks to the selected (or playing) track with their scores; clicking one
 * explains the match in words; cluster suggestions when clusters exist.
 */
import { useState } from 'react';
import type { Explanation, SimilaritySource, SimilarTrack, Track } from '../../../shared/types';
import { client } from '../api/client';
import { formatDuration } from '../format';
import { useApp, useKeyedLoad } from '../hooks';
import { LabelledSelect, type SelectOption } from '../components/LabelledSelect';
import { useTrackMenu } from '../components/TrackMenu';
import { usePlayer } from '../player';
import { notAnalysedHint } from './Library';
import { SoundSearch } from '../components/SoundSearch';
import { ClusterSuggestionsCard } from '../components/ClusterSuggestions';

const SEEDS: SelectOption<'selected' | 'playing'>[] = [
  { value: 'selected', label: 'Selected track' },
  { value: 'playing', label: 'Playing track' },
];
const SOURCES: SelectOption<SimilaritySource | 'default'>[] = [
  { value: 'default', label: 'Settings default' },
  { value: 'embedding', label: 'Sound embedding' },
  { value: 'features', label: 'Audio features' },
  { value: 'blend', label: 'Blend' },
];

export function SimilarScreen() {
  const { selected, go } = useApp();
  const player = usePlayer();
  const [follow, setFollow] = useState<'selected' | 'playing'>(selected ? 'selected' : 'playing');
  const [source, setSource] = useState<SimilaritySource | 'default'>('default');
  const [picked, setPicked] = useState<string | null>(null);

  const seed: Track | null =
    follow === 'selected' ? (selected ?? player.current) : (player.current ?? selected);
  const seedId = seed?.id ?? null;
  const current = useKeyedLoad(
    `${seedId}|${source}`,
    seedId
      ? () =>
          client.invoke('similar.tracks', {
            seed: { kind: 'track', id: seedId },
            k: 25,
            source: source === 'default' ? undefined : source,
          })
      : null,
  );
  const explained = useKeyedLoad(
    `${seedId}|${picked}`,
    seedId && picked ? () => client.invoke('similar.explain', { a: seedId, b: picked }) : null,
  );

  if (!seed) {
    return (
      <section className="screen similar">
        <header className="screen-header">
          <h1>Similar</h1>
        </header>
        <div className="empty">
          <p className="empty-title">Pick a track</p>
          <p className="muted">Select a track in the library (or play one) to see what sounds like it.</p>
          <button className="primary" onClick={() => go('library')}>
            Open the library
          </button>
        </div>
        <SoundSearch />
      </section>
    );
  }

  const results = current?.value?.results ?? [];

  return (
    <section className="screen similar">
      <header className="screen-header">
        <h1>Similar</h1>
        <div className="seed">
          to <strong>{seed.title || seed.path}</strong> <span className="muted">by {seed.artist}</span>
        </div>
      </header>
      <div className="filters">
        <LabelledSelect label="Seed" value={follow} options={SEEDS} onChange={setFollow} />
        <LabelledSelect label="Compare by" value={source} options={SOURCES} onChange={setSource} />
        <button
          className="primary"
          disabled={results.length === 0 || player.similarLoading}
          onClick={() => void player.playSimilar(seed, { source: source === 'default' ? undefined : source })}
          title="Play this track, then a queue of similar tracks (with the variety rules)"
        >
          ≈ Play similar
        </button>
        {current?.value && <span className="muted small">{current.value.tookMs.toFixed(1)} ms</span>}
      </div>

      <div className="similar-grid">
        <div className="card">
          <p className="muted small score-caption">
            Scores are percentiles: how many of your library’s track pairs are less alike (99: closer than 99
            in 100 pairs); the model’s raw score follows in brackets.
          </p>
          {!current ? (
            <p className="muted">Searching…</p>
          ) : current.error ? (
            <div className="empty-inline">
              <p>{current.error}</p>
              {/analy[sz]/i.test(current.error) && (
                <>
                  <p className="muted">{notAnalysedHint}.</p>
                  <button onClick={() => go('analysis')}>Open Analysis</button>
                </>
              )}
            </div>
          ) : results.length === 0 ? (
            <p className="muted">No similar tracks found.</p>
          ) : (
            <ol className="similar-list">
              {results.map((r) => (
                <SimilarRow
                  key={r.track.id}
                  item={r}
                  active={picked === r.track.id}
                  onPick={() => setPicked(r.track.id)}
                  onPlay={() => player.playQueue([r.track], 0)}
                />
              ))}
            </ol>
          )}
        </div>

        <div className="side-column">
          <div className="card explain">
            <h2>Why similar?</h2>
            {!picked ? (
              <p className="muted">Click a result to see what the two tracks share.</p>
            ) : !explained ? (
              <p className="muted">Comparing…</p>
            ) : explained.error ? (
              <p className="error-text">{explained.error}</p>
            ) : explained.value ? (
              <ExplanationView e={explained.value} />
            ) : null}
          </div>

          <ClusterSuggestionsCard seedId={seed.id} />
        </div>
      </div>
      <SoundSearch />
    </section>
  );
}

function SimilarRow({
  item,
  active,
  onPick,
  onPlay,
}: {
  item: SimilarTrack;
  active: boolean;
  onPick(): void;
  onPlay(): void;
}) {
  // The percentile reads the same in any library; the raw score crowds near 1 (see calibration.ts).
  const percentile = item.percentile ?? Math.max(0, Math.min(1, item.score)) * 100;
  const menu = useTrackMenu().menuProps(item.track, { play: onPlay });
  return (
    <li
      className={active ? 'active' : ''}
      onClick={onPick}
      onDoubleClick={onPlay}
      tabIndex={0}
      aria-current={active ? 'true' : undefined}
      onContextMenu={menu.onContextMenu}
      onKeyDown={(e) => {
        if (e.key === 'Enter') onPick();
        else menu.onKeyDown(e);
      }}
    >
      <span
        className="score"
        title={`closer than ${Math.floor(percentile)} % of track pairs in the library (raw score ${item.score.toFixed(3)})`}
      >
        <span className="score-bar">
          <span className="score-fill" style={{ width: `${percentile.toFixed(0)}%` }} />
        </span>
        {Math.floor(percentile)}
        <span className="raw-score muted"> ({item.score.toFixed(2)})</span>
      </span>
      <span className="s-title">{item.track.title || item.track.path}</span>
      <span className="s-artist muted">{item.track.artist}</span>
      <span className="s-time muted">{formatDuration(item.track.duration)}</span>
      <button
        className="small-button"
        onClick={(e) => {
          e.stopPropagation();
          onPlay();
        }}
        aria-label="Play"
      >
        ▶
      </button>
    </li>
  );
}

function ExplanationView({ e }: { e: Explanation }) {
  return (
    <div>
      <p className="summary">{e.summary}</p>
      {e.sharedTags.length > 0 && (
        <div className="chips">
          {e.sharedTags.map((t) => (
            <span key={t} className="chip tag">
              {t}
            </span>
          ))}
        </div>
      )}
      {e.closest.length > 0 && (
        <>
          <h3>Alike</h3>
          <ul className="features">
            {e.closest.map((f) => (
              <li key={f.name}>{f.text}</li>
            ))}
          </ul>
        </>
      )}
      {e.mostDifferent.length > 0 && (
        <>
          <h3>Different</h3>
          <ul className="features">
            {e.mostDifferent.map((f) => (
              <li key={f.name}>{f.text}</li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
