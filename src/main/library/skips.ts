/**
 * Files under a root that become neither a track nor an error are skips, and a skip is never
 * silent: each is counted under its reason with a few example paths, and the scan summary, the
 * stats and the Scan screen show the tally.
 */
import type { ScanSkip } from '../../shared/types';

export const SKIP = {
  notAudio: 'not an audio file',
  hiddenFile: 'hidden file',
  hiddenDir: 'hidden or system folder',
  special: 'special file (FIFO, socket or device)',
  dangling: 'dangling link',
  loop: 'link loop',
  twice: 'reached twice (a link to a folder or file scanned by another path)',
  badLink: 'link that cannot be followed',
  unreadableDir: 'folder that cannot be read',
  vanished: 'vanished during the scan',
} as const;

const EXAMPLES = 5;

export class SkipTally {
  private readonly byReason = new Map<string, ScanSkip>();

  add(reason: string, path: string): void {
    let s = this.byReason.get(reason);
    if (!s) {
      s = { reason, count: 0, examples: [] };
      this.byReason.set(reason, s);
    }
    s.count++;
    if (s.examples.length < EXAMPLES) s.examples.push(path);
  }

  merge(list: readonly ScanSkip[]): void {
    for (const k of list) {
      let s = this.byReason.get(k.reason);
      if (!s) {
        s = { reason: k.reason, count: 0, examples: [] };
        this.byReason.set(k.reason, s);
      }
      s.count += k.count;
      for (const e of k.examples) if (s.examples.length < EXAMPLES) s.examples.push(e);
    }
  }

  /** Most frequent first. */
  list(): ScanSkip[] {
    return [...this.byReason.values()]
      .map((s) => ({ ...s, examples: [...s.examples] }))
      .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1));
  }
}

/** One line for people: "3 skipped: 2 not an audio file, 1 dangling link". */
export function skipsLine(list: readonly ScanSkip[]): string {
  const total = list.reduce((n, s) => n + s.count, 0);
  if (total === 0) return '0 skipped';
  return `${total} skipped: ${list.map((s) => `${s.count} ${s.reason}`).join(', ')}`;
}

/** The stored tally of the last scan; anything damaged reads as none. */
export function parseSkips(raw: string | undefined): ScanSkip[] {
  if (!raw) return [];
  try {
    const v = JSON.parse(raw) as unknown;
    if (!Array.isArray(v)) return [];
    return v.filter(
      (k): k is ScanSkip =>
        typeof k === 'object' &&
        k !== null &&
        typeof (k as ScanSkip).reason === 'string' &&
        typeof (k as ScanSkip).count === 'number' &&
        Array.isArray((k as ScanSkip).examples),
    );
  } catch {
    return [];
  }
}
