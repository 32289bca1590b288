/**
 * Finding a built-in model's source checkpoint: in the models folders the user names (each searched
 * with its subfolders), an earlier download, else downloaded from upstream, pinned by sha256 (with
 * retries and a stall timeout). Failures become a ModelUnavailableError whose message is for the user.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { homeLayout } from '../../home/folder';
import type { BuiltinModelSpec } from './model-specs';

export const FEATURES_ONLY = 'Timbre keeps working on audio features alone until a model is available.';

export interface DownloadProgress {
  modelId: string;
  phase: 'download' | 'convert' | 'done';
  receivedBytes: number;
  totalBytes: number | null;
}

export type FetchLike = (url: string, init?: { signal?: AbortSignal }) => Promise<Response>;

export interface ResolveOptions {
  home: string;
  /** A folder holding the model sources, searched with its subfolders (falls back to TIMBRE_MODELS_DIR). */
  modelsDir?: string;
  /** Download from upstream when no local copy exists. Default true. */
  allowDownload?: boolean;
  onProgress?: (progress: DownloadProgress) => void;
  fetchImpl?: FetchLike;
  /** Waits before each retry (default 500, 1,000, 2,000 ms: three retries). */
  retryDelaysMs?: number[];
  /** Abort an attempt that receives nothing for this long (default 30 s). */
  stallTimeoutMs?: number;
}

export type ModelUnavailableReason =
  'unknown-model' | 'no-source' | 'download-failed' | 'checksum-mismatch' | 'invalid-model';

