/**
 * Messages between the clustering host and its worker process (structured clone through fork's
 * 'advanced' serialisation, so the Float32Array crosses as it is). The worker validates what it
 * receives: it is a process boundary.
 */
import { z } from 'zod';
import { ALGORITHMS } from './tune';
import type { ClusterOutcome, ClusterRequest } from './pipeline';
import type { Progress } from './matrix';

const params = z
  .object({
    k: z.number().int().min(1).optional(),
    minClusterSize: z.number().int().min(2).optional(),
    minSamples: z.number().int().min(1).optional(),
    selection: z.enum(['eom', 'leaf']).optional(),
    eps: z.number().positive().optional(),
    minPoints: z.number().int().min(1).optional(),
    seed: z.number().int().optional(),
  })
  .strict();

export const clusterRequestSchema = z
  .object({
    algorithm: z.enum([...ALGORITHMS, 'auto']),
    params: params.optional(),
    reduce: z
      .object({ method: z.enum(['none', 'pca', 'umap']), dims: z.number().int().min(1).optional() })
      .optional(),
    map: z.enum(['umap', 'pca', 'none']).optional(),
    seed: z.number().int().optional(),
    silhouetteSample: z.number().int().min(10).optional(),
  })
  .strict();

export const runMessageSchema = z
  .object({
    type: z.literal('run'),
    data: z.instanceof(Float32Array),
    n: z.number().int().min(0),
    dim: z.number().int().min(1),
    request: clusterRequestSchema,
  })
  .refine((m) => m.data.length === m.n * m.dim, 'data length must be n × dim');

/** A t-SNE map alone (asked for after a run, by `clusters.map`). */
export const tsneMessageSchema = z
  .object({
    type: z.literal('tsne'),
    data: z.instanceof(Float32Array),
    n: z.number().int().min(0),
    dim: z.number().int().min(1),
    seed: z.number().int().optional(),
  })
  .refine((m) => m.data.length === m.n * m.dim, 'data length must be n × dim');

export type HostToWorker =
  | { type: 'run'; data: Float32Array; n: number; dim: number; request: ClusterRequest }
  | { type: 'tsne'; data: Float32Array; n: number; dim: number; seed?: number }
  | { type: 'cancel' };

export type WorkerToHost =
  | { type: 'progress'; progress: Progress }
  | { type: 'done'; outcome: ClusterOutcome }
  | { type: 'map'; coordinates: Float32Array }
  | { type: 'error'; message: string; aborted: boolean };
