/**
 * Clustering at scale on synthetic embeddings of the real dimension.
 *
 *   npx tsx bench/clusters.ts [--sizes 20000,100000] [--dim 384] [--clusters 30] [--steps a,b,…]
 *   npx tsx bench/clusters.ts --corpus DIR …   (the labelled dev corpus: see clusters-corpus.ts)
 *
 * Data: `clusters` Gaussian blobs (centres uniform in ±0.05 per axis, σ = 0.03 per axis: centres
 * ≈ 0.8 apart, members ≈ 0.8 from each other, so the blobs touch in distance but not in
 * direction, as embeddings of styles do). Each step runs in a fresh child process so that its peak
 * RSS is its own (the data, ≈ n × dim × 4 bytes, included). Printed per step: wall and CPU
 * seconds (CPU is what the step cost when other processes compete for the cores), peak RSS and,
 * for clusterings, agreement with the blob labels (ARI, NMI) and the clusters found.
 * Steps:
 *   kmeans, gmm (k = clusters, 384-D), ward (k = clusters; 2,000-row sample + assignment),
 *   hdbscan, dbscan (on PCA to 10-D, the space density methods run in; PCA time not counted),
 *   metrics (silhouette on 2,000 rows, Davies–Bouldin, Calinski–Harabasz, on the k-means labels),
 *   pca2, umap2 (the map), umap10 (the reduction before density clustering),
 *   kmeans-ml (ml-kmeans on the same data, for the choice of our own k-means).
 * Floors at 20,000: k-means ≤ 3 s, HDBSCAN ≤ 10 s, UMAP 2-D ≤ 30 s, metrics ≤ 2 s.
 */
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { kmeans as mlKmeans } from 'ml-kmeans';
import { blobs } from '../src/main/clusters/synthetic';
import { kmeans } from '../src/main/clusters/kmeans';
import { gmm } from '../src/main/clusters/gmm';
import { agglomerative } from '../src/main/clusters/agglomerative';
import { hdbscan } from '../src/main/clusters/hdbscan';
import { dbscan } from '../src/main/clusters/dbscan';
import { adjustedRandIndex, internalScores, normalisedMutualInformation } from '../src/main/clusters/metrics';
import { pca, umap } from '../src/main/clusters/reduce';
import type { Matrix, Progress } from '../src/main/clusters/matrix';

const ALL_STEPS = [
  'kmeans',
  'gmm',
  'ward',
  'hdbscan',
  'dbscan',
  'metrics',
  'pca2',
  'umap2',
  'umap10',
  'kmeans-ml',
];

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

interface StepResult {
  step: string;
  n: number;
  wall: number;
  cpu: number;
  rssMB: number;
  note: string;
  /** Progress messages the step sent, and the longest silence between two (or before the first). */
  progress?: { messages: number; longestGapS: number; last: string };
}

/** Progress as the step reports it, forwarded to the parent like the clustering worker does (≤ 10/s). */
let lastSent = 0;
const progress = (p: Progress): void => {
  const now = Date.now();
  if (now - lastSent < 100) return;
  lastSent = now;
  process.send?.({ tick: p });
};

