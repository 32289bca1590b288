/** Add music: choose a folder, scan it with live progress, cancel, and see the files that failed. */
import { useCallback, useEffect, useState } from 'react';
import type { ScanErrorRecord, ScanProgress, ScanSummary } from '../../../shared/types';
import { client, desktop } from '../api/client';
import { FailureCard } from '../components/FailureCard';
import { FolderPicker } from '../components/FolderPicker';
import { nf } from '../format';
import { useApp, useEvent } from '../hooks';

export function ScanScreen({ progress }: { progress: ScanProgress | null }) {
  const { notify, go } = useApp();
  const [folder, setFolder] = useState('');
  const [prune, setPrune] = useState(false);
  const [picking, setPicking] = useState(false);
  const [running, setRunning] = useState(false);
  const [summary, setSummary] = useState<ScanSummary | null>(null);
  const [roots, setRoots] = useState<string[]>([]);
  const [errors, setErrors] = useState<{ total: number; errors: ScanErrorRecord[] }>({
    total: 0,
    errors: [],
  });

  const refresh = useCallback(() => {
    client
      .invoke('library.roots', {})
      .then(setRoots)
      .catch((err: unknown) => notify(err));
    client
      .invoke('library.errors', { limit: 200 })
      .then(setErrors)
      .catch((err: unknown) => notify(err));
  }, [notify]);

  useEffect(() => refresh(), [refresh]);
  useEvent('library.changed', (e) => {
    if (e.reason === 'scan') refresh();
  });

  const live = progress && progress.phase !== 'done' && progress.phase !== 'cancelled';
  const busy = running || !!live;

  const scan = async (paths: string[]): Promise<void> => {
    const roots = paths.map((p) => p.trim()).filter(Boolean);
    if (roots.length === 0) {
      notify('Type the path of a music folder first.');
      return;
    }
    setRunning(true);
    setSummary(null);
    try {
      const result = await client.invoke('library.scan', { roots, prune });
      setSummary(result);
      if (result.unavailableRoots.length > 0) {
        notify(`Not reachable, left untouched: ${result.unavailableRoots.join(', ')}`);
      }
    } catch (err) {
      notify(err);
    } finally {
      setRunning(false);
      refresh();
    }
  };

  const cancel = (): void => {
    client.invoke('library.cancelScan', {}).catch((err: unknown) => notify(err));
  };

  const browse = async (): Promise<void> => {
    // The app has the system's folder dialog; a browser gets ours, served by the core.
    if (!desktop) {
      setPicking(true);
      return;
    }
    const picked = await desktop.pickFolder();
    if (picked) setFolder(picked);
  };

  const shown: ScanProgress | ScanSummary | null = live ? progress : (summary ?? progress);
  const fraction = shown && shown.found > 0 ? Math.min(1, shown.processed / shown.found) : 0;

  return (
    <section className="screen scan">
      <header className="screen-header">
        <h1>Add music</h1>
        <div className="muted">
          Timbre reads the tags of every audio file under a folder; nothing is copied or changed.
        </div>
      </header>
      <form
        className="card scan-form"
        onSubmit={(e) => {
          e.preventDefault();
          void scan([folder]);
        }}
      >
        <label className="field grow">
          Music folder
          <input
            value={folder}
            onChange={(e) => setFolder(e.target.value)}
            placeholder="/home/you/Music"
            spellCheck={false}
            aria-label="Music folder"
          />
        </label>
        <button type="button" onClick={() => void browse()} disabled={busy}>
          Browse…
        </button>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Scanning…' : 'Scan'}
        </button>
        {busy && (
          <button type="button" className="danger" onClick={cancel}>
            Cancel
          </button>
        )}
        <label className="check">
          <input type="checkbox" checked={prune} onChange={(e) => setPrune(e.target.checked)} />
          Forget tracks whose files are gone
        </label>
      </form>
      {picking && (
        <FolderPicker
          start={folder.trim() || undefined}
          onClose={() => setPicking(false)}
          onPick={(path) => {
            setFolder(path);
            setPicking(false);
          }}
        />
      )}

      {shown && (
        <div className="card scan-progress" data-phase={shown.phase}>
          <div className="progress-line">
            <strong>{phaseLabel(shown.phase)}</strong>
            <span className="muted">
              {nf.format(shown.processed)} / {nf.format(shown.found)} files ·{' '}
              {nf.format(Math.round(shown.rate))} files/s · {(shown.elapsedMs / 1000).toFixed(1)} s
            </span>
          </div>
          <div className="progress">
            <div className="progress-fill" style={{ width: `${(fraction * 100).toFixed(1)}%` }} />
          </div>
          <div className="counters">
            <Counter label="added" value={shown.added} />
            <Counter label="updated" value={shown.updated} />
            <Counter label="unchanged" value={shown.unchanged} />
            <Counter label="moved" value={shown.moved} />
            <Counter label="missing" value={shown.missing} />
            <Counter label="removed" value={shown.removed} />
            <Counter label="failed" value={shown.failed} warn />
          </div>
          {live && progress?.currentPath && <div className="current-path muted">{progress.currentPath}</div>}
          {!live && summary && summary.phase === 'done' && (
            <div className="scan-done">
              Done.{' '}
              <button className="link-button" onClick={() => go('library')}>
                Show the library
              </button>
            </div>
          )}
        </div>
      )}

      <div className="card">
        <h2>Library folders</h2>
        {roots.length === 0 ? (
          <p className="muted">No folders yet.</p>
        ) : (
          <>
            <ul className="roots">
              {roots.map((r) => (
                <li key={r}>
                  <span>{r}</span>
                  <button className="small-button" disabled={busy} onClick={() => void scan([r])}>
                    Rescan
                  </button>
                </li>
              ))}
            </ul>
            <button disabled={busy} onClick={() => void scan(roots)}>
              Rescan all
            </button>
          </>
        )}
      </div>

      <FailureCard
        title="Files that could not be read"
        total={errors.total}
        failures={errors.errors.map((e) => ({ key: e.path, path: e.path, reason: e.reason }))}
      />
    </section>
  );
}

function phaseLabel(phase: ScanProgress['phase']): string {
  switch (phase) {
    case 'walking':
      return 'Looking for audio files…';
    case 'reading':
      return 'Reading tags…';
    case 'writing':
      return 'Saving…';
    case 'done':
      return 'Scan finished';
    case 'cancelled':
      return 'Scan cancelled';
  }
}

function Counter({ label, value, warn }: { label: string; value: number; warn?: boolean }) {
  return (
    <span className={`counter${warn && value > 0 ? ' warn' : ''}`}>
      <strong>{nf.format(value)}</strong> {label}
    </span>
  );
}
