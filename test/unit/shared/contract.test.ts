import { describe, expect, it } from 'vitest';
import { ApiError, isMethod, parseRequest } from '../../../src/shared/contract';

describe('contract validation', () => {
  it('accepts a valid request and applies its shape', () => {
    const req = parseRequest('similar.queue', { seed: { kind: 'track', id: 'abc' }, length: 20 });
    expect(req.seed).toEqual({ kind: 'track', id: 'abc' });
    expect(req.length).toBe(20);
  });

  it('rejects bad input with a message naming the field', () => {
    expect(() => parseRequest('similar.queue', { seed: { kind: 'track' }, length: -1 })).toThrowError(
      ApiError,
    );
    try {
      parseRequest('library.scan', { roots: [] });
    } catch (err) {
      expect((err as ApiError).code).toBe('bad_request');
      expect((err as ApiError).message).toMatch(/roots/);
    }
  });

  it('rejects unknown keys on parameterless methods and unknown methods', () => {
    expect(() => parseRequest('library.stats', { evil: true })).toThrowError(ApiError);
    expect(isMethod('library.list')).toBe(true);
    expect(isMethod('__proto__')).toBe(false);
    expect(isMethod('constructor')).toBe(false);
  });
});
