/** Analysis: start/pause/resume/cancel the job queue, its progress and the tracks that failed. */
import { useCallback, useEffect, useState } from 'react';
import type { AnalysisErrorRecord, AnalysisProgress, LibraryStats } from '../../../shared/types';
import { client } from '../api/client';
import { FailureCard } from '../components/FailureCard';
import { fileName, formatEta, nf } from '../format';
import { useApp } from '../hooks';

export function AnalysisScreen({
  progress,
  stats,
  onProgress,
}: {
  progress: AnalysisProgress | null;
  stats: LibraryStats | null;
  onProgress(progress: AnalysisProgress): void;
}) {
  const { notify } = useApp();
  const [errors, setErrors] = useState<{ total: number; errors: AnalysisErrorRecord[] }>({
    total: 0,
    errors: [],
  });
  const [pending, setPending] = useState(false);

  const loadErrors = useCallback(() => {
    client
      .invoke('analysis.errors', { limit: 200 })
      .then(setErrors)
      .catch((err: unknown) => notify(err));
  }, [notify]);

  const failed = progress?.failed ?? 0;
  const state = progress?.state ?? 'idle';
  useEffect(() => loadErrors(), [loadErrors, failed, state]);

  const act = (method: 'analysis.start' | 'analysis.pause' | 'analysis.resume' | 'analysis.cancel'): void => {
    setPending(true);
    client
      .invoke(method, {})
      .then(onProgress)
      .catch((err: unknown) => notify(err))
      .finally(() => setPending(false));
  };

  const total = progress?.total ?? 0;
  const finished = (progress?.done ?? 0) + failed;
  const fraction = total > 0 ? Math.min(1, finished / total) : 0;
  const running = state === 'running';
  const paused = state === 'paused';
  // While idle, the model is the one the next run would use (the stats ask the engine for it).
  const model = state === 'idle' ? (stats?.analysisModel ?? null) : (progress?.model ?? null);
  const modelNote = state === 'idle' ? stats?.analysisModelNote : progress?.modelNote;

  return (
    <section className="screen analysis">
      <header className="screen-header">
        <h1>Analysis</h1>
        <div className="muted">
          Each track is decoded once to measure tempo, key, loudness and timbre and to compute its sound
          embedding. “Play similar” uses the results.
        </div>
      </header>

      <div className="card">
        <div className="actions-row">
          {state === 'idle' && (
            <button className="primary" disabled={pending} onClick={() => act('analysis.start')}>
              Start analysis
            </button>
          )}
          {running && (
            <button disabled={pending} onClick={() => act('analysis.pause')}>
              Pause
            </button>
          )}
          {paused && (
            <button className="primary" disabled={pending} onClick={() => act('analysis.resume')}>
              Resume
            </button>
          )}
          {(running || paused) && (
            <button className="danger" disabled={pending} onClick={() => act('analysis.cancel')}>
              Cancel
            </button>
          )}
          {state === 'cancelling' && <span className="muted">Stopping…</span>}
          <span className="muted state">State: {state}</span>
        </div>

        <div className="progress big">
          <div
            className={`progress-fill${paused ? ' paused' : ''}`}
            style={{ width: `${(fraction * 100).toFixed(1)}%` }}
          />
        </div>
        <div className="counters">
          <span className="counter">
            <strong>{nf.format(progress?.done ?? 0)}</strong> / {nf.format(total)} done
          </span>
          <span className={`counter${failed > 0 ? ' warn' : ''}`}>
            <strong>{nf.format(failed)}</strong> failed
          </span>
          <span className="counter">
            <strong>{(progress?.tracksPerMinute ?? 0).toFixed(1)}</strong> tracks/min
          </span>
          <span className="counter">ETA {running ? formatEta(progress?.etaSeconds ?? null) : '–'}</span>
          <span className="counter">{progress?.workers ?? 0} workers</span>
        </div>
        {stats && stats.tracks > 0 && state === 'idle' && stats.analysisPending === 0 && (
          <div className="done-line">
            {stats.analysed >= stats.tracks ? 'Every track is analysed.' : 'Nothing is waiting for analysis.'}
          </div>
        )}
        {stats && (
          <div className="muted small">
            Library: {nf.format(stats.analysed)} of {nf.format(stats.tracks)} tracks analysed
            {stats.analysisPending > 0 ? `, ${nf.format(stats.analysisPending)} waiting` : ''}.
          </div>
        )}
        {stats && switching(stats) && (
          <div className="note model-switch">
            Switching to <strong>{stats.analysisModel}</strong>: {nf.format(stats.analysed)} of{' '}
            {nf.format(stats.tracks)} tracks analysed with it. Until it covers the library, Play similar
            answers with <strong>{stats.similarityModel}</strong>; its results are kept, so switching back
            costs nothing.
          </div>
        )}
        {stats && stats.models.length > 1 && (
          <div className="muted small">
            Kept results:{' '}
            {stats.models
              .map((m) => `${m.model} ${nf.format(m.analysed)} of ${nf.format(stats.tracks)}`)
              .join(' · ')}
          </div>
        )}
        <div className="model-line">
          Model: <strong>{model ?? 'none (features only)'}</strong>
          {modelNote && <div className="note">{modelNote}</div>}
        </div>
        {progress?.error && (
          <p className="error-text">
            The last analysis run stopped: {progress.error}. Stored before it stopped:{' '}
            {nf.format(progress.stored)} of {nf.format(progress.total)} tracks
            {progress.storedFailed > 0 ? ` (and ${nf.format(progress.storedFailed)} failures)` : ''}.
          </p>
        )}
        {progress && progress.current.length > 0 && (
          <div className="current">
            <div className="muted small">Now analysing</div>
            <ul>
              {progress.current.map((path) => (
                <li key={path} title={path}>
                  {fileName(path)}
                </li>
              ))}
            </ul>
          </div>
        )}
      </div>

      <FailureCard
        title="Tracks that could not be analysed"
        total={errors.total}
        failures={errors.errors.map((e) => ({ key: `${e.trackId}-${e.at}`, path: e.path, reason: e.reason }))}
      />
    </section>
  );
}

/** A newly chosen model is being caught up while another one answers "play similar". */
function switching(stats: LibraryStats): boolean {
  return (
    stats.analysisModel !== null &&
    stats.similarityModel !== null &&
    stats.similarityModel !== stats.analysisModel
  );
}