async function runStep(step: string, n: number, dim: number, clusters: number): Promise<StepResult> {
  const { matrix, labels } = blobs({ n, dim, clusters, seed: 1, spread: 0.03, scale: 0.05 });
  const agreement = (found: Int32Array): string => {
    const k = new Set(Array.from(found).filter((x) => x >= 0)).size;
    const noise = Array.from(found).filter((x) => x < 0).length / n;
    return `ARI ${adjustedRandIndex(found, labels).toFixed(3)} NMI ${normalisedMutualInformation(found, labels).toFixed(3)} clusters ${k}${noise > 0 ? ` noise ${(noise * 100).toFixed(1)} %` : ''}`;
  };
  // Inputs that are not part of the step are prepared before the clock starts.
  const low: Matrix | undefined =
    step === 'hdbscan' || step === 'dbscan' ? pca(matrix, { components: 10 }) : undefined;
  const km = step === 'metrics' ? kmeans(matrix, { k: clusters }).labels : undefined;
  const rows =
    step === 'kmeans-ml'
      ? Array.from({ length: n }, (_, i) => Array.from(matrix.data.subarray(i * dim, (i + 1) * dim)))
      : undefined;
  // The clock starts here: the parent measures silences from this message, not from the setup.
  process.send?.({ tick: { step: 'start', done: 0, total: 1 } });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let note: string;
  switch (step) {
    case 'kmeans':
      note = agreement(kmeans(matrix, { k: clusters, onProgress: progress }).labels);
      break;
    case 'kmeans-ml': {
      const r = mlKmeans(rows as number[][], clusters, { initialization: 'kmeans++', seed: 1 });
      note = agreement(Int32Array.from(r.clusters));
      break;
    }
    case 'gmm':
      note = agreement(gmm(matrix, { k: clusters, onProgress: progress }).labels);
      break;
    case 'ward':
      note = agreement(agglomerative(matrix, { k: clusters, onProgress: progress }).labels);
      break;
    case 'hdbscan':
      note = agreement(
        hdbscan(low as Matrix, {
          minClusterSize: Math.round(n / clusters / 4),
          minSamples: 10,
          onProgress: progress,
        }).labels,
      );
      break;
    case 'dbscan':
      note = agreement(dbscan(low as Matrix, { minPoints: 10, onProgress: progress }).labels);
      break;
    case 'metrics': {
      const s = internalScores(matrix, km as Int32Array);
      note = `silhouette ${s.silhouette.toFixed(3)} DB ${s.daviesBouldin.toFixed(3)} CH ${s.calinskiHarabasz.toFixed(0)}`;
      break;
    }
    case 'pca2':
      note =
        agreement(kmeans(pca(matrix, { components: 2 }), { k: clusters }).labels) + ' (k-means on the map)';
      break;
    case 'umap2':
    case 'umap10': {
      const dims = step === 'umap2' ? 2 : 10;
      const map = await umap(matrix, {
        components: dims,
        minDist: dims === 2 ? 0.1 : 0,
        onProgress: progress,
      });
      const wall = performance.now() - t0;
      const c = process.cpuUsage(cpu0);
      note = agreement(kmeans(map, { k: clusters }).labels) + ' (k-means on the result)';
      return {
        step,
        n,
        wall: wall / 1000,
        cpu: (c.user + c.system) / 1e6,
        rssMB: process.resourceUsage().maxRSS / 1024,
        note,
      };
    }
    default:
      throw new Error(`unknown step ${step}`);
  }
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(cpu0);
  return {
    step,
    n,
    wall,
    cpu: (c.user + c.system) / 1e6,
    rssMB: process.resourceUsage().maxRSS / 1024,
    note,
  };
}

async function main(): Promise<void> {
  const dim = Number(arg('dim', '384'));
  const clusters = Number(arg('clusters', '30'));
  const child = arg('child', '');
  if (child) {
    const [step, n] = child.split(':');
    const result = await runStep(step, Number(n), dim, clusters);
    process.send?.(result);
    return;
  }
  const sizes = arg('sizes', '20000,100000').split(',').map(Number);
  const steps = arg('steps', ALL_STEPS.join(',')).split(',');
  console.log(
    `clusters bench: dim ${dim}, ${clusters} blobs, load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  console.log('step        n        wall s   cpu s    peak RSS   result');
  for (const n of sizes) {
    for (const step of steps) {
      const seen = { messages: 0, longestGapS: 0, last: '' };
      const started = performance.now();
      let lastAt = started;
      const result = await new Promise<StepResult>((resolve, reject) => {
        const p = fork(
          fileURLToPath(import.meta.url),
          ['--child', `${step}:${n}`, '--dim', String(dim), '--clusters', String(clusters)],
          {
            execArgv: ['--import', 'tsx', '--max-old-space-size=8192'],
          },
        );
        p.on('message', (m: StepResult | { tick: Progress }) => {
          const now = performance.now();
          seen.longestGapS = Math.max(seen.longestGapS, (now - lastAt) / 1000);
          lastAt = now;
          if ('tick' in m && m.tick.step === 'start') seen.longestGapS = 0;
          else if ('tick' in m) {
            seen.messages++;
            seen.last = `${m.tick.step} ${m.tick.done}/${m.tick.total}`;
          } else resolve({ ...m, progress: seen });
        });
        p.on('exit', (code) => (code ? reject(new Error(`${step} at ${n} exited ${code}`)) : undefined));
      }).catch((err: unknown): StepResult => ({
        step,
        n,
        wall: NaN,
        cpu: NaN,
        rssMB: NaN,
        note: String(err),
      }));
      console.log(
        `${result.step.padEnd(11)} ${String(n).padEnd(8)} ${result.wall.toFixed(2).padStart(7)}  ${result.cpu.toFixed(2).padStart(7)}  ${`${Math.round(result.rssMB)} MB`.padStart(9)}   ${result.note}${result.progress ? `; progress: ${result.progress.messages} messages, longest silence ${result.progress.longestGapS.toFixed(1)} s` : ''}`,
      );
    }
  }
  console.log(
    `load average at the end ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
}

// `--corpus DIR`: the labelled dev corpus through the service (bench/clusters-corpus.ts).
if (process.argv.includes('--corpus')) await import('./clusters-corpus');
else await main();
