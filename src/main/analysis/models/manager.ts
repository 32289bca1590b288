/**
 * The model manager: knows the built-in models (resources/models.json), finds their source
 * checkpoint (MusiCNN: a Keras H5; EfficientAT: a PyTorch checkpoint) in a folder the user names or
 * TIMBRE_MODELS_DIR (each searched with its subfolders), an earlier download, else the upstream
 * address pinned by sha256, converts it to ONNX once with our own converter and caches the result
 * in the user data folder. It also discovers user-installed models: `<home>/models/<id>/` holding
 * `model.onnx` + `manifest.json`.
 *
 * Everything it returns is plain data (it crosses to the analysis workers by structured clone).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { projectRoot } from '../../project-root';
import { z } from 'zod';
import manifestJson from '../../../../resources/models.json';
import { homeLayout } from '../../home/folder';
import { CONVERTER_VERSION, convertMusicnnH5 } from './h5-to-onnx';
import { convertEfficientAtCheckpoint, EFFAT_CONVERTER_VERSION } from './efficientat/to-onnx';

export type ModelKind = 'musicnn-mel' | 'efficientat-mel' | 'waveform';
export type ModelPooling = 'mean+std' | 'mean';

const outputsSchema = z.object({
  embedding: z.string().min(1),
  /** Tag probabilities (already through a sigmoid). */
  tags: z.string().min(1).optional(),
  /** Tag logits: the embedder turns them into probabilities with a sigmoid. */
  logits: z.string().min(1).optional(),
  pooled: z.string().min(1).optional(),
  hidden: z.string().min(1).optional(),
});

