/**
 * The model manager: resolves a model id to a loadable ONNX model. A built-in model
 * (model-specs.ts) has its source checkpoint found or downloaded (model-source.ts), converted to
 * ONNX once with our own converter (MusiCNN: a Keras H5; EfficientAT: a PyTorch checkpoint) and
 * cached in the user data folder, keyed on the source hash and the converter version. It also
 * discovers user-installed models: `<home>/models/<id>/` holding `model.onnx` + `manifest.json`.
 *
 * Everything it returns is plain data (it crosses to the analysis workers by structured clone).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { homeLayout } from '../../home/folder';
import { CONVERTER_VERSION, convertMusicnnH5 } from './h5-to-onnx';
import { convertEfficientAtCheckpoint, EFFAT_CONVERTER_VERSION } from './efficientat/to-onnx';
import {
  builtinModels,
  labelsOf,
  userManifestSchema,
  type BuiltinModelSpec,
  type ModelKind,
  type ModelPooling,
  type MusicTag,
} from './model-specs';
import {
  FEATURES_ONLY,
  findOrDownloadSource,
  ModelUnavailableError,
  type ResolveOptions,
} from './model-source';

// What callers import from the manager, wherever it now lives.
export {
  builtinModels,
  builtinTagInfo,
  DEFAULT_MODEL_ID,
  parseMusicTags,
  userManifestSchema,
  type BuiltinModelSpec,
  type ModelKind,
  type ModelPooling,
  type MusicTag,
  type UserModelManifest,
} from './model-specs';
export {
  findInFolderTree,
  ModelUnavailableError,
  sha256File,
  type DownloadProgress,
  type FetchLike,
  type ModelUnavailableReason,
  type ResolveOptions,
} from './model-source';

const builtins = builtinModels();

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

const convertedDir = (home: string) => join(homeLayout(home).models, 'converted');

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
