/**
 * What crosses a process boundary besides the request schemas (those are in `contract.ts`): the
 * error codes, the event names, the Electron IPC channel names, and the envelope every answer
 * travels in. One list of each, so that the IPC handler, the HTTP server, the preload bridge and
 * both renderer clients cannot drift apart.
 *
 * No imports: the sandboxed preload bundles this module, and the renderer loads it in the browser.
 */

/** Error codes a client can act on; every other failure crosses as `internal`. */
export const API_ERROR_CODES = ['bad_request', 'not_found', 'unavailable', 'internal', 'cancelled'] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

export function isApiErrorCode(value: unknown): value is ApiErrorCode {
  return (API_ERROR_CODES as readonly unknown[]).includes(value);
}

/** The HTTP status of each code (browser mode's bridge); a new code must choose one. */
export const HTTP_STATUS_OF_CODE: Readonly<Record<ApiErrorCode, number>> = {
  bad_request: 400,
  not_found: 404,
  unavailable: 503,
  internal: 500,
  cancelled: 409,
};

/** An error with a code that survives the trip to another process (see `toEnvelope`). */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Events pushed from the core to clients (their payload types are `Events` in the contract). */
export const EVENT_NAMES = [
  'scan.progress',
  'analysis.progress',
  'library.changed',
  'clusters.progress',
] as const;
export type EventName = (typeof EVENT_NAMES)[number];

export function isEventName(value: unknown): value is EventName {
  return (EVENT_NAMES as readonly unknown[]).includes(value);
}

/** Electron IPC channels between the preload bridge and `src/main/electron/ipc.ts`. */
export const IPC_CHANNELS = {
  /** (method, request) → Envelope. */
  invoke: 'timbre:invoke',
  /** (event name, payload), pushed to every window. */
  event: 'timbre:event',
  /** () → the chosen folder or null (the native dialog). */
  pickFolder: 'timbre:pick-folder',
} as const;

/**
 * How an answer crosses: errors as data, because neither JSON nor Electron's contextBridge carries
 * an Error's fields (the bridge keeps only its message).
 */
export type Envelope<T = unknown> =
  { ok: true; result: T } | { ok: false; error: { code: ApiErrorCode; message: string } };

/** An error of any kind as an envelope: an ApiError keeps its code, anything else is `internal`. */
export function errorEnvelope(err: unknown): Envelope<never> {
  if (err instanceof ApiError) return { ok: false, error: { code: err.code, message: err.message } };
  return {
    ok: false,
    error: { code: 'internal', message: err instanceof Error ? err.message : String(err) },
  };
}

/** Runs an answer and wraps what it gives (undefined crosses as null) or throws. */
export async function toEnvelope<T>(answer: () => Promise<T>): Promise<Envelope<T | null>> {
  try {
    return { ok: true, result: (await answer()) ?? null };
  } catch (err) {
    return errorEnvelope(err);
  }
}

/**
 * The result inside an envelope that came from another process, or its error thrown as an ApiError
 * with the code it crossed with. What is not an envelope, or an error without a message, gives an
 * `internal` error with `fallbackMessage`.
 */
export function fromEnvelope<T>(value: unknown, fallbackMessage = 'unexpected answer from Timbre'): T {
  const envelope = (typeof value === 'object' && value !== null ? value : {}) as {
    ok?: unknown;
    result?: unknown;
    error?: { code?: unknown; message?: unknown };
  };
  if (envelope.ok === true) return envelope.result as T;
  const code = isApiErrorCode(envelope.error?.code) ? envelope.error.code : 'internal';
  const message = typeof envelope.error?.message === 'string' ? envelope.error.message : fallbackMessage;
  throw new ApiError(code, message);
}
