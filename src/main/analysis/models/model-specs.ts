/**
 * The built-in models (resources/models.json, validated here) and the labels they output: class
 * names and, where a model marks them, its music-related tags. Also the manifest schema of a
 * user-installed model.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import manifestJson from '../../../../resources/models.json';
import { projectRoot } from '../../project-root';
import { readTsvTable, type TagKind } from './tag-kinds';

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
  /**
   * Seconds of audio fed to the network as one input: the longest stretch (a shorter track is fed
   * whole). Longer than the 10-s training clip on purpose: one long input hears a track better
   * than the mean of short clips (docs/models.md).
   */
  windowSeconds: z.number().positive(),
  /** Default windows per track, spread over the track (the windows setting overrides). */
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

const MUSIC_TAG_KINDS: ReadonlySet<string> = new Set<MusicTag['kind']>([
  'genre',
  'mood',
  'instrument',
  'other-music',
]);

/** Parses a music-labels table (index, name, kind, … with a header row). */
export function parseMusicTags(text: string): MusicTag[] {
  const { header, rows } = readTsvTable(text);
  const col = (n: string) => header.indexOf(n);
  const [iIndex, iName, iKind] = [col('index'), col('name'), col('kind')];
  if (iIndex < 0 || iName < 0 || iKind < 0)
    throw new Error('music tags table needs index, name and kind columns');
  return rows.map((f) => {
    const index = Number(f[iIndex]);
    const kind = f[iKind];
    if (!Number.isInteger(index) || index < 0 || !MUSIC_TAG_KINDS.has(kind))
      throw new Error(`bad music tag row: ${f.join('\t')}`);
    return { index, name: f[iName], kind: kind as MusicTag['kind'] };
  });
}

/** Class names and music tags of built-in models, read once. */
const labelCache = new Map<string, { tags: string[]; musicTags?: MusicTag[] }>();
export function labelsOf(spec: BuiltinModelSpec): { tags: string[]; musicTags?: MusicTag[] } {
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

/** A music-related tag of a model (EfficientAT: the AudioSet classes under "Music"). */
export interface MusicTag {
  index: number;
  name: string;
  kind: Extract<TagKind, 'genre' | 'mood' | 'instrument' | 'other-music'>;
}

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
