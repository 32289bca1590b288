/**
 * A short list of tracks (an album's, an artist's top tracks): Enter or a double click plays the
 * list from that track, a click selects it. Rows are reachable by keyboard (Tab, then ↑/↓).
 */
import type { KeyboardEvent } from 'react';
import type { Track } from '../../../shared/types';
import { formatDuration } from '../format';
import { useApp } from '../hooks';
import { usePlayer } from '../player';
import { Cover } from './Cover';
import { useTrackMenu } from './TrackMenu';

export function TrackList({
  tracks,
  numbering,
  showArtistUnless,
  showCover = false,
  showAlbum = false,
  label,
}: {
  tracks: Track[];
  /** 'track': the tag's track number (album pages); 'index': 1, 2, 3 … */
  numbering: 'track' | 'index';
  /** Show each track's artist when it differs from this one (compilations). */
  showArtistUnless?: string;
  showCover?: boolean;
  showAlbum?: boolean;
  label: string;
}) {
  const { selected, select, showAlbum: openAlbum } = useApp();
  const player = usePlayer();
  const menu = useTrackMenu();
  const discs = new Set(tracks.map((t) => t.discNo ?? 1));
  const multiDisc = numbering === 'track' && discs.size > 1;

  const onKey = (e: KeyboardEvent<HTMLLIElement>, i: number): void => {
    if (e.key === 'Enter') {
      e.preventDefault();
      player.playQueue(tracks, i);
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const sibling =
        e.key === 'ArrowDown' ? e.currentTarget.nextElementSibling : e.currentTarget.previousElementSibling;
      const target = sibling?.matches('[data-track-id]')
        ? sibling
        : e.key === 'ArrowDown'
          ? sibling?.nextElementSibling
          : sibling?.previousElementSibling;
      if (target instanceof HTMLElement) target.focus();
    } else menu.menuProps(tracks[i], { play: () => player.playQueue(tracks, i) }).onKeyDown(e);
  };

  const rows = [];
  let lastDisc: number | null = null;
  for (let i = 0; i < tracks.length; i++) {
    const t = tracks[i];
    const disc = t.discNo ?? 1;
    if (multiDisc && disc !== lastDisc) {
      rows.push(
        <li key={`disc-${disc}`} className="disc-head" aria-hidden="true">
          Disc {disc}
        </li>,
      );
    }
    lastDisc = disc;
    const playing = player.current?.id === t.id;
    const classes = ['track-item'];
    if (selected?.id === t.id) classes.push('selected');
    if (playing) classes.push('playing');
    const otherArtist = showArtistUnless !== undefined && t.artist !== showArtistUnless;
    rows.push(
      <li
        key={t.id}
        className={classes.join(' ')}
        data-track-id={t.id}
        tabIndex={0}
        role="button"
        aria-label={`${t.title || t.path}, ${t.artist}`}
        onClick={() => select(t)}
        onDoubleClick={() => player.playQueue(tracks, i)}
        onContextMenu={(e) => {
          select(t);
          menu.menuProps(t, { play: () => player.playQueue(tracks, i) }).onContextMenu(e);
        }}
        onKeyDown={(e) => onKey(e, i)}
      >
        <span className="ti-num">
          {playing ? <span className="now">♪</span> : numbering === 'track' ? (t.trackNo ?? '–') : i + 1}
        </span>
        {showCover && <Cover item={t} size="small" className="ti-cover" />}
        <span className="ti-main">
          <span className="ti-title title">{t.title || t.path}</span>
          {(otherArtist || showAlbum) && (
            <span className="ti-sub">
              {otherArtist ? t.artist : ''}
              {otherArtist && showAlbum && t.album ? ' · ' : ''}
              {showAlbum && t.album && (
                <button
                  className="inline-link"
                  onClick={(e) => {
                    e.stopPropagation();
                    openAlbum({ trackId: t.id });
                  }}
                >
                  {t.album}
                </button>
              )}
            </span>
          )}
        </span>
        <span className="ti-time">{formatDuration(t.duration)}</span>
      </li>,
    );
  }
  return (
    <ol className="track-list" aria-label={label}>
      {rows}
    </ol>
  );
}
