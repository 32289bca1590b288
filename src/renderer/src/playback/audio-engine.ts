/**
 * Two audio elements behind a small class (the Museeks `player.ts` pattern: no React in here).
 *
 * Fetching: a track's audio comes straight from the media route, or as an ffmpeg transcode for
 * formats the engine cannot decode. A transcoded stream cannot be ranged, so seeking in one
 * restarts the transcode at the asked position (`?transcode=1&start=S`) and the engine adds that
 * start to the element's clock: callers always see the position in the track.
 *
 * Transitions: one element plays (the active deck, always `#timbre-audio`), the other waits. Told
 * what follows (`setNext`) and how to hand over (`setTransition`), the engine loads the next track
 * into the waiting element near the end of the current one and starts it itself — at the very end
 * (gapless) or `crossfadeSeconds` before it, fading the two with equal-power gains (cos/sin, so the
 * loudness stays level). Then the decks swap and `advanced` tells the provider the queue moved on.
 * The browser's own `ended` only reaches the provider when nothing was handed over (transitions
 * off, nothing next, or the next track could not load ahead). Pausing, seeking or loading during
 * an overlap cuts the outgoing track: those are about the track now playing.
 *
 * Gains are applied through `volume`, not Web Audio: a MediaElementSource silences media from
 * another origin (the desktop app's `timbre-media:` scheme) and a suspended AudioContext silences
 * everything, while `volume` works wherever <audio> plays.
 */

import type { PlaybackSettings } from '../../../shared/types';

/** What the engine needs of an <audio> element (HTMLAudioElement has it; tests pass fakes). */
export interface MediaElement {
  id: string;
  src: string;
  currentTime: number;
  volume: number;
  preload: string;
  readonly duration: number;
  readonly paused: boolean;
  readonly readyState: number;
  readonly error: { readonly code: number } | null;
  play(): Promise<void>;
  pause(): void;
  load(): void;
  removeAttribute(name: string): void;
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

/** Time for fades and hand-over timers (tests drive a fake one). */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface EngineListener {
  playing(playing: boolean): void;
  /** Position in the track (seconds) and its length (0 when the stream does not know it). */
  time(position: number, duration: number): void;
  /** The track ended and nothing was handed over: the provider moves the queue on. */
  ended(): void;
  /** The engine started the next track itself (entry `key`, fetched as `mode`). */
  advanced(key: string, mode: SourceMode): void;
  /** A load or decode failure (MediaError code) for the source loaded as `mode`. */
  error(code: number, mode: SourceMode): void;
}

export type SourceMode = 'direct' | 'transcode';

export interface LoadOptions {
  mode: SourceMode;
  autoplay: boolean;
  /** Where to start, in seconds. */
  startAt?: number;
  /** The queue entry this is (so a hand-over can name it). */
  key?: string;
  /** The catalog's length, used when the stream does not know its own (a transcode). */
  duration?: number;
}

/** The track that follows the playing one. */
export interface NextTrack {
  key: string;
  url: string;
  mode: SourceMode;
  /** The catalog's length, seconds. */
  duration: number;
  /** It continues the playing track's album: with `albumGapless` no crossfade is made. */
  continuesAlbum: boolean;
}

/** How tracks hand over: the playback settings. */
export type Transition = PlaybackSettings;

/** The next track is loaded this long (plus the crossfade) before the current one ends. */
export const PRELOAD_AHEAD_S = 12;
/** The hand-over is put on a timer once it is this close (the clock ticks ~4 times a second). */
const SCHEDULE_WINDOW_S = 1;
const FADE_STEP_MS = 40;
const HAVE_NOTHING = 0;
export const ACTIVE_ID = 'timbre-audio';
export const STANDBY_ID = 'timbre-audio-standby';

/** The same media URL asking the server for an ffmpeg transcode from `start` s (http: and timbre-media:). */
export function transcodeUrl(mediaUrl: string, start = 0): string {
  // globalThis, not window: the engine's tests run outside a page.
  const base = (globalThis as { location?: { href: string } }).location?.href;
  const url = new URL(mediaUrl, base);
  url.searchParams.set('transcode', '1');
  if (start > 0) url.searchParams.set('start', start.toFixed(2));
  else url.searchParams.delete('start');
  return url.href;
}

/** Overlap for handing over to `next`: 0 is gapless; never more than half of either track. */
export function overlapSeconds(t: Transition, next: NextTrack, currentDuration: number): number {
  if (t.transition !== 'crossfade' || (t.albumGapless && next.continuesAlbum)) return 0;
  const limits = [t.crossfadeSeconds, currentDuration / 2];
  if (next.duration > 0) limits.push(next.duration / 2);
  return Math.max(0, Math.min(...limits));
}

/** Equal-power gains at `progress` (0→1) through a crossfade. */
export function crossfadeGains(progress: number): { outgoing: number; incoming: number } {
  const p = Math.min(1, Math.max(0, progress));
  return { outgoing: Math.cos((p * Math.PI) / 2), incoming: Math.sin((p * Math.PI) / 2) };
}

/** One element and what is loaded in it. */
interface Deck {
  el: MediaElement;
  url: string | null;
  mode: SourceMode;
  key: string | null;
  /** Where the current transcoded stream starts in the track. */
  offset: number;
  catalogDuration: number;
  /** Applied once metadata is known (a direct stream cannot seek before that). */
  pendingSeek: number | null;
  /** Share of the user's volume (below 1 only while fading). */
  gain: number;
}

/** What the waiting deck is doing. */
type OtherRole = 'idle' | 'preloading' | 'fading' | 'ending';

export class AudioEngine {
  private active: Deck;
  private other: Deck;
  private role: OtherRole = 'idle';
  private nextTrack: NextTrack | null = null;
  private transition: Transition = { transition: 'off', crossfadeSeconds: 0, albumGapless: true };
  /** A next track whose early load failed: not tried again (the normal path reports it). */
  private failedKey: string | null = null;
  private volume = 1;
  private startTimer: unknown = null;
  private fadeTimer: unknown = null;
  private fade: { from: number; seconds: number } | null = null;
  private endingTimer: unknown = null;
  private readonly detach: () => void;

