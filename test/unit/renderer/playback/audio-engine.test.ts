/**
 * The engine's hand-overs (off, gapless, crossfade, album-gapless) on fake media elements and a
 * fake clock: a small simulation advances both elements' playheads in 10 ms steps, fires
 * timeupdate every 250 ms as browsers do, ends a track at its duration and runs due timers.
 */
import { describe, expect, it } from 'vitest';
import {
  ACTIVE_ID,
  AudioEngine,
  crossfadeGains,
  overlapSeconds,
  PRELOAD_AHEAD_S,
  STANDBY_ID,
} from '../../../../src/renderer/src/playback/audio-engine';
import type {
  Clock,
  EngineListener,
  MediaElement,
  NextTrack,
  Transition,
} from '../../../../src/renderer/src/playback/audio-engine';

/** Length each fake URL has when the element can read it; URLs not here fail to decode. */
type Catalog = Map<string, number>;

class FakeMedia implements MediaElement {
  id = '';
  private source = '';
  currentTime = 0;
  volume = 1;
  preload = 'auto';
  duration = NaN;
  paused = true;
  readyState = 0;
  error: { code: number } | null = null;
  private readonly handlers = new Map<string, Set<() => void>>();
  /** Clock time of each play() and of each end. */
  readonly started: number[] = [];
  readonly ends: number[] = [];
  private sinceTick = 0;

  constructor(
    private readonly catalog: Catalog,
    private readonly clock: FakeClock,
  ) {}

  get src(): string {
    return this.source;
  }
  set src(value: string) {
    this.source = value;
    this.reset();
    // Metadata arrives on the next step (as it would after a fetch).
    this.clock.setTimeout(() => this.arrive(value), 10);
  }

  private reset(): void {
    this.paused = true;
    this.currentTime = 0;
    this.readyState = 0;
    this.duration = NaN;
    this.error = null;
    this.emit('emptied');
  }

  private arrive(value: string): void {
    if (this.source !== value || !value) return;
    const length = this.catalog.get(value.replace(/[?&]start=[\d.]+/, ''));
    if (length === undefined) {
      this.error = { code: 4 };
      this.emit('error');
      return;
    }
    // A transcode from `start` is the rest of the track and does not know its length.
    const start = Number(/[?&]start=([\d.]+)/.exec(value)?.[1] ?? 0);
    this.duration = value.includes('transcode=1') ? Infinity : length;
    this.streamLength = length - start;
    this.readyState = 4;
    this.emit('durationchange');
    this.emit('loadedmetadata');
  }

  streamLength = 0;

  removeAttribute(name: string): void {
    if (name === 'src') this.source = '';
  }
  load(): void {
    this.reset();
  }
  play(): Promise<void> {
    if (this.paused) {
      this.paused = false;
      this.started.push(this.clock.now());
      this.emit('play');
    }
    return Promise.resolve();
  }
  pause(): void {
    if (!this.paused) {
      this.paused = true;
      this.emit('pause');
    }
  }
  addEventListener(type: string, fn: () => void): void {
    if (!this.handlers.has(type)) this.handlers.set(type, new Set());
    this.handlers.get(type)!.add(fn);
  }
  removeEventListener(type: string, fn: () => void): void {
    this.handlers.get(type)?.delete(fn);
  }
  emit(type: string): void {
    for (const fn of [...(this.handlers.get(type) ?? [])]) fn();
  }
  /** Seeks like a user agent: currentTime moves, then timeupdate. */
  setTime(t: number): void {
    this.currentTime = t;
    this.emit('timeupdate');
  }

  /** Plays `ms` of audio (nothing while paused or not ready). */
  step(ms: number): void {
    if (this.paused || this.readyState < 2) return;
    this.currentTime += ms / 1000;
    this.sinceTick += ms;
    if (this.currentTime >= this.streamLength) {
      this.currentTime = this.streamLength;
      this.paused = true;
      this.ends.push(this.clock.now());
      this.emit('pause');
      this.emit('ended');
      return;
    }
    if (this.sinceTick >= 250) {
      this.sinceTick = 0;
      this.emit('timeupdate');
    }
  }
}

