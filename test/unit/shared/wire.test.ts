/** The envelope: an answer crosses a process boundary as data, and an error keeps its code. */
import { describe, expect, it } from 'vitest';
import {
  API_ERROR_CODES,
  ApiError,
  EVENT_NAMES,
  errorEnvelope,
  fromEnvelope,
  HTTP_STATUS_OF_CODE,
  isApiErrorCode,
  isEventName,
  toEnvelope,
} from '../../../src/shared/wire';
import { ApiError as ContractApiError } from '../../../src/shared/contract';

/** What a transport does: the envelope goes through JSON (HTTP) or a structured clone (IPC). */
const cross = <T>(value: T): unknown => JSON.parse(JSON.stringify(value));

describe('the wire', () => {
  it('carries a result, with undefined as null', async () => {
    expect(fromEnvelope(cross(await toEnvelope(async () => ({ n: 1 }))))).toEqual({ n: 1 });
    expect(fromEnvelope(cross(await toEnvelope(async () => undefined)))).toBeNull();
  });

  it('carries every error code intact, message included', async () => {
    for (const code of API_ERROR_CODES) {
      const envelope = await toEnvelope(async () => {
        throw new ApiError(code, `[not a prefix] ${code} happened`);
      });
      let caught: unknown;
      try {
        fromEnvelope(cross(envelope));
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(ApiError);
      expect(caught).toMatchObject({ code, message: `[not a prefix] ${code} happened` });
    }
  });

  it('makes any other failure internal', async () => {
    expect(await toEnvelope(() => Promise.reject(new RangeError('too far')))).toEqual({
      ok: false,
      error: { code: 'internal', message: 'too far' },
    });
    expect(errorEnvelope('plain text')).toEqual({
      ok: false,
      error: { code: 'internal', message: 'plain text' },
    });
  });

  it('reads what is not an envelope, or an unknown code, as internal', () => {
    expect(() => fromEnvelope({ ok: false, error: { code: 'teapot', message: 'short' } })).toThrow(
      expect.objectContaining({ code: 'internal', message: 'short' }),
    );
    expect(() => fromEnvelope({ ok: false }, 'HTTP 502')).toThrow(
      expect.objectContaining({ code: 'internal', message: 'HTTP 502' }),
    );
    expect(() => fromEnvelope('<html>', 'HTTP 502')).toThrow(expect.objectContaining({ code: 'internal' }));
    expect(() => fromEnvelope(null)).toThrow(ApiError);
  });

  it('lists each name once and knows them', () => {
    expect(new Set(API_ERROR_CODES).size).toBe(API_ERROR_CODES.length);
    expect(new Set(EVENT_NAMES).size).toBe(EVENT_NAMES.length);
    expect(Object.keys(HTTP_STATUS_OF_CODE).sort()).toEqual([...API_ERROR_CODES].sort());
    expect(isApiErrorCode('not_found')).toBe(true);
    expect(isApiErrorCode('Not_Found')).toBe(false);
    expect(isEventName('scan.progress')).toBe(true);
    expect(isEventName('scan')).toBe(false);
  });

  it('is the ApiError the contract throws', () => {
    expect(ContractApiError).toBe(ApiError);
  });
});
