/**
 * One <audio> element behind a small class: it knows how a track's audio is fetched (straight from
 * the media route, or as an ffmpeg transcode for formats the engine cannot decode) and hides the
 * difference from the rest of the app. A transcoded stream cannot be ranged, so seeking in one
 * restarts the transcode at the asked position (`?transcode=1&start=S`) and the engine adds that
 * start to the element's clock: callers always see the position in the track.
 *
 * The engine holds no React state; the provider listens through `EngineListener`.
 */

export interface EngineListener {
  playing(playing: boolean): void;
  /** Position in the track (seconds) and its length (0 when the stream does not know it). */
  time(position: number, duration: number): void;
  ended(): void;
  /** A load or decode failure (MediaError code) for the source loaded as `mode`. */
  error(code: number, mode: SourceMode): void;
}

export type SourceMode = 'direct' | 'transcode';

export interface LoadOptions {
  mode: SourceMode;
  autoplay: boolean;
  /** Where to start, in seconds. */
  startAt?: number;
}

/** The same media URL asking the server for an ffmpeg transcode from `start` s (http: and timbre-media:). */
export function transcodeUrl(mediaUrl: string, start = 0): string {
  const url = new URL(mediaUrl, window.location.href);
  url.searchParams.set('transcode', '1');
  if (start > 0) url.searchParams.set('start', start.toFixed(2));
  else url.searchParams.delete('start');
  return url.href;
}

export class AudioEngine {
  private mediaUrl: string | null = null;
  private modeNow: SourceMode = 'direct';
  /** Where the current transcoded stream starts in the track. */
  private offset = 0;
  /** Applied once metadata is known (a direct stream cannot seek before that). */
  private pendingSeek: number | null = null;
  private readonly detach: () => void;

  constructor(
    readonly element: HTMLAudioElement,
    private readonly listener: EngineListener,
  ) {
    const on = <K extends keyof HTMLMediaElementEventMap>(type: K, fn: () => void): (() => void) => {
      element.addEventListener(type, fn);
      return () => element.removeEventListener(type, fn);
    };
    const offs = [
      on('play', () => listener.playing(true)),
      on('pause', () => listener.playing(false)),
      on('timeupdate', () => this.emitTime()),
      on('durationchange', () => this.emitTime()),
      on('emptied', () => listener.time(this.offset, this.duration)),
      on('loadedmetadata', () => {
        if (this.pendingSeek !== null && this.modeNow === 'direct') element.currentTime = this.pendingSeek;
        this.pendingSeek = null;
      }),
      on('ended', () => listener.ended()),
      on('error', () => {
        const err = element.error;
        if (err && this.mediaUrl) listener.error(err.code, this.modeNow);
      }),
    ];
    this.detach = () => offs.forEach((off) => off());
  }

  get mode(): SourceMode {
    return this.modeNow;
  }

  get paused(): boolean {
    return this.element.paused;
  }

  /** Position in the track, seconds. */
  get position(): number {
    return this.offset + (Number.isFinite(this.element.currentTime) ? this.element.currentTime : 0);
  }

  /** Length the stream reports (a transcode does not know it: 0, the catalog's figure is used). */
  get duration(): number {
    const d = this.element.duration;
    return this.modeNow === 'direct' && Number.isFinite(d) ? d : 0;
  }

  private emitTime(): void {
    this.listener.time(this.position, this.duration);
  }

  /** Loads a track's media URL (or nothing) and starts it when `autoplay`. */
  load(mediaUrl: string | null, options: LoadOptions): void {
    this.mediaUrl = mediaUrl;
    this.modeNow = options.mode;
    const start = Math.max(0, options.startAt ?? 0);
    if (!mediaUrl) {
      this.offset = 0;
      this.pendingSeek = null;
      this.element.pause();
      this.element.removeAttribute('src');
      this.element.load();
      return;
    }
    if (options.mode === 'transcode') {
      this.offset = start;
      this.pendingSeek = null;
      this.element.src = transcodeUrl(mediaUrl, start);
    } else {
      this.offset = 0;
      this.pendingSeek = start > 0 ? start : null;
      this.element.src = mediaUrl;
    }
    this.listener.time(start, this.duration);
    if (options.autoplay) this.play();
  }

  play(): void {
    if (!this.mediaUrl) return;
    this.element.play().catch((err: unknown) => {
      // A newer load interrupted this one, or autoplay was refused: the user presses play.
      if (err instanceof Error && (err.name === 'AbortError' || err.name === 'NotAllowedError')) return;
    });
  }

  pause(): void {
    this.element.pause();
  }

  /** Seeks to `seconds` in the track; a transcode restarts there. */
  seek(seconds: number): void {
    if (!this.mediaUrl || !Number.isFinite(seconds)) return;
    const target = Math.max(0, seconds);
    if (this.modeNow === 'transcode') {
      this.load(this.mediaUrl, { mode: 'transcode', autoplay: !this.element.paused, startAt: target });
      return;
    }
    if (this.element.readyState === 0) this.pendingSeek = target;
    else this.element.currentTime = target;
  }

  setVolume(volume: number): void {
    this.element.volume = Math.min(1, Math.max(0, volume));
  }

  dispose(): void {
    this.detach();
    this.element.pause();
  }
}