const sourceSchema = z.object({
  file: z.string(),
  /** Which converter reads it. */
  format: z.enum(['keras-h5', 'pytorch-efficientat']),
  url: z.url(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().positive(),
});

const builtinCommon = {
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
  name: z.string(),
  description: z.string().optional(),
  sampleRate: z.number().int().positive(),
  input: z.string(),
  bands: z.number().int().positive(),
  outputs: outputsSchema,
  embeddingDim: z.number().int().positive(),
  pooling: z.enum(['mean+std', 'mean']),
  source: sourceSchema,
  license: z.string(),
};

const efficientatSchema = z.object({
  ...builtinCommon,
  kind: z.literal('efficientat-mel'),
  /** Seconds per window fed to the network (the training clip length). */
  windowSeconds: z.number().positive(),
  /** Default windows per track, spread over the non-silent part (the windows setting overrides). */
  windowsPerTrack: z.number().int().min(0),
  /** Class names, one per line in logit order, under resources/. */
  tagsFile: z.string(),
  /** The music-related classes (index, name, kind, …; tab-separated with a header), under resources/. */
  musicTagsFile: z.string().optional(),
});

const musicnnSchema = z.object({
  ...builtinCommon,
  kind: z.literal('musicnn-mel'),
  patchFrames: z.number().int().positive(),
  frameSize: z.number().int().positive(),
  hop: z.number().int().positive(),
  tags: z.array(z.string()),
});

const builtinSchema = z.discriminatedUnion('kind', [musicnnSchema, efficientatSchema]);

/** The manifest a user writes beside `model.onnx` in `<home>/models/<id>/manifest.json`. */
export const userManifestSchema = z.object({
  id: z.string().optional(),
  name: z.string().min(1),
  description: z.string().optional(),
  kind: z.literal('waveform'),
  sampleRate: z.number().int().min(1000).max(384000),
  /** Seconds of audio per window fed to the model. */
  windowSeconds: z.number().positive().max(120),
  /** Seconds between window starts (default: windowSeconds, i.e. no overlap). */
  hopSeconds: z.number().positive().max(120).optional(),
  /** Input tensor name (default: the model's first input). */
  input: z.string().min(1).optional(),
  /** Rank of the input: 2 = [N, samples] (default), 3 = [N, 1, samples]. */
  inputRank: z.union([z.literal(2), z.literal(3)]).optional(),
  /** Output names; `embedding` is [N, D] or [N, T, D] (pooled over T). */
  outputs: outputsSchema.pick({ embedding: true, tags: true, pooled: true }),
  embeddingDim: z.number().int().positive(),
  pooling: z.enum(['mean+std', 'mean']).optional(),
  tags: z.array(z.string()).optional(),
  license: z.string().optional(),
});
export type UserModelManifest = z.infer<typeof userManifestSchema>;
export type BuiltinModelSpec = z.infer<typeof builtinSchema>;

const builtins: BuiltinModelSpec[] = z.array(builtinSchema).parse(manifestJson.models);

/** The built-in model a fresh install analyses with. */
export const DEFAULT_MODEL_ID = 'mn04';

const resourcesDir = () => join(projectRoot(), 'resources');

/** Lines of a resources/ text file (the class names of a model). */
function readResourceLines(file: string): string[] {
  return readFileSync(join(resourcesDir(), file), 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.length > 0);
}

const MUSIC_TAG_KINDS = new Set(['genre', 'mood', 'instrument', 'other-music']);

/** Parses a music-labels table (index, name, kind, … with a header row). */
export function parseMusicTags(text: string): MusicTag[] {
  const rows = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = rows.shift()?.split('\t') ?? [];
  const col = (n: string) => header.indexOf(n);
  const [iIndex, iName, iKind] = [col('index'), col('name'), col('kind')];
  if (iIndex < 0 || iName < 0 || iKind < 0)
    throw new Error('music tags table needs index, name and kind columns');
  return rows.map((row) => {
    const f = row.split('\t');
    const index = Number(f[iIndex]);
    const kind = f[iKind];
    if (!Number.isInteger(index) || index < 0 || !MUSIC_TAG_KINDS.has(kind))
      throw new Error(`bad music tag row: ${row}`);
    return { index, name: f[iName], kind: kind as MusicTag['kind'] };
  });
}

/** Class names and music tags of built-in models, read once. */
const labelCache = new Map<string, { tags: string[]; musicTags?: MusicTag[] }>();
function labelsOf(spec: BuiltinModelSpec): { tags: string[]; musicTags?: MusicTag[] } {
  if (spec.kind === 'musicnn-mel') return { tags: spec.tags };
  let cached = labelCache.get(spec.id);
  if (!cached) {
    cached = {
      tags: readResourceLines(spec.tagsFile),
      musicTags: spec.musicTagsFile
        ? parseMusicTags(readFileSync(join(resourcesDir(), spec.musicTagsFile), 'utf8'))
        : undefined,
    };
    labelCache.set(spec.id, cached);
  }
  return cached;
}

/** A model ready to load: plain data. */
export interface ResolvedModel {
  id: string;
  name: string;
  kind: ModelKind;
  origin: 'builtin' | 'user';
  onnxPath: string;
  sampleRate: number;
  /** Input tensor name; empty = the model's first input. */
  input: string;
  outputs: { embedding: string; tags?: string; logits?: string; pooled?: string; hidden?: string };
  embeddingDim: number;
  pooling: ModelPooling;
  tags: string[];
  /** musicnn-mel: frames per patch (187) and mel bands (96). */
  patchFrames?: number;
  bands?: number;
  /** efficientat-mel: default windows per track (the windows setting overrides it). */
  windowsPerTrack?: number;
  /** efficientat-mel: the indices and kinds of the music-related tags (genre, mood, instrument, other-music). */
  musicTags?: MusicTag[];
  /** waveform and efficientat-mel: window and hop in seconds; waveform: input rank. */
  windowSeconds?: number;
  hopSeconds?: number;
  inputRank?: 2 | 3;
  license?: string;
}

/** A music-related tag of a model (EfficientAT: the AudioSet classes under "Music"). */
export interface MusicTag {
  index: number;
  name: string;
  kind: 'genre' | 'mood' | 'instrument' | 'other-music';
}

export interface ModelInfo {
  id: string;
  name: string;
  kind: ModelKind;
  origin: 'builtin' | 'user';
  description?: string;
  embeddingDim: number;
  /** Converted/installed and loadable without the network. */
  ready: boolean;
  /** For user models that could not be read: why. */
  problem?: string;
}

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

const FEATURES_ONLY = 'Timbre keeps working on audio features alone until a model is available.';

export function builtinModels(): readonly BuiltinModelSpec[] {
  return builtins;
}

/**
 * Class names and, where the model marks them, the music-related tags of a built-in model, without
 * resolving (converting) it: what tag chips and search by sound need. Null for an unknown id.
 */
export function builtinTagInfo(id: string): { tags: string[]; musicTags: MusicTag[] } | null {
  const spec = builtins.find((b) => b.id === id);
  if (!spec) return null;
  const { tags, musicTags } = labelsOf(spec);
  return { tags: [...tags], musicTags: musicTags ? [...musicTags] : [] };
}

const convertedDir = (home: string) => join(homeLayout(home).models, 'converted');
const downloadsDir = (home: string) => join(homeLayout(home).models, 'downloads');

const converterVersion = (spec: BuiltinModelSpec) =>
  spec.source.format === 'pytorch-efficientat' ? `e${EFFAT_CONVERTER_VERSION}` : String(CONVERTER_VERSION);

/** Where the converted ONNX of a built-in model is cached (keyed on the source hash and converter). */
export function convertedModelPath(home: string, spec: BuiltinModelSpec): string {
  return join(
    convertedDir(home),
    `${spec.id}-${spec.source.sha256.slice(0, 16)}-c${converterVersion(spec)}.onnx`,
  );
}

/** Converts a built-in model's source bytes to ONNX with the converter its format names. */
function convertSource(spec: BuiltinModelSpec, bytes: Uint8Array): Uint8Array {
  return spec.source.format === 'pytorch-efficientat'
    ? convertEfficientAtCheckpoint(bytes)
    : convertMusicnnH5(bytes);
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Writes a file atomically: a temporary file beside it, then rename. */
async function writeAtomic(path: string, data: Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

function fromBuiltin(spec: BuiltinModelSpec, onnxPath: string): ResolvedModel {
  const { tags, musicTags } = labelsOf(spec);
  const kindFields =
    spec.kind === 'musicnn-mel'
      ? { patchFrames: spec.patchFrames }
      : {
          windowSeconds: spec.windowSeconds,
          hopSeconds: spec.windowSeconds,
          windowsPerTrack: spec.windowsPerTrack,
          ...(musicTags ? { musicTags } : {}),
        };
  return {
    id: spec.id,
    name: spec.name,
    kind: spec.kind,
    origin: 'builtin',
    onnxPath,
    sampleRate: spec.sampleRate,
    input: spec.input,
    outputs: { ...spec.outputs },
    embeddingDim: spec.embeddingDim,
    pooling: spec.pooling,
    tags: [...tags],
    bands: spec.bands,
    ...kindFields,
    license: spec.license,
  };
}

async function readUserModel(home: string, id: string): Promise<ResolvedModel> {
  const dir = join(homeLayout(home).models, id);
  const onnxPath = join(dir, 'model.onnx');
  if (!existsSync(onnxPath)) throw new Error(`${dir} has no model.onnx`);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  } catch (err) {
    throw new Error(`${join(dir, 'manifest.json')} is missing or not JSON (${(err as Error).message})`, {
      cause: err,
    });
  }
  const parsed = userManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`${join(dir, 'manifest.json')} is not a valid model manifest: ${issues}`);
  }
  const m = parsed.data;
  if (m.id !== undefined && m.id !== id)
    throw new Error(`manifest id "${m.id}" does not match its folder "${id}"`);
  return {
    id,
    name: m.name,
    kind: 'waveform',
    origin: 'user',
    onnxPath,
    sampleRate: m.sampleRate,
    input: m.input ?? '',
    outputs: { ...m.outputs },
    embeddingDim: m.embeddingDim,
    pooling: m.pooling ?? 'mean+std',
    tags: m.tags ?? [],
    windowSeconds: m.windowSeconds,
    hopSeconds: m.hopSeconds ?? m.windowSeconds,
    inputRank: m.inputRank ?? 2,
    license: m.license,
  };
}

