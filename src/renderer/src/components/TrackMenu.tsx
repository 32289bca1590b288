/**
 * The context menu of a track, the same wherever a track is shown (library, queue, now playing,
 * similar, and the album, artist and map views through `useTrackMenu().menuProps`): Play, Play
 * next, Add to queue, Play similar, Add similar to queue, Start radio, Path to…, Why this track?,
 * Show album, Show artist, Show file. Opened by a right click, the context-menu key or Shift+F10;
 * arrows move in it, Escape closes it and gives the focus back.
 *
 * "Show file" shows the path with a copy button: neither browser mode nor the sandboxed renderer
 * can open a file manager, so it does not pretend to.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import type { KeyboardEvent as ReactKeyboardEvent, MouseEvent as ReactMouseEvent, ReactNode } from 'react';
import type { Track } from '../../../shared/types';
import { useApp } from '../hooks';
import type { QueueEntry } from '../playback/queue';
import { usePlayer } from '../player';
import { PathPicker } from './PathPicker';
import { WhyDialog } from './WhyDialog';

export interface TrackMenuOptions {
  /** The queue entry the track stands for (queue views): "Why this track?" uses its origin. */
  entry?: QueueEntry;
  /** What "Play" does here (the library plays from the row on); default: play this track alone. */
  play?: () => void;
}

interface OpenMenu {
  track: Track;
  options: TrackMenuOptions;
  x: number;
  y: number;
  /** Where the focus goes back to. */
  from: HTMLElement | null;
}

type Dialog =
  | { kind: 'why'; track: Track; entry?: QueueEntry }
  | { kind: 'file'; track: Track }
  | { kind: 'path'; track: Track };

export interface TrackMenuApi {
  open(
    track: Track,
    at: { x: number; y: number },
    options?: TrackMenuOptions,
    from?: HTMLElement | null,
  ): void;
  /** Handlers for an element showing `track`: right click and the keyboard open the menu. */
  menuProps(
    track: Track,
    options?: TrackMenuOptions,
  ): {
    onContextMenu(e: ReactMouseEvent<HTMLElement>): void;
    onKeyDown(e: ReactKeyboardEvent<HTMLElement>): void;
  };
  /** "Why this track?" without the menu (a button on a queue row). */
  why(track: Track, entry?: QueueEntry): void;
}

const MenuContext = createContext<TrackMenuApi | null>(null);

export function useTrackMenu(): TrackMenuApi {
  const api = useContext(MenuContext);
  if (!api) throw new Error('useTrackMenu outside <TrackMenuProvider>');
  return api;
}

export function TrackMenuProvider({ children }: { children: ReactNode }) {
  const [menu, setMenu] = useState<OpenMenu | null>(null);
  const [dialog, setDialog] = useState<Dialog | null>(null);

  const open = useCallback<TrackMenuApi['open']>((track, at, options = {}, from = null) => {
    setMenu({ track, options, x: at.x, y: at.y, from });
  }, []);

  const api = useMemo<TrackMenuApi>(
    () => ({
      open,
      menuProps: (track, options) => ({
        onContextMenu: (e) => {
          e.preventDefault();
          e.stopPropagation();
          open(track, { x: e.clientX, y: e.clientY }, options, e.currentTarget);
        },
        onKeyDown: (e) => {
          if (e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey)) {
            e.preventDefault();
            e.stopPropagation();
            const box = e.currentTarget.getBoundingClientRect();
            open(track, { x: box.left + 24, y: box.bottom }, options, e.currentTarget);
          }
        },
      }),
      why: (track, entry) => setDialog({ kind: 'why', track, entry }),
    }),
    [open],
  );

  return (
    <MenuContext.Provider value={api}>
      {children}
      {menu && (
        <MenuPopup
          menu={menu}
          onClose={() => {
            menu.from?.focus();
            setMenu(null);
          }}
          onDialog={setDialog}
        />
      )}
      {dialog?.kind === 'why' && (
        <WhyDialog track={dialog.track} entry={dialog.entry} onClose={() => setDialog(null)} />
      )}
      {dialog?.kind === 'file' && <FileDialog track={dialog.track} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'path' && (
        <div className="modal-backdrop" onClick={() => setDialog(null)}>
          <div className="modal" onClick={(e) => e.stopPropagation()}>
            <PathPicker from={dialog.track} onDone={() => setDialog(null)} />
          </div>
        </div>
      )}
    </MenuContext.Provider>
  );
}

interface Item {
  label: string;
  run(): void;
  disabled?: string | false;
}