class FakeClock implements Clock {
  private t = 0;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Runs the timers due by now, in order. */
  runDue(): void {
    for (;;) {
      const due = [...this.timers.entries()]
        .filter(([, t]) => t.at <= this.t)
        .sort((a, b) => a[1].at - b[1].at || a[0] - b[0]);
      if (due.length === 0) return;
      const [id, timer] = due[0];
      this.timers.delete(id);
      timer.fn();
    }
  }
  tick(ms: number): void {
    this.t += ms;
  }
}

interface Harness {
  engine: AudioEngine;
  a: FakeMedia;
  b: FakeMedia;
  clock: FakeClock;
  events: string[];
  /** Advances the simulation by `ms` in 10 ms steps. */
  run(ms: number): void;
  byId(id: string): FakeMedia;
}

const URL_A = 'http://x/media/a';
const URL_B = 'http://x/media/b';
const URL_AIFF = 'http://x/media/c';

function harness(transition?: Transition, catalog: Catalog = new Map()): Harness {
  const clock = new FakeClock();
  const cat: Catalog = new Map([
    [URL_A, 30],
    [URL_B, 30],
    [`${URL_AIFF}?transcode=1`, 30],
    [`${URL_A}?transcode=1`, 30],
    ...catalog,
  ]);
  const a = new FakeMedia(cat, clock);
  const b = new FakeMedia(cat, clock);
  const events: string[] = [];
  const listener: EngineListener = {
    playing: (on) => events.push(on ? 'playing' : 'paused'),
    time: () => undefined,
    ended: () => events.push('ended'),
    advanced: (key, mode) => events.push(`advanced ${key} ${mode}`),
    error: (code, mode) => events.push(`error ${code} ${mode}`),
  };
  const engine = new AudioEngine([a, b], listener, clock);
  if (transition) engine.setTransition(transition);
  const run = (ms: number): void => {
    for (let done = 0; done < ms; done += 10) {
      clock.tick(10);
      clock.runDue();
      a.step(10);
      b.step(10);
      clock.runDue();
    }
  };
  const byId = (id: string): FakeMedia => (a.id === id ? a : b);
  return { engine, a, b, clock, events, run, byId };
}

const next = (over: Partial<NextTrack> = {}): NextTrack => ({
  key: 'q2',
  url: URL_B,
  mode: 'direct',
  duration: 30,
  continuesAlbum: false,
  ...over,
});
const gapless: Transition = { transition: 'gapless', crossfadeSeconds: 4, albumGapless: true };
const crossfade = (seconds: number, albumGapless = true): Transition => ({
  transition: 'crossfade',
  crossfadeSeconds: seconds,
  albumGapless,
});

/** Starts URL_A as entry q1 and plays into `at` seconds of it. */
function startAt(h: Harness, at: number, nextTrack: NextTrack | null = next()): void {
  h.engine.load(URL_A, { mode: 'direct', autoplay: true, key: 'q1', duration: 30 });
  h.engine.setNext(nextTrack);
  h.run(50);
  h.a.setTime(at);
}

describe('hand-over arithmetic', () => {
  it('crossfades with equal power: the two gains always square-sum to one', () => {
    for (const p of [0, 0.1, 0.25, 0.5, 0.75, 1]) {
      const g = crossfadeGains(p);
      expect(g.outgoing ** 2 + g.incoming ** 2).toBeCloseTo(1, 10);
    }
    expect(crossfadeGains(0)).toEqual({ outgoing: 1, incoming: 0 });
    expect(crossfadeGains(0.5).incoming).toBeCloseTo(Math.SQRT1_2, 10);
    expect(crossfadeGains(2).incoming).toBe(1);
  });

  it('overlaps by the setting, never inside an album with album-gapless, never past half a track', () => {
    expect(overlapSeconds(crossfade(6), next(), 200)).toBe(6);
    expect(overlapSeconds(crossfade(6), next({ continuesAlbum: true }), 200)).toBe(0);
    expect(overlapSeconds(crossfade(6, false), next({ continuesAlbum: true }), 200)).toBe(6);
    expect(overlapSeconds(crossfade(12), next({ duration: 10 }), 200)).toBe(5);
    expect(overlapSeconds(crossfade(12), next(), 8)).toBe(4);
    expect(overlapSeconds(gapless, next(), 200)).toBe(0);
  });
});