/** Built-in models (ready when already converted) and user-installed model folders. */
export async function listModels(home: string): Promise<ModelInfo[]> {
  const out: ModelInfo[] = builtins.map((spec) => ({
    id: spec.id,
    name: spec.name,
    kind: spec.kind,
    origin: 'builtin',
    description: spec.description,
    embeddingDim: spec.embeddingDim,
    ready: existsSync(convertedModelPath(home, spec)),
  }));
  let entries: string[] = [];
  try {
    entries = (await readdir(homeLayout(home).models, { withFileTypes: true }))
      .filter((e) => e.isDirectory() && existsSync(join(homeLayout(home).models, e.name, 'manifest.json')))
      .map((e) => e.name)
      .sort();
  } catch {
    // no models folder yet
  }
  for (const id of entries) {
    if (builtins.some((b) => b.id === id)) continue; // built-in ids are reserved
    try {
      const m = await readUserModel(home, id);
      out.push({ id, name: m.name, kind: m.kind, origin: 'user', embeddingDim: m.embeddingDim, ready: true });
    } catch (err) {
      out.push({
        id,
        name: id,
        kind: 'waveform',
        origin: 'user',
        embeddingDim: 0,
        ready: false,
        problem: (err as Error).message,
      });
    }
  }
  return out;
}