  constructor(
    elements: readonly [MediaElement, MediaElement],
    private readonly listener: EngineListener,
    private readonly clock: Clock = realClock,
  ) {
    const deck = (el: MediaElement): Deck => ({
      el,
      url: null,
      mode: 'direct',
      key: null,
      offset: 0,
      catalogDuration: 0,
      pendingSeek: null,
      gain: 1,
    });
    this.active = deck(elements[0]);
    this.other = deck(elements[1]);
    this.active.el.id = ACTIVE_ID;
    this.other.el.id = STANDBY_ID;
    const offs: (() => void)[] = [];
    for (const d of [this.active, this.other]) {
      const on = (type: string, fn: () => void): void => {
        d.el.addEventListener(type, fn);
        offs.push(() => d.el.removeEventListener(type, fn));
      };
      const ifActive = (fn: () => void) => () => {
        if (d === this.active) fn();
      };
      on(
        'play',
        ifActive(() => listener.playing(true)),
      );
      on(
        'pause',
        ifActive(() => listener.playing(false)),
      );
      on(
        'timeupdate',
        ifActive(() => {
          this.emitTime();
          this.plan();
        }),
      );
      on(
        'durationchange',
        ifActive(() => this.emitTime()),
      );
      on(
        'emptied',
        ifActive(() => listener.time(d.offset, this.duration)),
      );
      on('loadedmetadata', () => {
        if (d.pendingSeek !== null && d.mode === 'direct') d.el.currentTime = d.pendingSeek;
        d.pendingSeek = null;
      });
      on('ended', () => this.onEnded(d));
      on('error', () => this.onError(d));
    }
    this.detach = () => offs.forEach((off) => off());
  }

  get mode(): SourceMode {
    return this.active.mode;
  }

  get paused(): boolean {
    return this.active.el.paused;
  }

  /** The queue entry playing (as given to `load`, or handed over to). */
  get currentKey(): string | null {
    return this.active.key;
  }

  /** True while two tracks sound at once. */
  get overlapping(): boolean {
    return this.role === 'fading';
  }

  /** Position in the track, seconds. */
  get position(): number {
    const t = this.active.el.currentTime;
    return this.active.offset + (Number.isFinite(t) ? t : 0);
  }

  /** Length the stream reports (a transcode does not know it: 0, the catalog's figure is used). */
  get duration(): number {
    const d = this.active.el.duration;
    return this.active.mode === 'direct' && Number.isFinite(d) ? d : 0;
  }

  /** The track's length from the stream, else the catalog. */
  private trackLength(): number {
    return this.duration || this.active.catalogDuration;
  }

  private emitTime(): void {
    this.listener.time(this.position, this.duration);
  }

  /** Loads a track's media URL (or nothing) and starts it when `autoplay`. */
  load(mediaUrl: string | null, options: LoadOptions): void {
    this.endOverlap();
    this.dropStandby();
    this.loadInto(this.active, mediaUrl, options);
    this.listener.time(Math.max(0, options.startAt ?? 0), this.duration);
    if (options.autoplay) this.play();
  }

