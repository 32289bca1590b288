/**
 * The globals the preload bridge exposes to the renderer (its own contract, so it lives beside it):
 * the renderer reads these types, the main process never needs them.
 */
import type { EventName, Events, Method, Request, Response } from '../shared/contract';
import type { Envelope } from '../shared/wire';

/**
 * `window.timbre`: the contract over IPC. `invoke` resolves with the envelope, never rejects for an
 * API error: contextBridge would keep only an error's message, and the code must cross intact.
 */
export interface TimbreBridge {
  invoke<M extends Method>(method: M, request: Request<M>): Promise<Envelope<Response<M>>>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
  /** A `timbre-media:` URL the <audio> element can play (with seeking). */
  mediaUrl(trackId: string): string;
}

/** `window.timbreDesktop`: what only the desktop shell can do. */
export interface DesktopShell {
  /** The native folder picker; null when cancelled. */
  pickFolder(): Promise<string | null>;
}

declare global {
  interface Window {
    /** Present in the Electron app only (browser mode talks HTTP). */
    timbre?: TimbreBridge;
    timbreDesktop?: DesktopShell;
  }
}
