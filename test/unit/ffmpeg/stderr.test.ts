/** Reading what ffmpeg prints on stderr: stream lines, the input description, the reason of a failure. */
import { describe, expect, it } from 'vitest';
import { channelsFromStreamLine, ffmpegReason, parseFfmpegInput } from '../../../src/main/ffmpeg/stderr';

describe('ffmpeg stream lines and failures', () => {
  it('reads the channel count from ffmpeg stream lines', () => {
    const line = (s: string): string => `  Stream #0:0(und): Audio: ${s}`;
    expect(
      channelsFromStreamLine(line('aac (LC) (mp4a / 0x6134706D), 44100 Hz, stereo, fltp, 160 kb/s')),
    ).toBe(2);
    expect(channelsFromStreamLine(line('mp3, 48000 Hz, mono, fltp, 128 kb/s'))).toBe(1);
    expect(channelsFromStreamLine(line('pcm_s16le ([1][0][0][0] / 0x0001), 44100 Hz, 6 channels, s16'))).toBe(
      6,
    );
    expect(channelsFromStreamLine(line('ac3, 48000 Hz, 5.1(side), fltp, 448 kb/s'))).toBe(6);
    expect(channelsFromStreamLine(line('flac, 0 channels'))).toBeNull();
  });

  it('keeps the meaningful stderr lines and drops the stream banner', () => {
    const stderr = [
      "Input #0, flac, from 'x.flac':",
      '  Duration: N/A, bitrate: N/A',
      '  Stream #0:0: Audio: flac, 0 channels',
      '[flac @ 0x5555] invalid residual',
      'Stream mapping:',
      'Error while decoding stream #0:0: Invalid data found when processing input',
      'Conversion failed!',
    ].join('\n');
    expect(ffmpegReason(stderr)).toBe(
      'flac: invalid residual; Error while decoding stream #0:0: Invalid data found when processing input',
    );
  });
});

describe('ffmpeg input description', () => {
  it('reads duration, sample rate and channels from ffmpeg -i stderr', () => {
    const stderr = [
      "Input #0, libopenmpt, from 'tune.xm':",
      '  Metadata:',
      '    title           : tiny test tune',
      '  Duration: 00:01:07.68, start: 0.000000, bitrate: 2 kb/s',
      '  Stream #0:0: Audio: pcm_f32le, 48000 Hz, stereo, flt, 3072 kb/s',
      'At least one output file must be specified',
    ].join('\n');
    expect(parseFfmpegInput(stderr)).toEqual({ duration: 67.68, sampleRate: 48000, channels: 2 });
    expect(
      parseFfmpegInput(
        '  Duration: 01:00:00.50, bitrate: N/A\n  Stream #0:0(und): Audio: flac, 44100 Hz, 5.1, s16',
      ),
    ).toEqual({ duration: 3600.5, sampleRate: 44100, channels: 6 });
    // Duration without a readable stream line: duration only.
    expect(parseFfmpegInput('  Duration: 00:00:03.00, start: 0')).toEqual({
      duration: 3,
      sampleRate: 0,
      channels: 0,
    });
  });

  it('gives null when ffmpeg could not read the input', () => {
    expect(parseFfmpegInput('fake.xm: Invalid data found when processing input')).toBeNull();
    expect(parseFfmpegInput('  Duration: N/A, bitrate: N/A')).toBeNull();
    expect(parseFfmpegInput('  Duration: 00:00:00.00, start: 0')).toBeNull();
    expect(parseFfmpegInput('')).toBeNull();
  });
});