  private loadInto(d: Deck, mediaUrl: string | null, options: LoadOptions): void {
    d.url = mediaUrl;
    d.mode = options.mode;
    d.key = options.key ?? null;
    d.catalogDuration = options.duration ?? d.catalogDuration;
    d.gain = 1;
    this.applyVolume();
    const start = Math.max(0, options.startAt ?? 0);
    if (!mediaUrl) {
      d.offset = 0;
      d.pendingSeek = null;
      d.catalogDuration = 0;
      d.el.pause();
      d.el.removeAttribute('src');
      d.el.load();
      return;
    }
    if (options.mode === 'transcode') {
      d.offset = start;
      d.pendingSeek = null;
      d.el.src = transcodeUrl(mediaUrl, start);
    } else {
      d.offset = 0;
      d.pendingSeek = start > 0 ? start : null;
      d.el.src = mediaUrl;
    }
  }

  play(): void {
    if (!this.active.url) return;
    this.active.el.play().catch((err: unknown) => {
      // A newer load interrupted this one, or autoplay was refused: the user presses play.
      if (err instanceof Error && (err.name === 'AbortError' || err.name === 'NotAllowedError')) return;
    });
  }

  pause(): void {
    this.endOverlap();
    this.clearStart();
    this.active.el.pause();
  }

  /** Seeks to `seconds` in the track; a transcode restarts there. */
  seek(seconds: number): void {
    const d = this.active;
    if (!d.url || !Number.isFinite(seconds)) return;
    this.endOverlap();
    this.clearStart();
    const target = Math.max(0, seconds);
    if (d.mode === 'transcode') {
      const resume = !d.el.paused;
      this.loadInto(d, d.url, {
        mode: 'transcode',
        autoplay: resume,
        startAt: target,
        key: d.key ?? undefined,
      });
      this.listener.time(target, this.duration);
      if (resume) this.play();
      return;
    }
    if (d.el.readyState === HAVE_NOTHING) d.pendingSeek = target;
    else d.el.currentTime = target;
  }

  setVolume(volume: number): void {
    this.volume = Math.min(1, Math.max(0, volume));
    this.applyVolume();
  }

  /** How tracks hand over (from the settings). */
  setTransition(t: Transition): void {
    this.transition = { ...t };
    if (t.transition === 'off') this.dropStandby();
    this.plan();
  }

  /** What follows the playing track (null: nothing, or not known yet). */
  setNext(next: NextTrack | null): void {
    const was = this.nextTrack;
    if (
      was &&
      next &&
      was.key === next.key &&
      was.url === next.url &&
      was.mode === next.mode &&
      was.continuesAlbum === next.continuesAlbum &&
      was.duration === next.duration
    )
      return;
    this.nextTrack = next ? { ...next } : null;
    if (this.role === 'preloading' && (!next || this.other.key !== next.key || this.other.url !== next.url))
      this.dropStandby();
    if (next?.key !== this.failedKey) this.failedKey = null;
    this.plan();
  }

  /** Loads the next track ahead and puts the hand-over on a timer when it is near. */
  private plan(): void {
    if (this.role === 'fading' || this.role === 'ending') return;
    const next = this.nextTrack;
    if (!next || this.transition.transition === 'off' || !this.active.url || next.key === this.failedKey) {
      this.dropStandby();
      this.clearStart();
      return;
    }
    const length = this.trackLength();
    if (!(length > 0)) return;
    const overlap = overlapSeconds(this.transition, next, length);
    const remaining = length - this.position;
    if (this.role === 'idle' && remaining <= PRELOAD_AHEAD_S + overlap) this.preload(next);
    this.clearStart();
    if (this.role !== 'preloading' || this.active.el.paused) return;
    const startIn = remaining - overlap;
    if (startIn <= 0) this.handOver();
    else if (startIn <= SCHEDULE_WINDOW_S)
      this.startTimer = this.clock.setTimeout(() => {
        this.startTimer = null;
        this.handOver();
      }, startIn * 1000);
  }

  private preload(next: NextTrack): void {
    const d = this.other;
    this.loadInto(d, next.url, { mode: next.mode, autoplay: false, key: next.key, duration: next.duration });
    d.el.preload = 'auto';
    d.gain = 0;
    this.applyVolume();
    this.role = 'preloading';
  }

