/**
 * The track table: search and filters through library.list, virtualised rows loaded page by page
 * (only the rows in view are in the DOM, pages of 200 are fetched as they scroll into view).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { KeyboardEvent } from 'react';
import type { Request } from '../../../shared/contract';
import type { LibraryStats, Track } from '../../../shared/types';
import { IMPORTED_NO_AUDIO, isImported } from '../../../shared/imported';
import { client } from '../api/client';
import { formatDuration, nf } from '../format';
import { useApp, useDebounced, useEvent, useKeyedLoad } from '../hooks';
import { LabelledSelect, type SelectOption } from '../components/LabelledSelect';
import { useTrackMenu } from '../components/TrackMenu';
import { usePlayer } from '../player';

const ROW_HEIGHT = 32;
const PAGE_SIZE = 200;
const OVERSCAN = 12;
const QUEUE_FROM_LIST = 500;

type Sort = NonNullable<Request<'library.list'>['sort']>;
type Order = 'asc' | 'desc';

interface Query {
  text: string;
  artist: string;
  album: string;
  genre: string;
  sort: Sort;
  order: Order;
}

/** The table's columns; each header sorts by its key (a second click reverses). */
const columns: { key: Sort; label: string; num?: boolean; title?: string }[] = [
  { key: 'trackNo', label: '#', num: true, title: 'Track number' },
  { key: 'title', label: 'Title' },
  { key: 'artist', label: 'Artist' },
  { key: 'album', label: 'Album' },
  { key: 'discNo', label: 'Disc', num: true },
  { key: 'year', label: 'Year', num: true },
  { key: 'duration', label: 'Time', num: true },
  { key: 'genre', label: 'Genre' },
  { key: 'format', label: 'Format' },
];
/** Orders with no column of their own ("added" is newest first when ascending). */
const otherSorts: { key: Sort; label: string }[] = [
  { key: 'added', label: 'Recently added' },
  { key: 'path', label: 'File path' },
];

/** The sort choices: the columns, the sorts without a column, and the track number last. */
const SORTS: SelectOption<Sort>[] = [
  ...[...columns.filter((c) => c.key !== 'trackNo'), ...otherSorts].map((c) => ({
    value: c.key,
    label: c.label,
  })),
  { value: 'trackNo', label: 'Track number' },
];

export const notAnalysedHint = 'Not analysed yet — start analysis to enable Play similar';

