/** Where a clustering run stands (`ClusterProgress`), in words, and how often listeners hear it. */
import type { ClusterProgress } from '../../shared/types';

export const IDLE: ClusterProgress = {
  state: 'idle',
  phase: '',
  done: 0,
  total: 0,
  message: 'No clustering run in this session.',
  algorithm: null,
  space: null,
  tracks: 0,
  inWorker: false,
  startedAt: null,
  runId: null,
};

/** A pipeline step in words, for the progress bar. */
const STEP_WORDS: Record<string, string> = {
  neighbours: 'finding neighbours',
  'spanning tree': 'HDBSCAN spanning tree',
  kmeans: 'k-means',
  'kmeans restarts': 'k-means restarts',
  gmm: 'Gaussian mixture (EM)',
  dbscan: 'DBSCAN',
  ward: 'agglomerative (Ward)',
};
export const stepWords = (step: string): string => STEP_WORDS[step] ?? step;

/** The latest progress, passed on to a listener. */
export class ProgressReporter {
  private progress: ClusterProgress = IDLE;
  private lastSentAt = 0;

  constructor(private readonly listener?: (progress: ClusterProgress) => void) {}

  get current(): ClusterProgress {
    return this.progress;
  }

  /** Updates the progress; step updates at most ~10 a second, state changes always. */
  report(patch: Partial<ClusterProgress>, force = false): void {
    this.progress = { ...this.progress, ...patch };
    const now = Date.now();
    if (!force && now - this.lastSentAt < 100) return;
    this.lastSentAt = now;
    this.listener?.(this.progress);
  }
}
