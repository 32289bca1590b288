/**
 * The queue as an editable list: click, Ctrl/⌘-click and Shift-click select; drag the selection
 * (or one row) to reorder; Delete removes, Alt+↑/↓ moves, Enter or a double click plays; the
 * context menu and "Why this track?" on every row. The playing entry can move but not be removed.
 */
import { useState } from 'react';
import type { DragEvent, KeyboardEvent, MouseEvent } from 'react';
import { formatDuration } from '../format';
import type { QueueEntry } from '../playback/queue';
import { usePlayer } from '../player';
import { useTrackMenu } from './TrackMenu';

const DRAG_TYPE = 'application/x-timbre-queue';

const originLabel: Record<QueueEntry['origin']['kind'], string> = {
  user: '',
  similar: 'similar',
  radio: 'radio',
  path: 'path',
};

export function QueueList() {
  const player = usePlayer();
  const menu = useTrackMenu();
  const { entries, index } = player;
  const [selected, setSelected] = useState<ReadonlySet<string>>(() => new Set());
  const [anchor, setAnchor] = useState<string | null>(null);
  /** Where a drop would land: before the entry at this index (entries.length = the end). */
  const [dropAt, setDropAt] = useState<number | null>(null);

  // Keys no longer in the queue drop out of the selection.
  const live = new Set(entries.map((e) => e.key));
  const chosen = [...selected].filter((k) => live.has(k));
  const removable = chosen.filter((k) => k !== player.currentEntry?.key);

  const select = (e: MouseEvent | KeyboardEvent, i: number): void => {
    const key = entries[i].key;
    if (e.shiftKey && anchor && live.has(anchor)) {
      const from = entries.findIndex((x) => x.key === anchor);
      const [lo, hi] = from < i ? [from, i] : [i, from];
      setSelected(new Set(entries.slice(lo, hi + 1).map((x) => x.key)));
      return;
    }
    if (e.ctrlKey || e.metaKey) {
      const next = new Set(chosen);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      setSelected(next);
    } else setSelected(new Set([key]));
    setAnchor(key);
  };

  const focusRow = (i: number): void => {
    document.querySelector<HTMLElement>(`.queue-list li[data-index="${i}"]`)?.focus();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLLIElement>, i: number): void => {
    const key = entries[i].key;
    const keys = chosen.includes(key) ? chosen : [key];
    if (e.key === 'Enter') {
      e.preventDefault();
      player.jump(i);
    } else if (e.key === 'Delete' || e.key === 'Backspace') {
      e.preventDefault();
      player.removeEntries(keys);
      setSelected(new Set());
      focusRow(Math.min(i, entries.length - 2));
    } else if ((e.key === 'ArrowUp' || e.key === 'ArrowDown') && e.altKey) {
      e.preventDefault();
      const at = keys.map((k) => entries.findIndex((x) => x.key === k));
      const first = Math.min(...at);
      const last = Math.max(...at);
      if (e.key === 'ArrowUp' && first > 0) player.moveEntries(keys, first - 1);
      if (e.key === 'ArrowDown' && last < entries.length - 1) player.moveEntries(keys, last + 2);
      setSelected(new Set(keys));
      setTimeout(() =>
        focusRow(Math.max(0, Math.min(entries.length - 1, i + (e.key === 'ArrowUp' ? -1 : 1)))),
      );
    } else if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
      e.preventDefault();
      const to = Math.max(0, Math.min(entries.length - 1, i + (e.key === 'ArrowUp' ? -1 : 1)));
      if (e.shiftKey) select(e, to);
      focusRow(to);
    } else if (e.key === ' ' || e.code === 'Space') {
      // Space plays/pauses (app-wide); selection is by click or Shift+arrows.
    } else {
      menu.menuProps(entries[i].track, { entry: entries[i], play: () => player.jump(i) }).onKeyDown(e);
    }
  };

  const onDragStart = (e: DragEvent<HTMLLIElement>, i: number): void => {
    const key = entries[i].key;
    // Dragging an unselected row moves that row alone; the selection is left as it is (changing it
    // here would show the selection bar and shift the list under the pointer).
    const keys = chosen.includes(key) ? chosen : [key];
    e.dataTransfer.setData(DRAG_TYPE, JSON.stringify(keys));
    e.dataTransfer.effectAllowed = 'move';
  };

  /** Before which entry a drop at this point lands (the lower half of a row means after it). */
  const dropIndex = (e: DragEvent<HTMLElement>): number | null => {
    const li = (e.target as HTMLElement).closest<HTMLElement>('li[data-index]');
    if (!li) return null;
    const i = Number(li.dataset.index);
    const box = li.getBoundingClientRect();
    return e.clientY < box.top + box.height / 2 ? i : i + 1;
  };

  const onDragOver = (e: DragEvent<HTMLElement>): void => {
    if (!e.dataTransfer.types.includes(DRAG_TYPE)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'move';
    const at = dropIndex(e);
    if (at !== dropAt) setDropAt(at);
  };

  const onDrop = (e: DragEvent<HTMLElement>): void => {
    const raw = e.dataTransfer.getData(DRAG_TYPE);
    // Where the pointer is now, not the last rendered indicator (dragover state can lag a frame).
    const at = dropIndex(e) ?? dropAt;
    setDropAt(null);
    if (!raw || at === null) return;
    e.preventDefault();
    const keys: unknown = JSON.parse(raw);
    if (Array.isArray(keys))
      player.moveEntries(
        keys.filter((k): k is string => typeof k === 'string'),
        at,
      );
  };

  return (
    <>
      {chosen.length > 0 && (
        <div className="queue-selection" role="toolbar" aria-label="Selected tracks">
          <span className="muted">{chosen.length} selected</span>
          <button className="small-button" onClick={() => player.moveEntries(chosen, index + 1)}>
            Move to play next
          </button>
          <button className="small-button" onClick={() => player.moveEntries(chosen, entries.length)}>
            Move to the end
          </button>
          <button
            className="small-button"
            disabled={removable.length === 0}
            onClick={() => {
              player.removeEntries(removable);
              setSelected(new Set());
            }}
          >
            Remove {removable.length}
          </button>
          <button className="small-button" onClick={() => setSelected(new Set())}>
            Clear selection
          </button>
        </div>
      )}
      <ol
        className="queue-list"
        role="listbox"
        aria-label="Queue"
        aria-multiselectable="true"
        onDragLeave={(e) => {
          if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDropAt(null);
        }}
        onDragOver={onDragOver}
        onDrop={onDrop}
      >
        {entries.map((entry, i) => {
          const t = entry.track;
          const classes = [i === index ? 'current' : i < index ? 'played' : ''];
          if (chosen.includes(entry.key)) classes.push('selected');
          if (dropAt === i) classes.push('drop-before');
          if (dropAt === entries.length && i === entries.length - 1) classes.push('drop-after');
          const failed = player.unplayable.get(t.id);
          if (failed) classes.push('unplayable');
          const menuProps = menu.menuProps(t, { entry, play: () => player.jump(i) });
          return (
            <li
              key={entry.key}
              data-key={entry.key}
              data-index={i}
              className={classes.filter(Boolean).join(' ')}
              role="option"
              aria-selected={chosen.includes(entry.key)}
              aria-current={i === index ? 'true' : undefined}
              tabIndex={0}
              draggable
              title={failed ? `Cannot play: ${failed}` : undefined}
              onClick={(e) => select(e, i)}
              onDoubleClick={() => player.jump(i)}
              onKeyDown={(e) => onKeyDown(e, i)}
              onContextMenu={menuProps.onContextMenu}
              onDragStart={(e) => onDragStart(e, i)}
              onDragEnd={() => setDropAt(null)}
            >
              <span className="q-index">{i === index ? '♪' : i + 1}</span>
              <span className="q-title">{t.title || t.path}</span>
              <span className="q-artist muted">{t.artist}</span>
              <span className="q-origin muted small">{originLabel[entry.origin.kind]}</span>
              <span className="q-time muted">{failed ? '⚠' : formatDuration(t.duration)}</span>
              <span className="q-actions">
                {entry.origin.kind !== 'user' && (
                  <button
                    className="small-button"
                    onClick={(e) => {
                      e.stopPropagation();
                      menu.why(t, entry);
                    }}
                    aria-label="Why this track?"
                    title="Why this track?"
                  >
                    ?
                  </button>
                )}
                {i !== index && (
                  <>
                    <button
                      className="small-button"
                      onClick={(e) => {
                        e.stopPropagation();
                        player.jump(i);
                      }}
                      aria-label="Play now"
                    >
                      ▶
                    </button>
                    <button
                      className="small-button"
                      onClick={(e) => {
                        e.stopPropagation();
                        player.remove(i);
                      }}
                      aria-label="Remove"
                    >
                      ×
                    </button>
                  </>
                )}
              </span>
            </li>
          );
        })}
      </ol>
    </>
  );
}
