/**
 * The bar at the bottom: what is playing, transport controls, seek bar, volume, radio. It does not
 * read the clock (SeekBar does), so it re-renders only when the track or the state changes.
 */
import { useApp } from '../hooks';
import { usePlayer } from '../player';
import { countRender } from '../render-count';
import { Cover } from './Cover';
import { SeekBar } from './SeekBar';
import { NextIcon, PauseIcon, PlayIcon, PrevIcon, VolumeIcon } from './Icons';

export function PlayerBar() {
  countRender('PlayerBar');
  const player = usePlayer();
  const { go } = useApp();
  const { current } = player;
  return (
    <footer className="player-bar">
      <div
        className={`player-track${current ? ' with-cover' : ''}`}
        onClick={() => current && go('queue')}
        title={current?.path}
      >
        {current ? (
          <>
            <Cover item={current} size="small" className="player-cover" />
            <div className="player-track-text">
              <div className="player-title">{current.title || current.path}</div>
              <div className="player-artist">
                {current.artist}
                {current.album ? ` — ${current.album}` : ''}
              </div>
            </div>
          </>
        ) : (
          <div className="muted">Nothing playing</div>
        )}
      </div>
      <div className="player-center">
        <div className="transport">
          <button className="icon-button" onClick={player.previous} title="Previous" aria-label="Previous">
            <PrevIcon />
          </button>
          <button
            className="icon-button play"
            onClick={player.toggle}
            title="Play/pause (space)"
            aria-label={player.playing ? 'Pause' : 'Play'}
            data-testid="play-pause"
          >
            {player.playing ? <PauseIcon /> : <PlayIcon />}
          </button>
          <button className="icon-button" onClick={player.next} title="Next" aria-label="Next">
            <NextIcon />
          </button>
        </div>
        <SeekBar />
      </div>
      <div className="player-right">
        <label
          className={`toggle${player.radio ? ' on' : ''}`}
          title="Keep the queue going with similar tracks"
        >
          <input type="checkbox" checked={player.radio} onChange={(e) => player.setRadio(e.target.checked)} />
          Radio{player.radioLoading ? '…' : ''}
        </label>
        <button
          className="icon-button volume-icon"
          onClick={() => player.setVolume(player.volume > 0 ? 0 : 0.8)}
          aria-label={player.volume > 0 ? 'Mute' : 'Unmute'}
        >
          <VolumeIcon muted={player.volume === 0} />
        </button>
        <input
          type="range"
          className="volume"
          min={0}
          max={1}
          step={0.01}
          value={player.volume}
          onChange={(e) => player.setVolume(Number(e.target.value))}
          aria-label="Volume"
        />
      </div>
    </footer>
  );
}
