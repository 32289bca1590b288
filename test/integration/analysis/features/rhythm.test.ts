/**
 * Our tempo and onset-rate kernels (dsp/tempo.ts, on the onset envelope of the 16 kHz mel frames)
 * against essentia.js on the 12 fixture excerpts, decoded at 44.1 kHz for Essentia (its rhythm
 * algorithms assume that rate). Tolerances stated here are what the report quotes.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio } from '../../../../src/main/ffmpeg/decode';
import { essentiaCall, num, withVectors } from '../../../../src/main/analysis/features/essentia';
import { extractFeatures, FEATURE_SAMPLE_RATE } from '../../../../src/main/analysis/features/extract';
import { isCandidateFile } from '../../../../src/main/library/walker';
import { fixtureLibraryDir } from '../../../helpers/shared';

const ESSENTIA_RATE = 44100;

function listAudio(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listAudio(join(dir, e.name)) : isCandidateFile(e.name) ? [join(dir, e.name)] : [],
  );
}

interface Row {
  file: string;
  ours: { bpm: number; onsetRate: number };
  essentia: { bpm: number; onsetRate: number };
}
const rows: Row[] = [];

beforeAll(async () => {
  for (const file of listAudio(fixtureLibraryDir).sort()) {
    const d = await decodeAudio(file, { rates: [FEATURE_SAMPLE_RATE, ESSENTIA_RATE] });
    const { scalars } = extractFeatures(d.pcm.get(FEATURE_SAMPLE_RATE)!, FEATURE_SAMPLE_RATE);
    const x = d.pcm.get(ESSENTIA_RATE)!;
    const essentia = withVectors((e, vec, keep) => {
      const signal = vec(x);
      const rhythm = keep(
        essentiaCall('RhythmExtractor2013', () => e.RhythmExtractor2013(signal, 208, 'degara', 40)),
      );
      const onsets = keep(essentiaCall('OnsetRate', () => e.OnsetRate(signal)));
      return { bpm: num(rhythm, 'bpm'), onsetRate: num(onsets, 'onsetRate') };
    });
    rows.push({ file: file.slice(fixtureLibraryDir.length + 1), ours: scalars, essentia });
  }
}, 240_000);

const within = (a: number, b: number, tol: number): boolean => Math.abs(a - b) <= tol * Math.abs(b);

describe('rhythm kernels vs essentia.js (12 fixture excerpts)', () => {
  it('tempo: within 4 % of RhythmExtractor2013 (degara) on 8 of 12, and on 9 of 12 up to an octave', () => {
    for (const r of rows)
      console.log(`${r.file}: ours ${r.ours.bpm.toFixed(1)} BPM, essentia ${r.essentia.bpm.toFixed(1)} BPM`);
    expect(rows.length).toBe(12);
    const exact = rows.filter((r) => within(r.ours.bpm, r.essentia.bpm, 0.04)).length;
    const octave = rows.filter((r) =>
      [1, 2, 0.5].some((m) => within(r.ours.bpm, r.essentia.bpm * m, 0.04)),
    ).length;
    console.log(`tempo within 4 %: ${exact}/12; up to an octave: ${octave}/12`);
    // Measured: 8 and 9. The others are 3:2 and 4:3 readings of orchestral and metal excerpts,
    // where Essentia's own estimators disagree with each other as often.
    expect(exact).toBeGreaterThanOrEqual(8);
    expect(octave).toBeGreaterThanOrEqual(9);
  });

  it('onset rate: within a factor 2 of OnsetRate on 10 of 12 excerpts', () => {
    for (const r of rows)
      console.log(
        `${r.file}: ours ${r.ours.onsetRate.toFixed(2)}/s, essentia ${r.essentia.onsetRate.toFixed(2)}/s`,
      );
    const close = rows.filter(
      (r) => r.ours.onsetRate <= 2 * r.essentia.onsetRate && r.essentia.onsetRate <= 2 * r.ours.onsetRate,
    ).length;
    console.log(`onset rate within a factor 2: ${close}/12`);
    // Measured: 10. Essentia finds almost no onsets in two orchestral excerpts (0.07/s and 1.07/s,
    // against 7.4/s and 5.4/s here): its detector (HFC + complex at 44.1 kHz) misses soft string
    // attacks that the mel-flux envelope counts.
    expect(close).toBeGreaterThanOrEqual(10);
  });
});
