/**
 * "Path to…": pick a destination track by searching the library, and the queue becomes a song
 * path from the playing track (or from `from`, which then plays) to it (similar.path), each step
 * close to the one before.
 */
import { useState } from 'react';
import type { Track } from '../../../shared/types';
import { client } from '../api/client';
import { formatDuration } from '../format';
import { useDebounced, useKeyedLoad } from '../hooks';
import { usePlayer } from '../player';

const MATCHES = 8;

export function PathPicker({ onDone, from }: { onDone(): void; from?: Track }) {
  const player = usePlayer();
  const [text, setText] = useState('');
  const [steps, setSteps] = useState(10);
  const query = useDebounced(text.trim(), 200);
  const found = useKeyedLoad(
    query,
    query ? () => client.invoke('library.list', { text: query, limit: MATCHES }) : null,
  );
  const start = from ?? player.current;
  const matches = (found?.value?.tracks ?? []).filter((t) => t.id !== start?.id);

  return (
    <div className="path-picker card">
      <div className="card-head">
        <h2>Song path</h2>
        <span className="muted small">
          from {from ? `“${from.title || from.path}”` : 'the playing track'} to…
        </span>
        <button className="small-button" onClick={onDone} aria-label="Close song path">
          ×
        </button>
      </div>
      <div className="path-form">
        <input
          type="search"
          autoFocus
          placeholder="Search the destination: title, artist, album…"
          value={text}
          onChange={(e) => setText(e.target.value)}
          aria-label="Destination track"
        />
        <label className="sort">
          Steps
          <input
            type="number"
            min={2}
            max={50}
            value={steps}
            onChange={(e) => setSteps(Math.max(2, Math.min(50, Number(e.target.value) || 10)))}
            aria-label="Steps"
          />
        </label>
      </div>
      {found?.error && <p className="error-text">{found.error}</p>}
      {query && found?.value && matches.length === 0 && <p className="muted">No track matches.</p>}
      <ol className="path-matches">
        {matches.map((t) => (
          <li key={t.id}>
            <button
              disabled={player.similarLoading}
              onClick={() => void player.playPath(t, steps, from).then(onDone)}
              title="Replace the upcoming tracks with a path to this one"
            >
              <span className="q-title">{t.title || t.path}</span>
              <span className="muted">
                {t.artist} · {formatDuration(t.duration)}
              </span>
            </button>
          </li>
        ))}
      </ol>
    </div>
  );
}
