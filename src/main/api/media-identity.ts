/**
 * Whether the file at a catalogued path is still the file that was catalogued. The path is only
 * where the file was: between the scan and a play it may have been replaced (by a symbolic link to
 * `/etc/shadow`, by other bytes given the same size and time). The check runs on the descriptor
 * that will be streamed, so nothing can swap the file between the check and the read.
 */
import type { FileHandle } from 'node:fs/promises';
import { BlockFile, probe } from '../library/probe';
import type { PathRef } from '../store/raw-path';

/** What the catalog knows of a track's file. */
export interface CataloguedFile extends PathRef {
  size: number;
  mtimeMs: number;
  /** The scan's content fingerprint (probe.ts). */
  fingerprint: string;
}

/** Null when the open file is the catalogued one, else why not (for the log and the 404 text). */
export async function identityProblem(handle: FileHandle, file: CataloguedFile): Promise<string | null> {
  const st = await handle.stat();
  if (!st.isFile()) return 'it is no longer a regular file';
  if (st.size !== file.size) return `its size changed (${file.size} → ${st.size} bytes)`;
  if (st.mtimeMs !== file.mtimeMs) return 'it was modified';
  // Not closed here: the descriptor belongs to the caller, who streams from it.
  const { fingerprint } = await probe(BlockFile.fromFd(handle.fd, st.size));
  if (fingerprint !== file.fingerprint) return 'its content is different';
  return null;
}
