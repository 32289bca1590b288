/**
 * The renderer's one client: the Electron preload bridge when it exists, the HTTP client otherwise.
 * Errors always reach the UI as ApiError (code + message).
 */
import { ApiError } from '../../../shared/contract';
import type { ApiErrorCode, Method, Request, Response, TimbreClient } from '../../../shared/contract';
import { createHttpClient, readToken } from './http-client';

export interface DesktopShell {
  pickFolder(): Promise<string | null>;
}

declare global {
  interface Window {
    timbre?: TimbreClient;
    timbreDesktop?: DesktopShell;
  }
}

const bridgeError = /\[(bad_request|not_found|unavailable|internal|cancelled)\] ([\s\S]*)$/;

/** The bridge rejects with Error("[code] message") (contextBridge keeps only messages). */
function fromBridge(bridge: TimbreClient): TimbreClient {
  return {
    async invoke<M extends Method>(method: M, request: Request<M>): Promise<Response<M>> {
      try {
        return await bridge.invoke(method, request);
      } catch (err) {
        const text = err instanceof Error ? err.message : String(err);
        const m = bridgeError.exec(text);
        throw m ? new ApiError(m[1] as ApiErrorCode, m[2]) : new ApiError('internal', text);
      }
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
