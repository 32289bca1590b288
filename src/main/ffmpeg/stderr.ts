/**
 * Readers of what ffmpeg prints on stderr: the input description (duration, sample rate, the
 * channel layout of an audio stream line) and the reason of a failure (its last meaningful lines).
 * Pure functions: the decoder, the probe and their tests share them.
 */

const LAYOUT_CHANNELS: Record<string, number> = {
  mono: 1,
  stereo: 2,
  '2.1': 3,
  '3.0': 3,
  '3.0(back)': 3,
  '4.0': 4,
  quad: 4,
  'quad(side)': 4,
  '3.1': 4,
  '5.0': 5,
  '5.0(side)': 5,
  '4.1': 5,
  '5.1': 6,
  '5.1(side)': 6,
  '6.0': 6,
  '6.0(front)': 6,
  hexagonal: 6,
  '6.1': 7,
  '6.1(back)': 7,
  '6.1(front)': 7,
  '7.0': 7,
  '7.0(front)': 7,
  '7.1': 8,
  '7.1(wide)': 8,
  '7.1(wide-side)': 8,
  octagonal: 8,
  downmix: 2,
};

/** Channel count from an ffmpeg stream line ("Audio: mp3, 44100 Hz, stereo, fltp, …"). */
export function channelsFromStreamLine(line: string): number | null {
  const m = /Audio: [^,]+(?:\([^)]*\))*[^,]*, \d+ Hz, ([^,]+)/.exec(line);
  if (!m) return null;
  const layout = m[1].trim();
  const n = /^(\d+) channels?/.exec(layout);
  if (n) return Number(n[1]) > 0 ? Number(n[1]) : null;
  return LAYOUT_CHANNELS[layout] ?? null;
}

/** Seconds from ffmpeg's "Duration: hh:mm:ss.ss" line; null when the line holds none. */
export function durationFromLine(line: string): number | null {
  const m = /Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)/.exec(line);
  if (!m) return null;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

/** What ffmpeg prints about its input, as far as the catalog needs it (0 when not printed). */
export interface FfmpegInput {
  duration: number;
  sampleRate: number;
  channels: number;
}

/**
 * Parses the input description ffmpeg prints on stderr (`  Duration: 00:00:07.68, …` and
 * `  Stream #0:0: Audio: pcm_f32le, 48000 Hz, stereo, …`). Null without a positive duration.
 */
export function parseFfmpegInput(stderr: string): FfmpegInput | null {
  const d = /^\s*Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)/m.exec(stderr);
  if (!d) return null;
  const duration = Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3]);
  if (!(Number.isFinite(duration) && duration > 0)) return null;
  const stream = /^\s*Stream #\d+:\d+.*?: Audio: .*$/m.exec(stderr)?.[0] ?? '';
  const rate = /, (\d+) Hz\b/.exec(stream);
  return {
    duration,
    sampleRate: rate ? Number(rate[1]) : 0,
    channels: (stream && channelsFromStreamLine(stream)) || 0,
  };
}

const NOISE = [
  /^Input #\d/,
  /^Output #\d/,
  /^\s/,
  /^Stream mapping:/,
  /^Press \[q\]/,
  /^size=/,
  /^video:\d/,
  /^Guessed Channel Layout/,
  /misdetection possible/,
  /^Conversion failed!?$/,
  /^Error marking filters as finished/,
  /^Exiting normally/,
];

/** The last meaningful lines of ffmpeg's stderr (errors and warnings, not the stream banner). */
export function ffmpegReason(stderr: string, maxLines = 4): string {
  const lines: string[] = [];
  for (const raw of stderr.split(/\r?\n/)) {
    const line = raw.trimEnd();
    if (!line.trim() || NOISE.some((re) => re.test(line))) continue;
    const clean = line.replace(/^\[([\w,]+) @ 0x[0-9a-f]+\] /, '$1: ');
    if (lines[lines.length - 1] !== clean) lines.push(clean);
  }
  return lines.slice(-maxLines).join('; ');
}
