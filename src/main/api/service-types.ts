/**
 * The core seen by transports: one handler per contract method, an event stream and media lookup.
 * IPC (src/main/electron), the HTTP bridge (./http-server) and the CLI all use this, nothing else.
 */
import type { CataloguedFile } from './media-identity';
import type { EventName, Events, Method, ParsedRequest, Response } from '../../shared/contract';
import type { Cover, CoverSize } from '../library/covers';

export type Handlers = { [M in Method]: (request: ParsedRequest<M>) => Promise<Response<M>> };

export interface TimbreService {
  handlers: Handlers;
  /** Validates then dispatches: what a transport calls with untrusted input. */
  invoke(method: string, request: unknown): Promise<unknown>;
  subscribe(listener: <E extends EventName>(event: E, payload: Events[E]) => void): () => void;
  /** What the catalog knows of a present track's file (path, size, time, fingerprint); null for anything else. */
  mediaFile(trackId: string): Promise<CataloguedFile | null>;
  /** The file of a track is no longer the catalogued one: mark it missing until a rescan reads it. */
  mediaChanged(trackId: string): Promise<void>;
  /**
   * A catalogued track's cover thumbnail (made on first request); null when it has none,
   * undefined when the track is not in the catalog. Absent on services without covers.
   */
  cover?(trackId: string, size: CoverSize): Promise<Cover | null | undefined>;
  close(): Promise<void>;
}
