import { describe, expect, it } from 'vitest';
import { analysisVersion, modelOfVersion } from '../../../src/main/analysis/version';
import { describeError, reviveFloat32 } from '../../../src/main/analysis/worker-host';

describe('analysisVersion', () => {
  const hash = '412a832c8527a813e084ba6f2cc7d068ecbbf1b68bda8c1de2e7de0d1f5fe7d1';
  it('changes with the features version, model, model hash and patches, and nothing else', () => {
    const base = analysisVersion({ featuresVersion: 3, model: { id: 'msd', hash }, patches: 8 });
    expect(base).toBe('f3+msd@412a832c8527+p8');
    expect(analysisVersion({ featuresVersion: 3, model: { id: 'msd', hash }, patches: 8 })).toBe(base);
    expect(analysisVersion({ featuresVersion: 4, model: { id: 'msd', hash }, patches: 8 })).not.toBe(base);
    expect(analysisVersion({ featuresVersion: 3, model: { id: 'mtt', hash }, patches: 8 })).not.toBe(base);
    expect(
      analysisVersion({ featuresVersion: 3, model: { id: 'msd', hash: 'ff' + hash }, patches: 8 }),
    ).not.toBe(base);
    expect(analysisVersion({ featuresVersion: 3, model: { id: 'msd', hash }, patches: 0 })).toBe(
      'f3+msd@412a832c8527+pall',
    );
    // A window other than the 10-s training clip is part of the version (10 s: as before).
    const mn04 = { featuresVersion: 3, model: { id: 'mn04', hash }, patches: 1 };
    expect(analysisVersion({ ...mn04, windowSeconds: 120 })).toBe('f3+mn04@412a832c8527+p1w120');
    expect(analysisVersion({ ...mn04, windowSeconds: 10 })).toBe(analysisVersion(mn04));
    expect(modelOfVersion(analysisVersion({ ...mn04, windowSeconds: 120 }))).toBe('mn04');
    expect(analysisVersion({ featuresVersion: 3, model: null, patches: 8 })).toBe('f3+none');
    expect(analysisVersion({ featuresVersion: 3, model: null, patches: 0 })).toBe('f3+none');
  });
  it('names the model of a version', () => {
    expect(modelOfVersion('f3+msd@412a832c8527+p8')).toBe('msd');
    expect(modelOfVersion('f3+none')).toBeNull();
  });
});

describe('wire helpers', () => {
  it('revives Float32Arrays from what a transport may make of them', () => {
    const f = Float32Array.from([1.5, -2, 3.25]);
    expect(reviveFloat32(f)).toBe(f);
    expect(Array.from(reviveFloat32(Buffer.from(f.buffer)))).toEqual([1.5, -2, 3.25]);
    expect(Array.from(reviveFloat32([1.5, -2, 3.25]))).toEqual([1.5, -2, 3.25]);
    expect(Array.from(reviveFloat32({ 0: 1.5, 1: -2 }))).toEqual([1.5, -2]);
    expect(Array.from(reviveFloat32(JSON.parse(JSON.stringify(Buffer.from(f.buffer)))))).toEqual([
      1.5, -2, 3.25,
    ]);
    expect(Array.from(reviveFloat32(Float64Array.from([1, 2])))).toEqual([1, 2]);
  });
  it('describes whatever was thrown', () => {
    expect(describeError(new Error('bad'))).toBe('bad');
    expect(describeError(5243880)).toBe('essentia.js internal exception (5243880)');
    expect(describeError('text')).toBe('text');
    expect(describeError({ a: 1 })).toBe('{"a":1}');
  });
});
