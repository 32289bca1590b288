/** Terminal output for the CLI: progress bars on a TTY, JSON lines otherwise when asked, tables. */
import type { AnalysisProgress, LibraryStats, ScanProgress, Track } from '../../shared/types';

export interface Output {
  json: boolean;
  tty: boolean;
}

const barWidth = 28;

function bar(fraction: number): string {
  const filled = Math.max(0, Math.min(barWidth, Math.round(fraction * barWidth)));
  return '█'.repeat(filled) + '░'.repeat(barWidth - filled);
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) return '0:00';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** A single status line rewritten in place on a TTY; nothing when output is not a terminal. */
export class StatusLine {
  private lastLength = 0;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  get active(): boolean {
    return Boolean(this.stream.isTTY);
  }

  show(text: string): void {
    if (!this.active) return;
    const columns = this.stream.columns || 100;
    const line = text.length > columns - 1 ? text.slice(0, columns - 2) + '…' : text;
    this.stream.write('\r' + line + ' '.repeat(Math.max(0, this.lastLength - line.length)));
    this.lastLength = line.length;
  }

  clear(): void {
    if (!this.active || this.lastLength === 0) return;
    this.stream.write('\r' + ' '.repeat(this.lastLength) + '\r');
    this.lastLength = 0;
  }
}

export function scanLine(p: ScanProgress): string {
  const fraction = p.found > 0 ? p.processed / p.found : 0;
  const phase = p.phase === 'walking' ? `walking… ${p.found} found` : `${p.processed}/${p.found}`;
  return `scan ${bar(fraction)} ${phase}  new ${p.added}  changed ${p.updated}  failed ${p.failed}  ${Math.round(p.rate)} files/s`;
}

export function analysisLine(p: AnalysisProgress): string {
  const fraction = p.total > 0 ? p.done / p.total : 0;
  const eta = p.etaSeconds == null ? '' : `  ETA ${formatDuration(p.etaSeconds)}`;
  const current = p.current[0] ? `  ${p.current[0].split('/').pop()}` : '';
  return `analyse ${bar(fraction)} ${p.done}/${p.total}  failed ${p.failed}  ${p.tracksPerMinute.toFixed(0)}/min${eta}${current}`;
}

export function trackLine(t: Track, extra = ''): string {
  const dur = formatDuration(t.duration);
  const missing = t.status === 'missing' ? '  [missing]' : '';
  return `${t.id}  ${t.artist} — ${t.title}  (${t.album}, ${dur})${extra}${missing}`;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}

/** What answers "play similar", and whether a model switch is under way. */
export function similarFromLine(stats: LibraryStats): string {
  const what = stats.similarityModel ?? 'features only';
  const count = `${stats.similarityTracks} of ${stats.tracks} tracks`;
  if (stats.analysisModel && stats.similarityModel && stats.analysisModel !== stats.similarityModel) {
    return `${what} (${count}) until ${stats.analysisModel} covers the library (${stats.analysed} of ${stats.tracks} analysed with it)`;
  }
  return `${what} (${count})`;
}
