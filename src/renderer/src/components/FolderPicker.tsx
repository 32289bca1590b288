/**
 * Browser mode's folder picker (a browser cannot open the machine's folder dialog): the core lists
 * sub-folders (fs.listDirs, token-guarded like every call, folders only); the user walks the tree
 * or types a path, and chooses the folder shown.
 */
import { useState } from 'react';
import type { DirListing } from '../../../shared/browse-types';
import { client } from '../api/client';
import { useKeyedLoad } from '../hooks';

export function FolderPicker({
  start,
  onPick,
  onClose,
}: {
  /** Where to open (the typed path when there is one; the home folder otherwise). */
  start?: string;
  onPick(path: string): void;
  onClose(): void;
}) {
  const [path, setPath] = useState<string | undefined>(start || undefined);
  const [typed, setTyped] = useState(start ?? '');
  const loaded = useKeyedLoad<DirListing>(path ?? '(home)', () =>
    client.invoke('fs.listDirs', path ? { path } : {}),
  );
  const listing = loaded?.value ?? null;
  const open = (p: string): void => {
    setPath(p);
    setTyped(p);
  };
  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div
        className="card folder-picker"
        role="dialog"
        aria-modal="true"
        aria-label="Choose a music folder"
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => {
          if (e.key === 'Escape') onClose();
        }}
      >
        <div className="card-head">
          <h2>Choose a music folder</h2>
          <button className="small-button" onClick={onClose} aria-label="Close folder picker">
            ×
          </button>
        </div>
        <form
          className="fp-path"
          onSubmit={(e) => {
            e.preventDefault();
            if (typed.trim()) setPath(typed.trim());
          }}
        >
          <input
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            spellCheck={false}
            aria-label="Folder path"
            autoFocus
          />
          <button type="submit">Go</button>
        </form>
        <div className="fp-places">
          {listing?.places.map((p) => (
            <button key={p.path} className="small-button" onClick={() => open(p.path)}>
              {p.name}
            </button>
          ))}
          {listing?.parent && (
            <button
              className="small-button"
              onClick={() => open(listing.parent ?? '/')}
              aria-label="Parent folder"
            >
              ↑ Up
            </button>
          )}
        </div>
        {loaded?.error && <div className="error-text">{loaded.error}</div>}
        <ul className="fp-list" aria-label="Folders">
          {listing?.dirs.length === 0 && <li className="muted">No folders inside.</li>}
          {listing?.dirs.map((d) => (
            <li key={d.path}>
              <button className="fp-dir" onClick={() => open(d.path)}>
                <span className="fp-icon" aria-hidden="true">
                  ▸
                </span>
                {d.name}
              </button>
            </li>
          ))}
        </ul>
        <div className="fp-foot">
          <span className="muted small fp-current" title={listing?.path}>
            {listing?.path ?? 'Loading…'}
          </span>
          <button className="primary" disabled={!listing} onClick={() => listing && onPick(listing.path)}>
            Choose this folder
          </button>
        </div>
      </div>
    </div>
  );
}