export function LibraryScreen({ stats }: { stats: LibraryStats | null }) {
  const { select, selected, go, notify } = useApp();
  const player = usePlayer();
  const [query, setQuery] = useState<Query>({
    text: '',
    artist: '',
    album: '',
    genre: '',
    sort: 'artist',
    order: 'asc',
  });
  const debounced = useDebounced(query, 250);
  const [reloadKey, setReloadKey] = useState(0);
  const [total, setTotal] = useState<number | null>(null);
  const [pages, setPages] = useState<Map<number, Track[]>>(() => new Map());
  const [viewport, setViewport] = useState({ top: 0, height: 600 });
  const scroller = useRef<HTMLDivElement>(null);
  const generation = useRef(0);
  const inflight = useRef(new Set<number>());
  const menu = useTrackMenu();
  /** The keyboard's row (arrows move it, Enter plays from it). */
  const [cursor, setCursor] = useState(-1);

  const request = useCallback(
    (page: number): Promise<{ total: number; tracks: Track[] }> =>
      client.invoke('library.list', {
        text: debounced.text.trim() || undefined,
        artist: debounced.artist || undefined,
        album: debounced.album || undefined,
        genre: debounced.genre || undefined,
        sort: debounced.sort,
        order: debounced.order,
        offset: page * PAGE_SIZE,
        limit: PAGE_SIZE,
      }),
    [debounced],
  );

  // A new query (or a changed library) starts over from page 0.
  useEffect(() => {
    const gen = ++generation.current;
    inflight.current = new Set([0]);
    request(0)
      .then((res) => {
        if (gen !== generation.current) return;
        setTotal(res.total);
        setPages(new Map([[0, res.tracks]]));
        setCursor(-1);
        scroller.current?.scrollTo({ top: 0 });
      })
      .catch((err: unknown) => notify(err))
      .finally(() => inflight.current.delete(0));
  }, [request, reloadKey, notify]);

  useEvent('library.changed', (e) => {
    if (e.reason === 'scan') setReloadKey((k) => k + 1);
  });

  // Keep the viewport size current.
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setViewport({ top: el.scrollTop, height: el.clientHeight }));
    observer.observe(el);
    return () => observer.disconnect();
  }, [total]);

  const firstRow = Math.max(0, Math.floor(viewport.top / ROW_HEIGHT) - OVERSCAN);
  const lastRow = Math.min(total ?? 0, Math.ceil((viewport.top + viewport.height) / ROW_HEIGHT) + OVERSCAN);

  // Fetch the pages the viewport needs.
  useEffect(() => {
    if (total === null || total === 0) return;
    const gen = generation.current;
    for (
      let page = Math.floor(firstRow / PAGE_SIZE);
      page <= Math.floor(Math.max(0, lastRow - 1) / PAGE_SIZE);
      page++
    ) {
      if (pages.has(page) || inflight.current.has(page)) continue;
      inflight.current.add(page);
      request(page)
        .then((res) => {
          if (gen !== generation.current) return;
          setPages((m) => new Map(m).set(page, res.tracks));
        })
        .catch((err: unknown) => notify(err))
        .finally(() => inflight.current.delete(page));
    }
  }, [firstRow, lastRow, total, pages, request, notify]);

  const trackAt = (i: number): Track | undefined => pages.get(Math.floor(i / PAGE_SIZE))?.[i % PAGE_SIZE];

  const playFrom = (i: number): void => {
    const list: Track[] = [];
    for (let j = i; j < (total ?? 0) && list.length < QUEUE_FROM_LIST; j++) {
      const t = trackAt(j);
      if (!t) break;
      list.push(t);
    }
    player.playQueue(list, 0);
  };

  /** Arrows, Page Up/Down, Home/End move the keyboard row; Enter plays from it; the menu key opens its menu. */
  const onTableKey = (e: KeyboardEvent<HTMLDivElement>): void => {
    const count = total ?? 0;
    if (count === 0) return;
    const page = Math.max(1, Math.floor(viewport.height / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = {
      ArrowDown: 1,
      ArrowUp: -1,
      PageDown: page,
      PageUp: -page,
      Home: -count,
      End: count,
    };
    if (e.key in moves && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      const to = Math.max(0, Math.min(count - 1, (cursor < 0 ? -1 : cursor) + moves[e.key]));
      setCursor(to);
      const t = trackAt(to);
      if (t) select(t);
      const el = scroller.current;
      if (el) {
        const headRoom = ROW_HEIGHT; // the sticky header row
        const top = to * ROW_HEIGHT;
        if (top < el.scrollTop) el.scrollTop = top;
        else if (top + ROW_HEIGHT + headRoom > el.scrollTop + el.clientHeight)
          el.scrollTop = top + ROW_HEIGHT + headRoom - el.clientHeight;
      }
      return;
    }
    const t = cursor >= 0 ? trackAt(cursor) : undefined;
    if (!t) return;
    if (e.key === 'Enter') {
      e.preventDefault();
      playFrom(cursor);
    } else {
      const row = document.getElementById(`library-row-${cursor}`);
      if ((e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey)) && row) {
        e.preventDefault();
        const box = row.getBoundingClientRect();
        menu.open(t, { x: box.left + 40, y: box.bottom }, { play: () => playFrom(cursor) }, e.currentTarget);
      }
    }
  };

  // Play similar works as soon as any analysis can answer (the previous model's while a newly
  // chosen one is analysed, or features alone).
  const analysed = (stats?.similarityTracks ?? stats?.analysed ?? 0) > 0;
  const filtered = !!(query.text || query.artist || query.album || query.genre);
  const set = (patch: Partial<Query>): void => setQuery((q) => ({ ...q, ...patch }));

  const rows = [];
  for (let i = firstRow; i < lastRow; i++) {
    const t = trackAt(i);
    if (!t) {
      rows.push(
        <div key={`p${i}`} className="row placeholder" style={{ top: i * ROW_HEIGHT }}>
          <span className="muted">…</span>
        </div>,
      );
      continue;
    }
    const classes = ['row'];
    if (selected?.id === t.id) classes.push('selected');
    if (player.current?.id === t.id) classes.push('playing');
    if (t.status === 'missing') classes.push('missing');
    // Tracks made from a feature table say up front that they have no audio.
    const failed = player.unplayable.get(t.id) ?? (isImported(t) ? IMPORTED_NO_AUDIO : undefined);
    if (failed) classes.push('unplayable');
    if (i === cursor) classes.push('cursor');
    rows.push(
      <div
        key={t.id}
        id={`library-row-${i}`}
        className={classes.join(' ')}
        style={{ top: i * ROW_HEIGHT }}
        onClick={() => {
          select(t);
          setCursor(i);
        }}
        onDoubleClick={() => playFrom(i)}
        onContextMenu={(e) => {
          select(t);
          setCursor(i);
          menu.menuProps(t, { play: () => playFrom(i) }).onContextMenu(e);
        }}
        data-track-id={t.id}
        role="row"
        aria-selected={selected?.id === t.id}
      >
        <span className="cell num muted">{t.trackNo ?? ''}</span>
        <span className="cell title" title={t.path}>
          {player.current?.id === t.id && <span className="now">♪ </span>}
          {failed && (
            <span className="unplayable-mark" title={`Cannot play: ${failed}`} aria-label="Cannot play">
              ⚠{' '}
            </span>
          )}
          {t.title || t.path}
        </span>
        <span className="cell" title={t.artists.join(', ')}>
          {t.artist}
        </span>
        <span className="cell" title={t.album}>
          {t.album}
        </span>
        <span className="cell num muted">{t.discNo ?? ''}</span>
        <span className="cell num muted">{t.year ?? ''}</span>
        <span className="cell num">{formatDuration(t.duration)}</span>
        <span className="cell">{t.genres.join(', ')}</span>
        <span className="cell muted">{t.format}</span>
        <span className="cell actions">
          <button
            className="small-button"
            disabled={!analysed}
            title={analysed ? 'Play this, then similar tracks' : notAnalysedHint}
            onClick={(e) => {
              e.stopPropagation();
              void player.playSimilar(t);
            }}
          >
            ≈ Play similar
          </button>
        </span>
      </div>,
    );
  }

  return (
    <section className="screen library">
      <header className="screen-header">
        <h1>Library</h1>
        <div className="muted">
          {total === null ? 'Loading…' : `${nf.format(total)} ${filtered ? 'matching ' : ''}tracks`}
        </div>
      </header>
      <div className="filters">
        <input
          type="search"
          data-search
          className="search"
          placeholder="Search title, artist, album…"
          value={query.text}
          onChange={(e) => set({ text: e.target.value })}
          aria-label="Search"
        />
        <FilterInput
          field="artist"
          label="Artist"
          value={query.artist}
          onChange={(artist) => set({ artist })}
        />
        <FilterInput field="album" label="Album" value={query.album} onChange={(album) => set({ album })} />
        <FilterInput field="genre" label="Genre" value={query.genre} onChange={(genre) => set({ genre })} />
        <LabelledSelect
          label="Sort"
          ariaLabel="Sort by"
          value={query.sort}
          options={SORTS}
          onChange={(sort) => set({ sort, order: 'asc' })}
        />
      </div>
      {stats && stats.tracks > 0 && !analysed && (
        <div className="banner">
          {notAnalysedHint}.{' '}
          <button className="link-button" onClick={() => go('analysis')}>
            Open Analysis
          </button>
        </div>
      )}
      {total === 0 ? (
        <div className="empty">
          {filtered ? (
            <p>No tracks match these filters.</p>
          ) : (
            <>
              <p className="empty-title">No music yet — add a folder</p>
              <button className="primary" onClick={() => go('scan')}>
                Add music
              </button>
            </>
          )}
        </div>
      ) : (
        <div
          className="table"
          role="grid"
          aria-label="Tracks"
          aria-activedescendant={cursor >= 0 ? `library-row-${cursor}` : undefined}
          tabIndex={0}
          onKeyDown={onTableKey}
          ref={scroller}
          onScroll={(e) =>
            setViewport({ top: e.currentTarget.scrollTop, height: e.currentTarget.clientHeight })
          }
        >
          <div className="row head" role="row">
            {columns.map((c) => {
              const active = query.sort === c.key;
              return (
                <span
                  key={c.key}
                  role="columnheader"
                  className={`cell${c.num ? ' num' : ''}`}
                  aria-sort={active ? (query.order === 'asc' ? 'ascending' : 'descending') : 'none'}
                >
                  <button
                    className={`sort-head${active ? ' active' : ''}`}
                    title={`Sort by ${(c.title ?? c.label).toLowerCase()}${active ? ' (click again to reverse)' : ''}`}
                    onClick={() =>
                      set(
                        active
                          ? { order: query.order === 'asc' ? 'desc' : 'asc' }
                          : { sort: c.key, order: 'asc' },
                      )
                    }
                    data-sort={c.key}
                  >
                    {c.label}
                    {active && <span className="sort-arrow">{query.order === 'asc' ? '▲' : '▼'}</span>}
                  </button>
                </span>
              );
            })}
            <span className="cell" />
          </div>
          <div className="table-body" style={{ height: (total ?? 0) * ROW_HEIGHT }}>
            {rows}
          </div>
        </div>
      )}
    </section>
  );
}

