/**
 * "Show album" / "Show artist" from anywhere: the request waits here until the library (or a
 * browse view) takes it, so it survives the screen change that mounts its taker.
 */
import { useEffect, useEffectEvent } from 'react';

export interface BrowseRequest {
  artist?: string;
  album?: string;
}

let pending: BrowseRequest | null = null;
const takers = new Set<(request: BrowseRequest) => void>();

export function requestBrowse(request: BrowseRequest): void {
  pending = request;
  for (const take of takers) take(request);
  if (takers.size > 0) pending = null;
}

/** Calls `take` with a pending request at mount, and with every later one. */
export function useBrowseRequest(take: (request: BrowseRequest) => void): void {
  const onRequest = useEffectEvent(take);
  useEffect(() => {
    const taker = (request: BrowseRequest): void => onRequest(request);
    takers.add(taker);
    if (pending) {
      const request = pending;
      pending = null;
      taker(request);
    }
    return () => {
      takers.delete(taker);
    };
  }, []);
}
