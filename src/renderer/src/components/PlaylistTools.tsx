/**
 * Save the queue as an M3U playlist, or open one (playlist.save / playlist.open): the core
 * reads and writes the file and resolves its entries against the catalog. The path is typed
 * (a full path to an .m3u or .m3u8 file): neither mode has a file dialog for this yet.
 */
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { client } from '../api/client';
import { useApp } from '../hooks';
import { usePlayer } from '../player';

type Mode = 'save' | 'open';

export function PlaylistTools() {
  const player = usePlayer();
  const { notify } = useApp();
  const [mode, setMode] = useState<Mode | null>(null);
  const [path, setPath] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  // Suggest a file in the first library folder.
  useEffect(() => {
    if (!mode || path) return;
    client
      .invoke('library.roots', {})
      .then((roots) => {
        if (roots[0]) setPath(`${roots[0].replace(/[\\/]+$/, '')}/Timbre queue.m3u8`);
      })
      .catch(() => undefined);
  }, [mode, path]);

  const submit = async (e: FormEvent, how: 'play' | 'add' | 'save'): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (how === 'save') {
        const r = await client.invoke('playlist.save', { path, ids: player.queue.map((t) => t.id) });
        notify(
          `Saved ${r.written} tracks to ${r.path}${r.skipped ? ` (${r.skipped} no longer in the library)` : ''}.`,
          'info',
        );
      } else {
        const r = await client.invoke('playlist.open', { path });
        if (r.tracks.length === 0) {
          setError(`None of the ${r.missing.length} entries is in the library.`);
          return;
        }
        if (how === 'play') player.playQueue(r.tracks);
        else player.addToQueue(r.tracks);
        notify(
          `${how === 'play' ? 'Playing' : 'Added'} ${r.tracks.length} tracks from the playlist` +
            (r.missing.length
              ? `; ${r.missing.length} entries are not in the library (first: ${r.missing[0]}).`
              : '.'),
          'info',
        );
      }
      setMode(null);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="playlist-tools">
      <span className="button-row">
        <button className="small-button" disabled={player.queue.length === 0} onClick={() => setMode('save')}>
          Save as playlist…
        </button>
        <button className="small-button" onClick={() => setMode('open')}>
          Open playlist…
        </button>
      </span>
      {mode && (
        <form
          className="playlist-form card"
          onSubmit={(e) => void submit(e, mode === 'save' ? 'save' : 'play')}
        >
          <label className="field">
            {mode === 'save' ? 'Save the queue as' : 'Open the playlist'}
            <input
              autoFocus
              value={path}
              onChange={(e) => setPath(e.target.value)}
              placeholder="/home/you/Music/mix.m3u8"
              aria-label="Playlist file"
            />
          </label>
          {error && <p className="error-text">{error}</p>}
          <div className="button-row">
            {mode === 'save' ? (
              <button className="primary" type="submit" disabled={busy || !path}>
                Save
              </button>
            ) : (
              <>
                <button className="primary" type="submit" disabled={busy || !path}>
                  Play it
                </button>
                <button type="button" disabled={busy || !path} onClick={(e) => void submit(e, 'add')}>
                  Add to queue
                </button>
              </>
            )}
            <button type="button" onClick={() => setMode(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
