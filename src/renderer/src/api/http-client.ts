/**
 * The contract over loopback HTTP (browser mode). The server injects the per-launch token into
 * index.html as <meta name="timbre-token">; fetch sends it as a header, EventSource and media URLs
 * as a query parameter (they cannot set headers).
 */
import type { EventName, Events, Method, Request, Response, TimbreClient } from '../../../shared/contract';
import { ApiError, EVENT_NAMES, fromEnvelope } from '../../../shared/wire';

export function readToken(): string {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="timbre-token"]');
  return meta?.content || new URLSearchParams(window.location.search).get('token') || '';
}

type AnyListener = (payload: unknown) => void;

export interface HttpClientOptions {
  token: string;
  /** Base URL of the server; the page's own origin by default. */
  base?: string;
  /** Told when the event stream connects (true) or drops (false). */
  onConnection?: (connected: boolean) => void;
}

export function createHttpClient(options: HttpClientOptions): TimbreClient {
  const base = (options.base ?? '').replace(/\/$/, '');
  const token = options.token;
  const listeners = new Map<EventName, Set<AnyListener>>();
  let source: EventSource | null = null;

  const ensureSource = (): void => {
    if (source) return;
    source = new EventSource(`${base}/api/events?token=${encodeURIComponent(token)}`);
    source.onopen = () => options.onConnection?.(true);
    source.onerror = () => options.onConnection?.(false);
    for (const name of EVENT_NAMES) {
      source.addEventListener(name, (message: MessageEvent<string>) => {
        let payload: unknown;
        try {
          payload = JSON.parse(message.data);
        } catch {
          return;
        }
        for (const listener of listeners.get(name) ?? []) listener(payload);
      });
    }
  };

  return {
    async invoke<M extends Method>(method: M, request: Request<M>): Promise<Response<M>> {
      let res: globalThis.Response;
      try {
        res = await fetch(`${base}/api/${encodeURIComponent(method)}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'x-timbre-token': token },
          body: JSON.stringify(request ?? {}),
          credentials: 'same-origin',
        });
      } catch {
        throw new ApiError('unavailable', 'cannot reach Timbre: is it still running?');
      }
      let body: unknown;
      try {
        body = await res.json();
      } catch {
        throw new ApiError('internal', `unexpected answer from Timbre (HTTP ${res.status})`);
      }
      return fromEnvelope<Response<M>>(body, `HTTP ${res.status}`);
    },
    on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
      ensureSource();
      const set = listeners.get(event) ?? new Set<AnyListener>();
      listeners.set(event, set);
      const wrapped: AnyListener = (payload) => listener(payload as Events[E]);
      set.add(wrapped);
      return () => {
        set.delete(wrapped);
      };
    },
    mediaUrl(trackId: string): string {
      return `${base}/media/${encodeURIComponent(trackId)}?token=${encodeURIComponent(token)}`;
    },
  };
}