/** No usable model: the message is meant for the user. */
export class ModelUnavailableError extends Error {
  override name = 'ModelUnavailableError';
  constructor(
    readonly modelId: string,
    readonly reason: ModelUnavailableReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const downloadsDir = (home: string) => join(homeLayout(home).models, 'downloads');

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** How deep below a models folder a source file is looked for (`models/` → `models/musicnn/x.h5`). */
const SEARCH_DEPTH = 2;

/** Paths named `file` in `folder` and its subfolders (up to SEARCH_DEPTH levels), shallowest first. */
export async function findInFolderTree(
  folder: string,
  file: string,
  depth = SEARCH_DEPTH,
): Promise<string[]> {
  const found: string[] = [];
  let level = [folder];
  for (let d = 0; d <= depth && level.length > 0; d++) {
    const next: string[] = [];
    for (const dir of level) {
      const candidate = join(dir, file);
      if (existsSync(candidate)) found.push(candidate);
      if (d === depth) continue;
      try {
        const entries = await readdir(dir, { withFileTypes: true });
        for (const e of entries.sort((a, b) => a.name.localeCompare(b.name)))
          if (e.isDirectory() && !e.name.startsWith('.')) next.push(join(dir, e.name));
      } catch {
        // unreadable or missing folder: nothing below it
      }
    }
    level = next;
  }
  return found;
}

export async function findOrDownloadSource(spec: BuiltinModelSpec, options: ResolveOptions): Promise<string> {
  const folders = [options.modelsDir, process.env.TIMBRE_MODELS_DIR].filter((d): d is string => !!d);
  const wrongHash: string[] = [];
  const candidates = [
    ...(await Promise.all(folders.map((f) => findInFolderTree(f, spec.source.file)))).flat(),
    join(downloadsDir(options.home), spec.source.file),
  ];
  folders.push(downloadsDir(options.home));
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    if ((await sha256File(candidate)) === spec.source.sha256) return candidate;
    wrongHash.push(candidate);
  }
  const wrongNote = wrongHash.length
    ? ` (${wrongHash.join(', ')} ${wrongHash.length > 1 ? 'exist' : 'exists'} but ${wrongHash.length > 1 ? 'are' : 'is'} not the expected file: sha256 differs)`
    : '';
  if (options.allowDownload === false) {
    throw new ModelUnavailableError(
      spec.id,
      'no-source',
      `${spec.name} is not installed: ${spec.source.file} was not found in ${folders.join(', ')}${wrongNote}, and downloading is off. ` +
        `Download it from ${spec.source.url} into one of those folders (or set TIMBRE_MODELS_DIR). ${FEATURES_ONLY}`,
    );
  }
  const dest = join(downloadsDir(options.home), spec.source.file);
  await mkdir(downloadsDir(options.home), { recursive: true });
  await download(spec, dest, options, wrongNote);
  return dest;
}

class PermanentError extends Error {}

/** Streams the H5 to a temporary file, hashing as it goes; renames it only when the hash matches. */
async function download(
  spec: BuiltinModelSpec,
  dest: string,
  options: ResolveOptions,
  note: string,
): Promise<void> {
  const fetchImpl: FetchLike = options.fetchImpl ?? ((url, init) => fetch(url, init));
  const delays = options.retryDelaysMs ?? [500, 1000, 2000];
  const stallMs = options.stallTimeoutMs ?? 30_000;
  let lastError = 'unknown error';
  for (let attempt = 0; attempt <= delays.length; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, delays[attempt - 1]));
    const tmp = `${dest}.part-${process.pid}-${randomBytes(4).toString('hex')}`;
    const controller = new AbortController();
    let timer = setTimeout(() => controller.abort(), stallMs);
    const touch = () => {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(), stallMs);
    };
    try {
      const res = await fetchImpl(spec.source.url, { signal: controller.signal });
      if (!res.ok || !res.body) {
        const msg = `HTTP ${res.status} ${res.statusText}`.trim();
        if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429)
          throw new PermanentError(msg);
        throw new Error(msg);
      }
      const lengthHeader = Number(res.headers.get('content-length'));
      const total = Number.isFinite(lengthHeader) && lengthHeader > 0 ? lengthHeader : null;
      const hash = createHash('sha256');
      const fh = await open(tmp, 'w');
      let received = 0;
      try {
        const reader = res.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          touch();
          hash.update(value);
          await fh.write(value);
          received += value.byteLength;
          options.onProgress?.({
            modelId: spec.id,
            phase: 'download',
            receivedBytes: received,
            totalBytes: total,
          });
        }
      } finally {
        await fh.close();
      }
      if (total !== null && received !== total)
        throw new Error(`transfer ended after ${received} of ${total} bytes`);
      const digest = hash.digest('hex');
      if (digest !== spec.source.sha256) {
        await rm(tmp, { force: true });
        throw new ModelUnavailableError(
          spec.id,
          'checksum-mismatch',
          `${spec.name}: the file downloaded from ${spec.source.url} is not the expected one ` +
            `(sha256 ${digest}, expected ${spec.source.sha256}); it was discarded. ${FEATURES_ONLY}`,
        );
      }
      await rename(tmp, dest);
      return;
    } catch (err) {
      await rm(tmp, { force: true });
      if (err instanceof ModelUnavailableError) throw err;
      lastError = describeFetchError(err, controller.signal.aborted, stallMs);
      const code = (err as { cause?: { code?: string } }).cause?.code;
      if (err instanceof PermanentError || code === 'ENOTFOUND') break;
    } finally {
      clearTimeout(timer);
    }
  }
  throw new ModelUnavailableError(
    spec.id,
    'download-failed',
    `${spec.name} is not installed and could not be downloaded from ${spec.source.url}: ${lastError}${note}. ` +
      `Without a network, download ${spec.source.file} elsewhere and put it in a folder named by TIMBRE_MODELS_DIR ` +
      `(or the models folder setting). ${FEATURES_ONLY}`,
  );
}

function describeFetchError(err: unknown, aborted: boolean, stallMs: number): string {
  if (aborted) return `no data for ${Math.round(stallMs / 1000)} s`;
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `${e.message ?? 'error'} (${cause})` : (e.message ?? String(err));
}
