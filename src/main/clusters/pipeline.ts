/**
 * A whole clustering run on one matrix: optional reduction, the algorithm (explicit parameters or
 * the automatic search), the scores of the result, and the 2-D map. This is what the worker runs
 * and what the app would call in-process for small libraries.
 */
import { type Matrix, type RunControl, checkAbort } from './matrix';
import { type InternalScores, internalScores } from './metrics';
import { pca, umap } from './reduce';
import {
  type Algorithm,
  type Candidate,
  type ClusterParams,
  type Clustering,
  runAlgorithm,
  tune,
} from './tune';

export type ReduceMethod = 'none' | 'pca' | 'umap';
export type MapMethod = 'umap' | 'pca' | 'none';

export interface ClusterRequest {
  algorithm: Algorithm | 'auto';
  /** Explicit parameters skip the search. */
  params?: ClusterParams;
  /** Reduction before clustering; default: UMAP to 10-D for density methods and `auto` above 16-D, else none. */
  reduce?: { method: ReduceMethod; dims?: number };
  map?: MapMethod;
  seed?: number;
  silhouetteSample?: number;
}

export interface ClusterOutcome {
  clustering: Clustering;
  /** Every candidate the search scored (one when parameters were given). */
  candidates: Candidate[];
  rule?: string;
  scores: InternalScores;
  reduce: { method: ReduceMethod; dims: number };
  /** n × 2 map coordinates (empty with map 'none'). */
  coordinates: Float32Array;
  /**
   * n × 2 PCA coordinates, always made: cheap beside UMAP and stored with the run so either map
   * can be drawn without a re-run. Made here (in the worker for big libraries), not by the caller,
   * so the main process never holds its thread for it.
   */
  pcaCoordinates: Float32Array;
  /** Seconds per step. */
  timings: Record<string, number>;
}

export function defaultReduce(
  algorithm: Algorithm | 'auto',
  dim: number,
): { method: ReduceMethod; dims: number } {
  const density = algorithm === 'hdbscan' || algorithm === 'dbscan' || algorithm === 'auto';
  return density && dim > 16 ? { method: 'umap', dims: 10 } : { method: 'none', dims: dim };
}

async function reduceTo(
  m: Matrix,
  method: ReduceMethod,
  dims: number,
  seed: number,
  control: RunControl,
): Promise<Matrix> {
  if (method === 'none' || dims >= m.dim) return m;
  if (method === 'pca') return pca(m, { components: dims, seed });
  return umap(m, { components: dims, seed, minDist: 0, ...control });
}

export async function runClustering(
  m: Matrix,
  request: ClusterRequest,
  control: RunControl = {},
): Promise<ClusterOutcome> {
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, f: () => T | Promise<T>): Promise<T> => {
    const start = performance.now();
    const out = await f();
    timings[name] = (performance.now() - start) / 1000;
    return out;
  };
  const seed = request.seed ?? 1;
  const r = request.reduce ?? defaultReduce(request.algorithm, m.dim);
  const reduce = { method: r.method, dims: r.method === 'none' ? m.dim : Math.min(r.dims ?? 10, m.dim) };
  const space = await timed('reduce', () => reduceTo(m, reduce.method, reduce.dims, seed, control));
  checkAbort(control.signal);
  let clustering: Clustering;
  let candidates: Candidate[];
  let rule: string | undefined;
  if (request.params) {
    if (request.algorithm === 'auto') throw new Error('explicit parameters need an explicit algorithm');
    const algorithm = request.algorithm;
    const params = request.params;
    clustering = await timed('cluster', () => runAlgorithm(space, algorithm, { seed, ...params }, control));
    candidates = [];
  } else {
    const result = await timed('cluster', () =>
      tune(space, request.algorithm, { ...control, silhouetteSample: request.silhouetteSample }),
    );
    clustering = result.winner;
    candidates = result.candidates;
    rule = result.rule;
  }
  const scores = await timed('metrics', () =>
    internalScores(space, clustering.labels, { sampleSize: request.silhouetteSample }),
  );
  if (candidates.length === 0) {
    candidates = [
      {
        algorithm: clustering.algorithm,
        params: clustering.params,
        scores,
        adjustedSilhouette: scores.silhouette * (1 - scores.noiseShare),
        eligible: true,
        seconds: timings.cluster,
      },
    ];
  }
  const mapMethod = request.map ?? 'umap';
  const pcaCoordinates = (await timed('pca map', () => pca(m, { components: 2, seed: 1 }))).data;
  checkAbort(control.signal);
  let coordinates: Float32Array = new Float32Array(0);
  if (mapMethod === 'pca') coordinates = pcaCoordinates;
  else if (mapMethod === 'umap') {
    coordinates = (await timed('map', () => umap(m, { components: 2, seed, ...control }))).data;
  }
  return { clustering, candidates, rule, scores, reduce, coordinates, pcaCoordinates, timings };
}