const SUGGESTIONS = 50;

/** A substring filter whose suggestions come from the whole library (library.values), not the loaded rows. */
function FilterInput({
  field,
  label,
  value,
  onChange,
}: {
  field: 'artist' | 'album' | 'genre';
  label: string;
  value: string;
  onChange(v: string): void;
}) {
  const listId = `filter-${field}`;
  const [focused, setFocused] = useState(false);
  const contains = useDebounced(value.trim(), 150);
  const found = useKeyedLoad(
    `${field}\u0000${contains}`,
    focused ? () => client.invoke('library.values', { field, contains, limit: SUGGESTIONS }) : null,
  );
  const options = found?.value?.values ?? [];
  return (
    <span className={`filter${value ? ' active' : ''}`}>
      <input
        placeholder={label}
        value={value}
        list={listId}
        onChange={(e) => onChange(e.target.value)}
        onFocus={() => setFocused(true)}
        aria-label={label}
        title={`${label}: any part of the name (accents and case ignored)`}
      />
      <datalist id={listId}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {`${o.count} track${o.count === 1 ? '' : 's'}`}
          </option>
        ))}
      </datalist>
      {value && (
        <button className="clear" onClick={() => onChange('')} aria-label={`Clear ${label}`}>
          ×
        </button>
      )}
    </span>
  );
}
