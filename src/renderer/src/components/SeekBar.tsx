/**
 * The seek bar and the clock: the only part of the player bar that re-renders on the audio clock
 * (it reads usePlayerProgress). While the thumb is dragged the bar shows where it is and seeks
 * once, on release: a transcoded track restarts its stream for every seek.
 */
import { useState } from 'react';
import { formatClock } from '../format';
import { usePlayer, usePlayerProgress } from '../player';
import { countRender } from '../render-count';

export function SeekBar() {
  countRender('SeekBar');
  const player = usePlayer();
  const { time, duration } = usePlayerProgress();
  const [dragging, setDragging] = useState<number | null>(null);
  const { current } = player;
  const total = duration || current?.duration || 0;
  const shown = dragging ?? Math.min(time, total);
  const commit = (): void => {
    if (dragging !== null) player.seek(dragging);
    setDragging(null);
  };
  return (
    <div className="seek">
      <span className="time" data-testid="time">
        {formatClock(shown)}
      </span>
      <input
        type="range"
        min={0}
        max={total}
        step={0.1}
        value={shown}
        disabled={!current || !total}
        onPointerDown={() => setDragging(shown)}
        onPointerUp={commit}
        onBlur={commit}
        onChange={(e) => {
          const value = Number(e.target.value);
          if (dragging !== null) setDragging(value);
          else player.seek(value);
        }}
        aria-label="Seek"
        aria-valuetext={`${formatClock(shown)} of ${formatClock(total)}`}
      />
      <span className="time">{formatClock(total)}</span>
    </div>
  );
}
