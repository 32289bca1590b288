/** Settings: analysis workers and model, similarity source and weights, queue variety rules, playback. */
import { useEffect, useState } from 'react';
import type { AppInfo, Settings } from '../../../shared/types';
import { requestSchemas } from '../../../shared/contract';
import { settingsChanges, settingsPatch } from '../../../shared/settings-changes';
import { settingsProblems } from '../../../shared/settings-words';
import { client } from '../api/client';
import { useApp } from '../hooks';

const LEAVE_QUESTION = 'Your settings changes are not saved. Leave and lose them?';

export function SettingsScreen() {
  const { notify, guardLeave } = useApp();
  const [saved, setSaved] = useState<Settings | null>(null);
  const [draft, setDraft] = useState<Settings | null>(null);
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    client
      .invoke('settings.get', {})
      .then((s) => {
        setSaved(s);
        setDraft(s);
      })
      .catch((err: unknown) => notify(err));
    client
      .invoke('app.info', {})
      .then(setInfo)
      .catch(() => undefined);
  }, [notify]);

  const dirty = !!draft && !!saved && JSON.stringify(draft) !== JSON.stringify(saved);
  // Leaving with unsaved edits (another screen, back, reload) asks first.
  useEffect(() => (dirty ? guardLeave(LEAVE_QUESTION) : undefined), [dirty, guardLeave]);

  if (!draft || !saved) {
    return (
      <section className="screen settings">
        <header className="screen-header">
          <h1>Settings</h1>
        </header>
        <p className="muted">Loading…</p>
      </section>
    );
  }

  const checked = requestSchemas['settings.set'].safeParse(settingsPatch(draft));
  const problems = checked.success ? [] : settingsProblems(checked.error.issues);
  const problemAt = (path: string): string | undefined => problems.find((p) => p.path === path)?.message;
  const set = (patch: Partial<Settings>): void => setDraft({ ...draft, ...patch });
  const setSim = (patch: Partial<Settings['similarity']>): void =>
    setDraft({ ...draft, similarity: { ...draft.similarity, ...patch } });
  const setVar = (patch: Partial<Settings['variety']>): void =>
    setDraft({ ...draft, variety: { ...draft.variety, ...patch } });
  const setPlay = (patch: Partial<Settings['playback']>): void =>
    setDraft({ ...draft, playback: { ...draft.playback, ...patch } });

  const save = async (): Promise<void> => {
    setSaving(true);
    try {
      // Only what changed: an untouched field keeps following the defaults (settings-changes.ts).
      const next = await client.invoke('settings.set', settingsChanges(saved ?? draft, draft));
      setSaved(next);
      setDraft(next);
      notify('Settings saved.', 'info');
    } catch (err) {
      notify(err);
    } finally {
      setSaving(false);
    }
  };

  const num = (value: string, fallback: number): number => {
    const n = Number(value);
    return Number.isFinite(n) ? n : fallback;
  };

  return (
    <section className="screen settings">
      <header className="screen-header">
        <h1>Settings</h1>
        <div className="actions-row">
          <button disabled={!dirty || saving} onClick={() => setDraft(saved)}>
            Revert
          </button>
          <button
            className="primary"
            disabled={!dirty || saving || problems.length > 0}
            onClick={() => void save()}
            title={problems.length > 0 ? 'Fix the settings marked below first' : undefined}
          >
            {saving ? 'Saving…' : 'Save'}
          </button>
        </div>
      </header>
      {problems.length > 0 && (
        <div className="banner settings-problems" role="alert">
          {problems.map((p) => (
            <div key={p.path + p.message}>{p.message}.</div>
          ))}
        </div>
      )}

      <div className="card form-grid">
        <h2>Analysis</h2>
        <label className="field">
          Worker processes
          <input
            type="number"
            min={1}
            max={64}
            value={draft.workers}
            onChange={(e) => set({ workers: Math.round(num(e.target.value, draft.workers)) })}
          />
          <FieldProblem text={problemAt('workers')} />
          <span className="hint">One per CPU core is a good start.</span>
        </label>
        <label className="field">
          Embedding model
          <select value={draft.model} onChange={(e) => set({ model: e.target.value })}>
            <option value="mn04">EfficientAT mn04 (AudioSet)</option>
            <option value="msd">MusiCNN (Million Song Dataset)</option>
            <option value="mtt">MusiCNN (MagnaTagATune)</option>
            <option value="none">None — audio features only</option>
            {!['mn04', 'msd', 'mtt', 'none'].includes(draft.model) && (
              <option value={draft.model}>{draft.model}</option>
            )}
          </select>
        </label>
        <label className="field">
          Patches per track
          <input
            type="number"
            min={0}
            max={10000}
            value={draft.patchesPerTrack}
            onChange={(e) => set({ patchesPerTrack: Math.round(num(e.target.value, draft.patchesPerTrack)) })}
          />
          <FieldProblem text={problemAt('patchesPerTrack')} />
          <span className="hint">
            MusiCNN: 3-second excerpts spread over the track; 0 = the whole track (slower).
          </span>
        </label>
        <label className="field">
          Windows per track
          <input
            type="number"
            min={0}
            max={1000}
            value={draft.windowsPerTrack}
            onChange={(e) => set({ windowsPerTrack: Math.round(num(e.target.value, draft.windowsPerTrack)) })}
          />
          <FieldProblem text={problemAt('windowsPerTrack')} />
          <span className="hint">
            EfficientAT: two-minute stretches, each heard as one, spread over the track (a shorter track is
            heard whole); 0 = all of the track (slower).
          </span>
        </label>
        <label className="field">
          ffmpeg path
          <input
            value={draft.ffmpegPath}
            placeholder="(PATH, then the bundled ffmpeg)"
            spellCheck={false}
            onChange={(e) => set({ ffmpegPath: e.target.value })}
          />
          <span className="hint">
            A new path must be an ffmpeg; the app asks you to confirm it in its own dialog. In browser mode
            set it with <code>timbre ffmpeg PATH</code>.
          </span>
        </label>
      </div>

      <div className="card form-grid">
        <h2>Similarity</h2>
        <label className="field">
          Compare tracks by
          <select
            value={draft.similarity.source}
            onChange={(e) => setSim({ source: e.target.value as Settings['similarity']['source'] })}
          >
            <option value="embedding">Sound (the listening model)</option>
            <option value="features">Audio features (tempo, key, timbre…)</option>
            <option value="blend">Blend of both</option>
          </select>
        </label>
        <Slider
          label="Embedding weight"
          value={draft.similarity.embeddingWeight}
          onChange={(embeddingWeight) => setSim({ embeddingWeight })}
        />
        <Slider
          label="Feature weight"
          value={draft.similarity.featureWeight}
          onChange={(featureWeight) => setSim({ featureWeight })}
        />
        <label className="check">
          <input
            type="checkbox"
            checked={draft.similarity.hubnessReduction}
            onChange={(e) => setSim({ hubnessReduction: e.target.checked })}
          />
          Hubness reduction (stops a few tracks from being “similar to everything”)
        </label>
      </div>

      <div className="card form-grid">
        <h2>Queue variety</h2>
        <label className="field">
          At most this many tracks per artist…
          <input
            type="number"
            min={1}
            max={100}
            value={draft.variety.maxPerArtist}
            onChange={(e) =>
              setVar({ maxPerArtist: Math.round(num(e.target.value, draft.variety.maxPerArtist)) })
            }
          />
        </label>
        <label className="field">
          …within this many tracks
          <input
            type="number"
            min={1}
            max={1000}
            value={draft.variety.artistWindow}
            onChange={(e) =>
              setVar({ artistWindow: Math.round(num(e.target.value, draft.variety.artistWindow)) })
            }
          />
        </label>
        <Slider
          label="Explore (0 = more of the same, 1 = wander)"
          value={draft.variety.diversity}
          onChange={(diversity) => setVar({ diversity })}
        />
        <label className="check">
          <input
            type="checkbox"
            checked={draft.variety.noConsecutiveAlbum}
            onChange={(e) => setVar({ noConsecutiveAlbum: e.target.checked })}
          />
          Never two tracks from the same album in a row
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={draft.variety.collapseDuplicates}
            onChange={(e) => setVar({ collapseDuplicates: e.target.checked })}
          />
          Skip duplicates (same recording in several places)
        </label>
      </div>

      <div className="card form-grid">
        <h2>Playback</h2>
        <label className="field">
          Between tracks
          <select
            value={draft.playback.transition}
            onChange={(e) => setPlay({ transition: e.target.value as Settings['playback']['transition'] })}
          >
            <option value="off">A short pause</option>
            <option value="gapless">Gapless</option>
            <option value="crossfade">Crossfade</option>
          </select>
          <FieldProblem text={problemAt('playback.transition')} />
          <span className="hint">
            A short pause: the next track loads when one ends. Gapless: it is loaded ahead and starts exactly
            as one ends. Crossfade: the end of one fades into the next. Formats the browser cannot decode
            (AIFF, WMA, APE…) go through ffmpeg and may start a moment late.
          </span>
        </label>
        <label className="field">
          Crossfade length (seconds)
          <input
            type="number"
            min={1}
            max={12}
            step={0.5}
            disabled={draft.playback.transition !== 'crossfade'}
            value={draft.playback.crossfadeSeconds}
            onChange={(e) =>
              setPlay({ crossfadeSeconds: num(e.target.value, draft.playback.crossfadeSeconds) })
            }
          />
          <FieldProblem text={problemAt('playback.crossfadeSeconds')} />
          <span className="hint">From 1 to 12 seconds; never more than half of a track.</span>
        </label>
        <label className="check">
          <input
            type="checkbox"
            disabled={draft.playback.transition !== 'crossfade'}
            checked={draft.playback.albumGapless}
            onChange={(e) => setPlay({ albumGapless: e.target.checked })}
          />
          No crossfade inside an album: an album's next track (by track number) plays gaplessly, so live
          albums and DJ mixes stay continuous
        </label>
      </div>

      {info && (
        <div className="card about">
          <h2>About</h2>
          <div>
            Timbre {info.version} · {info.mode === 'electron' ? 'desktop app' : 'browser mode'}
          </div>
          <div className="muted small">Data folder: {info.home}</div>
          {info.modelNote && <div className="note">{info.modelNote}</div>}
        </div>
      )}
    </section>
  );
}

function Slider({ label, value, onChange }: { label: string; value: number; onChange(v: number): void }) {
  return (
    <label className="field">
      <span>
        {label} <span className="muted">{value.toFixed(2)}</span>
      </span>
      <input
        type="range"
        min={0}
        max={1}
        step={0.05}
        value={value}
        onChange={(e) => onChange(Number(e.target.value))}
      />
    </label>
  );
}

function FieldProblem({ text }: { text: string | undefined }) {
  return text ? <span className="field-problem">{text}.</span> : null;
}