function MenuPopup({
  menu,
  onClose,
  onDialog,
}: {
  menu: OpenMenu;
  onClose(): void;
  onDialog(d: Dialog): void;
}) {
  const player = usePlayer();
  const { showAlbum, showArtist } = useApp();
  const ref = useRef<HTMLDivElement>(null);
  const { track, options } = menu;
  const busy = player.similarLoading ? 'Finding similar tracks…' : false;

  const items: (Item | 'sep')[] = [
    { label: 'Play', run: () => (options.play ? options.play() : player.playQueue([track])) },
    { label: 'Play next', run: () => player.playNext([track]) },
    { label: 'Add to queue', run: () => player.addToQueue([track]) },
    'sep',
    { label: 'Play similar', run: () => void player.playSimilar(track), disabled: busy },
    { label: 'Add similar to queue', run: () => void player.addSimilar(track), disabled: busy },
    { label: 'Start radio', run: () => player.startRadio(track) },
    { label: 'Path to…', run: () => onDialog({ kind: 'path', track }), disabled: busy },
    { label: 'Why this track?', run: () => onDialog({ kind: 'why', track, entry: options.entry }) },
    'sep',
    {
      label: 'Show album',
      run: () => showAlbum({ trackId: track.id }),
      disabled: track.album ? false : 'This track has no album tag',
    },
    {
      label: 'Show artist',
      run: () => showArtist(track.artist),
    },
    { label: 'Show file', run: () => onDialog({ kind: 'file', track }) },
  ];

  const close = useRef(onClose);
  useEffect(() => {
    close.current = onClose;
  });
  useEffect(() => {
    ref.current?.querySelector<HTMLButtonElement>('button:not([disabled])')?.focus();
    const onDown = (e: MouseEvent): void => {
      if (ref.current && !ref.current.contains(e.target as Node)) close.current();
    };
    const onBlur = (): void => close.current();
    window.addEventListener('mousedown', onDown, true);
    window.addEventListener('blur', onBlur);
    return () => {
      window.removeEventListener('mousedown', onDown, true);
      window.removeEventListener('blur', onBlur);
    };
  }, []);

  // Keep the menu inside the window.
  const width = 220;
  const height = 360;
  const left = Math.min(menu.x, window.innerWidth - width - 8);
  const top = Math.min(menu.y, window.innerHeight - height - 8);

  const onKeyDown = (e: ReactKeyboardEvent<HTMLDivElement>): void => {
    const buttons = [...(ref.current?.querySelectorAll<HTMLButtonElement>('button:not([disabled])') ?? [])];
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === 'Escape' || e.key === 'Tab') {
      e.preventDefault();
      onClose();
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const step = e.key === 'ArrowDown' ? 1 : -1;
      buttons[(at + step + buttons.length) % buttons.length]?.focus();
    } else if (e.key === 'Home' || e.key === 'End') {
      e.preventDefault();
      buttons[e.key === 'Home' ? 0 : buttons.length - 1]?.focus();
    }
    e.stopPropagation();
  };

  return (
    <div
      className="track-menu"
      role="menu"
      aria-label={`Actions for ${track.title || track.path}`}
      ref={ref}
      style={{ left: Math.max(8, left), top: Math.max(8, top) }}
      onKeyDown={onKeyDown}
      onContextMenu={(e) => e.preventDefault()}
    >
      <div className="track-menu-title" title={track.path}>
        {track.title || track.path}
      </div>
      {items.map((item, i) =>
        item === 'sep' ? (
          <div key={`sep${i}`} className="track-menu-sep" role="separator" />
        ) : (
          <button
            key={item.label}
            role="menuitem"
            disabled={!!item.disabled}
            title={item.disabled || undefined}
            onClick={() => {
              onClose();
              item.run();
            }}
          >
            {item.label}
          </button>
        ),
      )}
    </div>
  );
}

function FileDialog({ track, onClose }: { track: Track; onClose(): void }) {
  const [copied, setCopied] = useState<string | null>(null);
  const copy = (): void => {
    navigator.clipboard
      ?.writeText(track.path)
      .then(() => setCopied('Copied.'))
      .catch(() => setCopied('The browser refused the clipboard: select the path and copy it.'));
  };
  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div
        className="modal card"
        role="dialog"
        aria-label="File"
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => e.key === 'Escape' && onClose()}
      >
        <div className="card-head">
          <h2>File</h2>
          <button className="small-button push-right" onClick={onClose} aria-label="Close">
            ×
          </button>
        </div>
        <input
          className="file-path"
          readOnly
          value={track.path}
          aria-label="File path"
          autoFocus
          onFocus={(e) => e.target.select()}
        />
        <p className="muted small">
          {track.format} {track.codec} · {(track.size / 1e6).toFixed(1)} MB
          {track.status === 'missing' ? ' · not found at the last scan' : ''}. Timbre cannot open a file
          manager from here; copy the path to find it.
        </p>
        <div className="button-row">
          <button className="primary" onClick={copy}>
            Copy path
          </button>
          {copied && <span className="muted small">{copied}</span>}
        </div>
      </div>
    </div>
  );
}
