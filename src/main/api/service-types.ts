/**
 * The core seen by transports: one handler per contract method, an event stream and media lookup.
 * IPC (src/main/electron), the HTTP bridge (./http-server) and the CLI all use this, nothing else.
 */
import type { EventName, Events, Method, ParsedRequest, Response } from '../../shared/contract';
import type { Cover, CoverSize } from '../library/covers';

export type Handlers = { [M in Method]: (request: ParsedRequest<M>) => Promise<Response<M>> };

export interface TimbreService {
  handlers: Handlers;
  /** Validates then dispatches: what a transport calls with untrusted input. */
  invoke(method: string, request: unknown): Promise<unknown>;
  subscribe(listener: <E extends EventName>(event: E, payload: Events[E]) => void): () => void;
  /** Absolute path of a catalogued, present track's file; null for anything else. */
  mediaPath(trackId: string): Promise<string | null>;
  /**
   * A catalogued track's cover thumbnail (made on first request); null when it has none,
   * undefined when the track is not in the catalog. Absent on services without covers.
   */
  cover?(trackId: string, size: CoverSize): Promise<Cover | null | undefined>;
  close(): Promise<void>;
}