  /** Starts the waiting deck and makes it the active one. */
  private handOver(): void {
    const next = this.nextTrack;
    if (this.role !== 'preloading' || !next || this.other.key !== next.key) return;
    const overlap = overlapSeconds(this.transition, next, this.trackLength());
    const outgoing = this.active;
    const incoming = this.other;
    this.active = incoming;
    this.other = outgoing;
    incoming.el.id = ACTIVE_ID;
    outgoing.el.id = STANDBY_ID;
    this.nextTrack = null;
    incoming.gain = overlap > 0 ? 0 : 1;
    outgoing.gain = 1;
    this.applyVolume();
    this.play();
    if (overlap > 0) {
      this.role = 'fading';
      this.fade = { from: this.clock.now(), seconds: overlap };
      this.stepFade();
    } else if (outgoing.el.paused) {
      this.role = 'idle';
      this.clear(outgoing);
    } else {
      // Gapless: the outgoing track has only its last moments left; it is cleared when it ends.
      this.role = 'ending';
      const d = outgoing.el.duration;
      const length = outgoing.mode === 'direct' && Number.isFinite(d) ? d : outgoing.catalogDuration;
      const left = Math.max(0, length - outgoing.offset - outgoing.el.currentTime);
      this.endingTimer = this.clock.setTimeout(() => this.endOverlap(), (left + 1) * 1000);
    }
    this.listener.advanced(incoming.key ?? '', incoming.mode);
    if (!incoming.el.paused) this.listener.playing(true);
    this.emitTime();
  }

  private stepFade(): void {
    const fade = this.fade;
    if (!fade) return;
    const progress = (this.clock.now() - fade.from) / (fade.seconds * 1000);
    const g = crossfadeGains(progress);
    this.active.gain = g.incoming;
    this.other.gain = g.outgoing;
    this.applyVolume();
    if (progress >= 1) {
      this.endOverlap();
      return;
    }
    this.fadeTimer = this.clock.setTimeout(() => {
      this.fadeTimer = null;
      this.stepFade();
    }, FADE_STEP_MS);
  }

  /** Stops the outgoing track of a crossfade or gapless hand-over (the active one plays on, at full gain). */
  private endOverlap(): void {
    if (this.role !== 'fading' && this.role !== 'ending') return;
    if (this.fadeTimer !== null) this.clock.clearTimeout(this.fadeTimer);
    if (this.endingTimer !== null) this.clock.clearTimeout(this.endingTimer);
    this.fadeTimer = null;
    this.endingTimer = null;
    this.fade = null;
    this.role = 'idle';
    this.clear(this.other);
    this.active.gain = 1;
    this.applyVolume();
  }

  /** Forgets a track loaded ahead. */
  private dropStandby(): void {
    if (this.role !== 'preloading') return;
    this.role = 'idle';
    this.clear(this.other);
  }

  private clear(d: Deck): void {
    d.url = null;
    d.key = null;
    d.offset = 0;
    d.pendingSeek = null;
    d.catalogDuration = 0;
    d.gain = 0;
    d.el.pause();
    d.el.removeAttribute('src');
    d.el.load();
    this.applyVolume();
  }

  private clearStart(): void {
    if (this.startTimer !== null) this.clock.clearTimeout(this.startTimer);
    this.startTimer = null;
  }

  private applyVolume(): void {
    this.active.el.volume = this.volume * this.active.gain;
    this.other.el.volume = this.volume * this.other.gain;
  }

  private onEnded(d: Deck): void {
    if (d !== this.active) {
      if (this.role === 'fading' || this.role === 'ending') this.endOverlap();
      return;
    }
    // It ended before the planned hand-over (a transcode shorter than the catalog said): hand over now.
    if (this.role === 'preloading' && this.nextTrack && this.other.key === this.nextTrack.key) {
      this.handOver();
      return;
    }
    this.listener.ended();
  }

  private onError(d: Deck): void {
    const err = d.el.error;
    if (!err || !d.url) return;
    if (d === this.active) {
      this.listener.error(err.code, d.mode);
      return;
    }
    if (this.role === 'fading' || this.role === 'ending') {
      this.endOverlap();
      return;
    }
    if (this.role !== 'preloading') return;
    // Loading ahead failed: a format the engine cannot decode goes through the transcode; anything
    // else is left to the normal path, which says why when its turn comes.
    const next = this.nextTrack;
    if (next && d.mode === 'direct') {
      this.loadInto(d, next.url, {
        mode: 'transcode',
        autoplay: false,
        key: next.key,
        duration: next.duration,
      });
      d.gain = 0;
      this.applyVolume();
      return;
    }
    this.failedKey = d.key;
    this.dropStandby();
    this.clearStart();
  }

  dispose(): void {
    this.clearStart();
    this.endOverlap();
    this.detach();
    this.active.el.pause();
    this.other.el.pause();
  }
}
