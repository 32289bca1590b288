/**
 * The renderer's one client: the Electron preload bridge when it exists, the HTTP client otherwise.
 * Errors always reach the UI as ApiError (code + message).
 */
import type { Method, Request, Response, TimbreClient } from '../../../shared/contract';
import { ApiError, fromEnvelope } from '../../../shared/wire';
import type { DesktopShell, TimbreBridge } from '../../../preload/index.d';
import { createHttpClient, readToken } from './http-client';

export type { DesktopShell };

/** The preload bridge answers with envelopes: unwrap them here, so errors keep their code. */
function fromBridge(bridge: TimbreBridge): TimbreClient {
  return {
    async invoke<M extends Method>(method: M, request: Request<M>): Promise<Response<M>> {
      let envelope: unknown;
      try {
        envelope = await bridge.invoke(method, request);
      } catch (err) {
        // Only a broken bridge rejects (API errors come back inside the envelope).
        throw new ApiError('internal', err instanceof Error ? err.message : String(err));
      }
      return fromEnvelope<Response<M>>(envelope);
    },
    on: (event, listener) => bridge.on(event, listener),
    mediaUrl: (id) => bridge.mediaUrl(id),
  };
}

type ConnectionListener = (connected: boolean) => void;
const connectionListeners = new Set<ConnectionListener>();

export function onConnectionChange(listener: ConnectionListener): () => void {
  connectionListeners.add(listener);
  return () => {
    connectionListeners.delete(listener);
  };
}

export const mode: 'electron' | 'browser' = window.timbre ? 'electron' : 'browser';

export const client: TimbreClient = window.timbre
  ? fromBridge(window.timbre)
  : createHttpClient({
      token: readToken(),
      onConnection: (connected) => connectionListeners.forEach((l) => l(connected)),
    });

export const desktop: DesktopShell | null = window.timbreDesktop ?? null;

export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
