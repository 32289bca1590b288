/**
 * Move matching: a file the scan reads for the first time may be a catalogued track that moved or
 * was renamed (same content fingerprint). It then keeps its id (and with it its analysis and
 * history) instead of becoming a new track while the old one goes missing.
 *
 * Candidates are first the tracks that vanished from a reachable root during this scan; then
 * tracks outside the scan's roots, which count as moved only when their old file is really gone.
 * Each candidate is claimed once.
 */
import { stat } from 'node:fs/promises';
import type { Track, TrackId } from '../../shared/types';
import { fsPath, pathKey } from '../store/raw-path';

function addTo(index: Map<string, Track[]>, track: Track): void {
  const list = index.get(track.fingerprint);
  if (list) list.push(track);
  else index.set(track.fingerprint, [track]);
}

export class MoveMatcher {
  /** Catalogued tracks whose file was not found in a reachable root (and not claimed since). */
  readonly vanished = new Set<TrackId>();
  private readonly vanishedByFp = new Map<string, Track[]>();
  /** Tracks outside the reachable roots by fingerprint (built on first use). */
  private othersByFp: Map<string, Track[]> | undefined;
  private readonly claimed = new Set<TrackId>();

  /**
   * @param tracks the catalog's tracks (read again when the outside index is first needed)
   * @param found path keys (`pathKey`) the walk found
   * @param isReachable whether a path lies in a root this scan walked fully
   * @param walkComplete whether the walk ended (a cancelled walk proves nothing vanished)
   */
  constructor(
    private readonly tracks: ReadonlyMap<TrackId, Track>,
    private readonly found: ReadonlyMap<string, unknown>,
    private readonly isReachable: (path: string) => boolean,
    walkComplete: boolean,
  ) {
    if (!walkComplete) return;
    for (const t of tracks.values()) {
      if (found.has(pathKey(t)) || !isReachable(t.path)) continue;
      this.vanished.add(t.id);
      addTo(this.vanishedByFp, t);
    }
  }

  /** The catalogued track a newly found file with this fingerprint was, if any (claimed for good). */
  async claim(fingerprint: string): Promise<Track | undefined> {
    const local = this.vanishedByFp.get(fingerprint)?.find((t) => !this.claimed.has(t.id));
    if (local) return this.take(local);
    for (const t of this.othersWith(fingerprint)) {
      if (this.claimed.has(t.id) || this.found.has(pathKey(t))) continue;
      // Outside this scan's roots: a move only when the old file is really gone.
      const gone = await stat(fsPath(t)).then(
        () => false,
        (e: NodeJS.ErrnoException) => e.code === 'ENOENT',
      );
      if (gone && !this.claimed.has(t.id)) return this.take(t);
    }
    return undefined;
  }

  private take(track: Track): Track {
    this.claimed.add(track.id);
    this.vanished.delete(track.id);
    return track;
  }

  private othersWith(fingerprint: string): Track[] {
    if (!this.othersByFp) {
      this.othersByFp = new Map();
      for (const t of this.tracks.values()) {
        if (this.vanished.has(t.id) || this.isReachable(t.path)) continue;
        addTo(this.othersByFp, t);
      }
    }
    return this.othersByFp.get(fingerprint) ?? [];
  }
}