describe('AudioEngine hand-overs', () => {
  it('off: nothing is loaded ahead, and the end reaches the provider', () => {
    const h = harness({ transition: 'off', crossfadeSeconds: 4, albumGapless: true });
    startAt(h, 25);
    h.run(3000);
    expect(h.b.src).toBe('');
    h.run(3000);
    expect(h.events.filter((e) => e === 'ended' || e.startsWith('advanced'))).toEqual(['ended']);
    expect(h.engine.currentKey).toBe('q1');
  });

  it('gapless: loads the next track near the end and starts it as the current one ends', () => {
    const h = harness(gapless);
    startAt(h, 10);
    h.run(1000);
    expect(h.b.src).toBe('');
    h.a.setTime(30 - PRELOAD_AHEAD_S + 0.5);
    expect(h.b.src).toBe(URL_B);
    expect(h.b.paused).toBe(true);
    h.run(PRELOAD_AHEAD_S * 1000);
    expect(h.events).toContain('advanced q2 direct');
    expect(h.events).not.toContain('ended');
    // The new track started within one 10 ms step of the old one's end, never after a gap.
    expect(h.b.started).toHaveLength(1);
    expect(h.a.ends).toHaveLength(1);
    expect(Math.abs(h.b.started[0] - h.a.ends[0])).toBeLessThanOrEqual(10);
    expect(h.engine.currentKey).toBe('q2');
    expect(h.b.id).toBe(ACTIVE_ID);
    expect(h.a.id).toBe(STANDBY_ID);
    expect(h.a.src).toBe('');
    expect(h.b.volume).toBe(1);
    expect(h.engine.position).toBeGreaterThan(0);
    expect(h.engine.position).toBeLessThan(1);
  });

  it('crossfade: starts the next track N s before the end and fades the two with equal power', () => {
    const h = harness(crossfade(4));
    h.engine.setVolume(0.8);
    startAt(h, 20);
    h.run(5900); // to 25.9 s: 4.1 s left
    expect(h.events.some((e) => e.startsWith('advanced'))).toBe(false);
    expect(h.b.paused).toBe(true);
    h.run(200); // past 26 s
    expect(h.events).toContain('advanced q2 direct');
    expect(h.engine.currentKey).toBe('q2');
    expect(h.engine.overlapping).toBe(true);
    expect(h.byId(ACTIVE_ID)).toBe(h.b);
    // Halfway: both play, each at 1/√2 of the volume.
    h.run(2000);
    expect(h.a.paused).toBe(false);
    expect(h.b.paused).toBe(false);
    expect(h.a.volume).toBeCloseTo(0.8 * Math.SQRT1_2, 1);
    expect(h.b.volume).toBeCloseTo(0.8 * Math.SQRT1_2, 1);
    expect((h.a.volume / 0.8) ** 2 + (h.b.volume / 0.8) ** 2).toBeCloseTo(1, 5);
    // The position is the incoming track's.
    expect(h.engine.position).toBeGreaterThan(1.5);
    expect(h.engine.position).toBeLessThan(2.5);
    // A volume change during the fade scales both.
    h.engine.setVolume(0.4);
    expect(h.a.volume + h.b.volume).toBeLessThan(0.6);
    h.engine.setVolume(0.8);
    h.run(2200);
    expect(h.engine.overlapping).toBe(false);
    expect(h.a.src).toBe('');
    expect(h.b.volume).toBe(0.8);
    expect(h.events).not.toContain('ended');
    // The outgoing element's pause and end never reached the provider as the playing track's.
    expect(h.events.filter((e) => e === 'paused')).toEqual([]);
  });

  it('album-gapless: no crossfade into the album next track, which starts at the end instead', () => {
    const h = harness(crossfade(4));
    startAt(h, 24, next({ continuesAlbum: true }));
    h.run(3000); // 27 s: a crossfade would have begun at 26 s
    expect(h.b.paused).toBe(true);
    h.run(3200);
    expect(h.events).toContain('advanced q2 direct');
    expect(Math.abs(h.b.started[0] - h.a.ends[0])).toBeLessThanOrEqual(10);
  });

  it('pause during a crossfade stops the outgoing track and pauses the new one', () => {
    const h = harness(crossfade(4));
    startAt(h, 25);
    h.run(2000); // 1 s into the fade
    expect(h.engine.overlapping).toBe(true);
    h.engine.pause();
    expect(h.engine.overlapping).toBe(false);
    expect(h.a.src).toBe('');
    expect(h.b.paused).toBe(true);
    expect(h.events[h.events.length - 1]).toBe('paused');
    h.engine.play();
    expect(h.b.paused).toBe(false);
    expect(h.b.volume).toBe(1);
  });

  it('a seek during a crossfade is in the new track and ends the fade', () => {
    const h = harness(crossfade(4));
    startAt(h, 25);
    h.run(2000);
    h.engine.seek(12);
    expect(h.engine.overlapping).toBe(false);
    expect(h.a.paused).toBe(true);
    expect(h.engine.position).toBe(12);
    expect(h.b.volume).toBe(1);
  });

  it('loading another track during a crossfade (next, previous) resets both elements', () => {
    const h = harness(crossfade(4));
    startAt(h, 25);
    h.run(2000);
    h.engine.load(URL_A, { mode: 'direct', autoplay: true, key: 'q1', duration: 30 });
    expect(h.engine.overlapping).toBe(false);
    expect(h.byId(ACTIVE_ID).src).toBe(URL_A);
    expect(h.byId(STANDBY_ID).src).toBe('');
    expect(h.engine.currentKey).toBe('q1');
  });

  it('a next track the browser cannot decode is loaded ahead through the transcode', () => {
    const h = harness(gapless);
    startAt(h, 25, next({ url: URL_AIFF }));
    h.run(100);
    expect(h.b.src).toContain('transcode=1');
    h.run(6000);
    expect(h.events).toContain('advanced q2 transcode');
    expect(h.engine.mode).toBe('transcode');
    // The transcoded stream does not know its length; the catalog's is used to plan its own end.
    expect(h.engine.duration).toBe(0);
  });

  it('a next track that cannot load at all is left to the normal path', () => {
    const h = harness(gapless);
    startAt(h, 25, next({ url: 'http://x/media/gone' }));
    h.run(6000);
    expect(h.events).not.toContain('advanced q2 direct');
    expect(h.events.filter((e) => e === 'ended')).toEqual(['ended']);
    expect(h.events.some((e) => e.startsWith('error'))).toBe(false);
  });

  it('plans a transcoded track by the catalog length and its stream offset after a seek', () => {
    const h = harness(crossfade(3));
    h.engine.load(URL_AIFF, { mode: 'transcode', autoplay: true, key: 'q1', duration: 30 });
    h.engine.setNext(next());
    h.run(100);
    h.engine.seek(20);
    expect(h.a.src).toContain('start=20.00');
    h.run(400);
    expect(h.b.src).toBe(URL_B);
    h.run(6400); // position 26.8 s: the fade starts at 27 s
    expect(h.events.some((e) => e.startsWith('advanced'))).toBe(false);
    h.run(400);
    expect(h.events).toContain('advanced q2 direct');
  });

  it('a transcode that ends before the catalog said hands over at once', () => {
    const h = harness(crossfade(3), new Map([[`${URL_AIFF}?transcode=1`, 28]]));
    h.engine.load(URL_AIFF, { mode: 'transcode', autoplay: true, key: 'q1', duration: 30 });
    h.engine.setNext(next({ continuesAlbum: true }));
    h.run(100);
    h.engine.seek(24);
    h.run(4100);
    expect(h.events).toContain('advanced q2 direct');
    expect(h.events).not.toContain('ended');
    expect(Math.abs(h.b.started[0] - h.a.ends[0])).toBeLessThanOrEqual(10);
  });

  it('a queue change drops what was loaded ahead and loads the new next track', () => {
    const h = harness(gapless);
    startAt(h, 25);
    h.run(100);
    expect(h.b.src).toBe(URL_B);
    h.engine.setNext(next({ key: 'q3', url: URL_AIFF, mode: 'transcode' }));
    expect(h.b.src).toContain(URL_AIFF);
    h.engine.setNext(null);
    expect(h.b.src).toBe('');
    h.run(6000);
    expect(h.events.filter((e) => e === 'ended')).toEqual(['ended']);
  });

  it('paused near the end does not hand over; playing on does', () => {
    const h = harness(gapless);
    startAt(h, 28);
    h.engine.pause();
    h.run(3000);
    expect(h.events.some((e) => e.startsWith('advanced'))).toBe(false);
    h.engine.play();
    h.run(2500);
    expect(h.events).toContain('advanced q2 direct');
  });
});