/** Returns a loadable model, converting (and if allowed downloading) a built-in one on first use. */
export async function resolveModel(id: string, options: ResolveOptions): Promise<ResolvedModel> {
  const spec = builtins.find((b) => b.id === id);
  if (!spec) {
    const dir = join(homeLayout(options.home).models, id);
    if (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id) && existsSync(join(dir, 'manifest.json'))) {
      try {
        return await readUserModel(options.home, id);
      } catch (err) {
        throw new ModelUnavailableError(
          id,
          'invalid-model',
          `The model "${id}" cannot be used: ${(err as Error).message}`,
          { cause: err },
        );
      }
    }
    const known = builtins.map((b) => b.id).join(', ');
    throw new ModelUnavailableError(
      id,
      'unknown-model',
      `There is no model "${id}". Built-in models: ${known}; user models go in ${dir} (model.onnx + manifest.json).`,
    );
  }

  const onnxPath = convertedModelPath(options.home, spec);
  if (existsSync(onnxPath)) return fromBuiltin(spec, onnxPath);

  const sourcePath = await findOrDownloadSource(spec, options);
  options.onProgress?.({ modelId: spec.id, phase: 'convert', receivedBytes: 0, totalBytes: null });
  let onnxBytes: Uint8Array;
  try {
    onnxBytes = convertSource(spec, new Uint8Array(await readFile(sourcePath)));
  } catch (err) {
    throw new ModelUnavailableError(
      spec.id,
      'invalid-model',
      `${spec.name}: converting ${sourcePath} failed (${(err as Error).message}). ${FEATURES_ONLY}`,
      { cause: err },
    );
  }
  await mkdir(convertedDir(options.home), { recursive: true });
  await writeAtomic(onnxPath, onnxBytes);
  options.onProgress?.({ modelId: spec.id, phase: 'done', receivedBytes: 0, totalBytes: null });
  return fromBuiltin(spec, onnxPath);
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

async function findOrDownloadSource(spec: BuiltinModelSpec, options: ResolveOptions): Promise<string> {
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
