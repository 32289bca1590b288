/**
 * Search by sound: a query such as "sad piano" or "heavy metal" ranks the library by the listening
 * model's label probabilities; the results can be played as a queue. Shows what each word matched
 * and which words nothing matched.
 */
import { useState, type FormEvent } from 'react';
import type { SoundSearchResult } from '../../../shared/types';
import { client } from '../api/client';
import { formatDuration } from '../format';
import { usePlayer } from '../player';

export function SoundSearch() {
  const player = usePlayer();
  const [query, setQuery] = useState('');
  const [result, setResult] = useState<SoundSearchResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    const q = query.trim();
    if (!q) return;
    setBusy(true);
    setError(null);
    client
      .invoke('sound.find', { query: q, limit: 50 })
      .then((r) => setResult(r))
      .catch((err: unknown) => {
        setResult(null);
        setError(err instanceof Error ? err.message : String(err));
      })
      .finally(() => setBusy(false));
  };

  const tracks = result?.results.map((r) => r.track) ?? [];
  return (
    <div className="card sound-search">
      <h2>Find by sound</h2>
      <form className="filters" onSubmit={submit}>
        <input
          type="search"
          aria-label="Describe the sound"
          placeholder="sad piano, heavy metal, happy…"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        <button type="submit" disabled={busy || query.trim() === ''}>
          Find
        </button>
        <button
          className="primary"
          type="button"
          disabled={tracks.length === 0}
          onClick={() => player.playQueue(tracks, 0)}
          title="Play the results in this order, as the queue"
        >
          ▶ Play results
        </button>
      </form>
      {error && <p className="error-text">{error}</p>}
      {result && (
        <div className="sound-query muted small">
          {result.terms.length > 0 && (
            <div>
              Matched {result.terms.map((t) => `“${t.text}” → ${t.labels.slice(0, 3).join(', ')}`).join('; ')}
              {result.model ? ` (labels of ${result.model})` : ''}.
            </div>
          )}
          {result.unknown.length > 0 && (
            <div className="warn unknown-words">Not understood: {result.unknown.join(', ')}.</div>
          )}
          {result.note && <div>{result.note}</div>}
        </div>
      )}
      {result && result.results.length > 0 && (
        <ol className="similar-list sound-results">
          {result.results.map((r, i) => (
            <li key={r.track.id} onDoubleClick={() => player.playQueue(tracks, i)}>
              <span className="score" title={`label probability ${r.score.toFixed(3)}`}>
                <span className="score-bar">
                  <span className="score-fill" style={{ width: `${(r.score * 100).toFixed(0)}%` }} />
                </span>
                {Math.round(r.score * 100)}%
              </span>
              <span className="s-title">{r.track.title || r.track.path}</span>
              <span className="s-artist muted">{r.track.artist}</span>
              <span className="s-time muted">{formatDuration(r.track.duration)}</span>
              <button className="small-button" onClick={() => player.playQueue(tracks, i)} aria-label="Play">
                ▶
              </button>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
