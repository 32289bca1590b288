/**
 * "Why this track?": the track against the one it was chosen from (a similar queue, radio, a song
 * path: its queue entry says which), else against the playing track, in words (similar.explain);
 * and, once the library is clustered, why the track is in its cluster (clusters.why).
 */
import type { Track } from '../../../shared/types';
import { client } from '../api/client';
import { useKeyedLoad } from '../hooks';
import type { QueueEntry } from '../playback/queue';
import { usePlayer } from '../player';

const how: Record<string, string> = {
  similar: 'chosen by Play similar from',
  radio: 'added by the radio started from',
  path: 'a step of the song path from',
};

export function WhyDialog({ track, entry, onClose }: { track: Track; entry?: QueueEntry; onClose(): void }) {
  const player = usePlayer();
  const origin = entry?.origin;
  const seed =
    origin && origin.kind !== 'user'
      ? { id: origin.seedId, title: origin.seedTitle, how: how[origin.kind] }
      : player.current && player.current.id !== track.id
        ? {
            id: player.current.id,
            title: player.current.title || player.current.path,
            how: 'compared with the playing track',
          }
        : null;
  const explained = useKeyedLoad(
    `${seed?.id}|${track.id}`,
    seed && seed.id !== track.id ? () => client.invoke('similar.explain', { a: seed.id, b: track.id }) : null,
  );
  const e = explained?.value;
  // No clustering yet, or the track was not in the run: the section is left out, not an error.
  const inCluster = useKeyedLoad(`cluster|${track.id}`, () =>
    client.invoke('clusters.why', { id: track.id }),
  )?.value;
  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div
        className="modal card why"
        role="dialog"
        aria-label="Why this track?"
        onClick={(ev) => ev.stopPropagation()}
        onKeyDown={(ev) => ev.key === 'Escape' && onClose()}
      >
        <div className="card-head">
          <h2>Why “{track.title || track.path}”?</h2>
          <button className="small-button push-right" onClick={onClose} aria-label="Close" autoFocus>
            ×
          </button>
        </div>
        {!seed ? (
          <p className="muted">
            {origin?.kind === 'user' || !origin
              ? 'You chose this track yourself. Play something else first to compare it with the playing track.'
              : ''}
          </p>
        ) : seed.id === track.id ? (
          <p className="muted">This is the track the queue was started from.</p>
        ) : (
          <>
            <p className="muted small">
              {seed.how} “{seed.title}”
              {origin && origin.kind !== 'user' && origin.score !== undefined
                ? ` · score ${origin.score.toFixed(2)}`
                : ''}
            </p>
            {explained?.error && <p className="error-text">{explained.error}</p>}
            {!explained && <p className="muted">Comparing…</p>}
            {e && (
              <div className="explain">
                <p className="summary">{e.summary}</p>
                {e.sharedTags.length > 0 && (
                  <div className="chips">
                    {e.sharedTags.map((t) => (
                      <span key={t} className="chip tag">
                        {t}
                      </span>
                    ))}
                  </div>
                )}
                <ul className="why-list">
                  {e.closest.map((f) => (
                    <li key={f.name}>{f.text}</li>
                  ))}
                </ul>
                {e.mostDifferent.length > 0 && (
                  <p className="muted small">
                    Most different: {e.mostDifferent.map((f) => f.text).join('; ')}
                  </p>
                )}
              </div>
            )}
          </>
        )}
        {inCluster && inCluster.clusterId >= 0 && inCluster.reasons.length > 0 && (
          <div className="explain cluster-why">
            <p className="muted small">
              In the cluster “{inCluster.clusterName ?? `#${inCluster.clusterId}`}” because it is:
            </p>
            <ul className="why-list">
              {inCluster.reasons.slice(0, 4).map((r) => (
                <li key={r.feature}>{r.phrase}</li>
              ))}
            </ul>
          </div>
        )}
      </div>
    </div>
  );
}
