import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_WINDOWS_PER_TRACK, Embedder } from '../../../../src/main/analysis/models/embedder';
import { resolveModel } from '../../../../src/main/analysis/models/manager';
import { efficientatReferenceDir, modelsRootDir } from '../../../helpers/shared';

const home = mkdtempSync(join(tmpdir(), 'timbre-embedder-effat-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

function readF32(name: string): Float32Array {
  const b = readFileSync(join(efficientatReferenceDir, name));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('Embedder with EfficientAT (mn04)', () => {
  let embedder: Embedder;
  /** The same model cut into 10-s windows (the training clip), to compare with the reference clips. */
  let clipped: Embedder;
  beforeAll(async () => {
    const model = await resolveModel('mn04', { home, modelsDir: modelsRootDir, allowDownload: false });
    embedder = await Embedder.load(model);
    clipped = await Embedder.load({ ...model, windowSeconds: 10 });
  });
  afterAll(async () => {
    await embedder?.close();
    await clipped?.close();
  });

  it('embeds a 10-s clip from PCM like the reference: features tap and sigmoid(logits) as tags', async () => {
    expect(embedder.sampleRate).toBe(32000);
    for (const clip of ['metal', 'orchestral']) {
      const r = await embedder.embed(readF32(`${clip}.pcm.f32`), { patches: 0 });
      expect(r.model).toBe('mn04');
      expect(r.patches).toBe(1);
      expect(r.mean.length).toBe(384);
      expect(r.tags.length).toBe(527);
      expect(maxDiff(r.mean, readF32(`${clip}.features.f32`))).toBeLessThanOrEqual(1e-4);
      expect(maxDiff(r.tags, readF32(`${clip}.logits.f32`).map(sigmoid))).toBeLessThanOrEqual(1e-4);
      expect(Math.max(...r.std)).toBe(0);
    }
  });

  it('pools windows: three clips end to end give the mean of their features and of their probabilities', async () => {
    const clips = ['metal', 'orchestral', 'tracker'];
    const pcm = new Float32Array(3 * 320000);
    clips.forEach((c, i) => pcm.set(readF32(`${c}.pcm.f32`), i * 320000));
    const r = await clipped.embed(pcm, { patches: 3 });
    expect(r.patches).toBe(3);
    const feats = clips.map((c) => readF32(`${c}.features.f32`));
    const probs = clips.map((c) => readF32(`${c}.logits.f32`).map(sigmoid));
    const mean = (rows: Float32Array[]) =>
      rows[0].map((_, j) => rows.reduce((a, x) => a + x[j], 0) / rows.length);
    expect(maxDiff(r.mean, mean(feats))).toBeLessThanOrEqual(1e-4);
    expect(maxDiff(r.tags, mean(probs))).toBeLessThanOrEqual(1e-4);
    // One window of three: the middle one (spread over the track).
    const one = await clipped.embed(pcm, { patches: 1 });
    expect(maxDiff(one.mean, feats[1])).toBeLessThanOrEqual(1e-4);
    // With the default long window the 30 s are one input: not the mean of three 10-s clips.
    const whole = await embedder.embed(pcm, { patches: DEFAULT_WINDOWS_PER_TRACK });
    expect(whole.patches).toBe(1);
    expect(whole.mean.every(Number.isFinite)).toBe(true);
    expect(maxDiff(whole.mean, mean(feats))).toBeGreaterThan(1e-3);
  });

  it('zero-pads a track shorter than a window to 10 s, and never throws on silence', async () => {
    const short = readF32('tracker-short.pcm.f32');
    const r = await embedder.embed(short, { patches: 3 });
    expect(r.patches).toBe(1);
    const padded = new Float32Array(320000);
    padded.set(short);
    const p = await embedder.embed(padded, { patches: 3 });
    expect(maxDiff(r.mean, p.mean)).toBe(0);
    const silent = await embedder.embed(new Float32Array(25 * 32000), { patches: 3 });
    expect(silent.patches).toBe(1);
    expect(silent.mean.every(Number.isFinite)).toBe(true);
  });
});
