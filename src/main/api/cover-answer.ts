/**
 * What to answer a cover request with, for both transports (browser mode's `/cover/<id>` and the
 * app's `timbre-media://cover/<id>`): the cached JPEG thumbnail with an ETag (304 when the client
 * has it), or a placeholder SVG when the track has no cover, 404 for an id not in the catalog.
 */
import { readFile } from 'node:fs/promises';
import { coverSizes, type CoverSize } from '../library/covers';
import type { TimbreService } from './service-types';

export interface CoverRequest {
  method: string;
  rawId: string;
  size: string | null;
  ifNoneMatch: string | null;
}

export interface CoverAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer | null;
}

/** Covers change only when their file does, and the URL carries a version: cache for a day. */
const CACHE = 'private, max-age=86400';

function placeholder(seed: string): Buffer {
  let h = 0;
  for (const c of seed) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  const hue = h % 360;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">` +
    `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">` +
    `<stop offset="0" stop-color="hsl(${hue},28%,30%)"/><stop offset="1" stop-color="hsl(${(hue + 40) % 360},30%,16%)"/>` +
    `</linearGradient></defs><rect width="100" height="100" fill="url(#g)"/>` +
    `<circle cx="50" cy="50" r="24" fill="none" stroke="rgba(255,255,255,.22)" stroke-width="2"/>` +
    `<circle cx="50" cy="50" r="5" fill="rgba(255,255,255,.28)"/></svg>`;
  return Buffer.from(svg);
}

const text = (status: number, message: string): CoverAnswer => ({
  status,
  headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
  body: Buffer.from(message),
});

export async function answerCover(service: TimbreService, req: CoverRequest): Promise<CoverAnswer> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'method not allowed');
  let id: string;
  try {
    id = decodeURIComponent(req.rawId);
  } catch {
    return text(400, 'bad track id');
  }
  if (!id || id.length > 200) return text(400, 'bad track id');
  const size: CoverSize = req.size && req.size in coverSizes ? (req.size as CoverSize) : 'grid';
  if (!service.cover) return text(404, 'covers are not available');
  const cover = await service.cover(id, size);
  if (cover === undefined) return text(404, 'no such track');
  const etag = cover ? cover.etag : `"placeholder-${size}"`;
  const headers: Record<string, string> = {
    ETag: etag,
    'Cache-Control': cover ? CACHE : 'private, no-cache',
    'X-Timbre-Cover': cover ? cover.source : 'placeholder',
  };
  if (req.ifNoneMatch && req.ifNoneMatch.split(',').some((t) => t.trim() === etag)) {
    return { status: 304, headers, body: null };
  }
  const body = cover ? await readFile(cover.file) : placeholder(id);
  headers['Content-Type'] = cover ? 'image/jpeg' : 'image/svg+xml';
  headers['Content-Length'] = String(body.length);
  return { status: 200, headers, body: req.method === 'HEAD' ? null : body };
}
