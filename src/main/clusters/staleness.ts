/**
 * Whether a stored run still clusters the library as it is now. A run keeps a fingerprint of its
 * own tracks' vectors, and each track that joined it later keeps a hash of its vector; a run whose
 * tracks or vectors no longer match is reported stale, never passed off as current.
 */
import { createHash } from 'node:crypto';
import type { ClusterRunRecord } from '../../shared/types';
import { askedSpace, rowsById, type ClusteringInput } from './input';
import type { MemberRow } from './run-store';

/** What identifies the clustered library: the space, the track ids and their vectors, in row order. */
function fingerprintV1(source: string, ids: string[], data: Float32Array): string {
  const h = createHash('sha256');
  h.update(source);
  for (const id of ids) h.update(id).update('\0');
  h.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return h.digest('hex').slice(0, 32);
}

/** Version 2 fingerprints: over the run's own tracks, by id, so that tracks joining later leave it. */
const FINGERPRINT_V2 = 'v2:';

/** The vector of row `row` as fingerprints see it (the values the space is derived from, if any). */
function hashedVector(input: ClusteringInput, row: number): Float32Array {
  const { data, dim } = input.raw ?? input;
  return data.subarray(row * dim, (row + 1) * dim);
}

const bytes = (v: Float32Array): Uint8Array => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);

/**
 * The fingerprint of the tracks `ids` as `input` has them now (sorted by id: order-free), or null
 * when one of them is no longer there.
 */
function memberFingerprint(input: ClusteringInput, ids: string[], rowOf: Map<string, number>): string | null {
  const h = createHash('sha256');
  h.update(input.source);
  for (const id of [...ids].sort()) {
    const r = rowOf.get(id);
    if (r === undefined) return null;
    h.update(id)
      .update('\0')
      .update(bytes(hashedVector(input, r)));
  }
  return FINGERPRINT_V2 + h.digest('hex').slice(0, 32);
}

/** The fingerprint a new run over every track of `input` is stored with (never null: all are there). */
export const inputFingerprint = (input: ClusteringInput): string =>
  memberFingerprint(
    input,
    input.tracks.map((t) => t.id),
    rowsById(input),
  ) as string;

/** A joined track's vector, hashed (to see a re-analysis change it). */
export function vectorHash(input: ClusteringInput, row: number): string {
  return createHash('sha256')
    .update(bytes(hashedVector(input, row)))
    .digest('hex')
    .slice(0, 16);
}

/**
 * Is the run still a clustering of the library as `input` has it now? Stale when its own tracks
 * changed (vectors, or gone), a track that joined it changed, or (unless `pending` is allowed) a
 * track of its subset is in neither (analysed since and not joined yet).
 */
export function isStale(
  run: ClusterRunRecord,
  input: ClusteringInput,
  members: MemberRow[],
  options: { pending?: boolean } = {},
): boolean {
  if (`${askedSpace(run)}:${input.source}` !== run.space) return true;
  if (!run.fingerprint.startsWith(FINGERPRINT_V2)) {
    // Runs from before joining existed: their fingerprint covers the whole input in row order.
    return (
      fingerprintV1(
        input.source,
        input.tracks.map((t) => t.id),
        input.data,
      ) !== run.fingerprint
    );
  }
  const rowOf = rowsById(input);
  const own = members.filter((mr) => !mr.joined).map((mr) => mr.trackId);
  if (memberFingerprint(input, own, rowOf) !== run.fingerprint) return true;
  for (const mr of members) {
    if (!mr.joined) continue;
    const r = rowOf.get(mr.trackId);
    if (r === undefined || vectorHash(input, r) !== mr.vhash) return true;
  }
  if (options.pending) return false;
  const known = new Set(members.map((mr) => mr.trackId));
  return input.tracks.some((t) => !known.has(t.id));
}
