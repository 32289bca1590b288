/**
 * Does an autoencoder reduction help clustering the labelled dev corpus? (issue 10, "kept only if
 * it measurably helps"; the answer is in docs/clusters.md.)
 *
 *   nice -n 10 npx tsx bench/autoencoder.ts --home /tmp/timbre-bench-sawOtb --corpus /work/corpus
 *        [--space default|embedding|features] [--seeds 3] [--ae-epochs 300] [--ae-hidden 64]
 *
 * The home must hold an analysed scan of the corpus (bench/clusters-corpus.ts makes one); it is
 * copied to a temp folder first, so the original is only read. The clustering input is the one the
 * service builds (the similarity engine's clustering input for the space). For each reduction —
 * none, PCA-10, UMAP-10 and autoencoder-10 (UMAP and the autoencoder over several seeds) — it runs
 * k-means tuned over k = 3..8 by the tuner's rule, k-means at k = the number of styles, and HDBSCAN
 * tuned by the tuner's rule, and prints ARI and NMI against the style labels (noise counts as one
 * more cluster), as mean ± half the range over the seeds.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createService } from '../src/main/api/service';
import { trainAutoencoder } from '../src/main/clusters/autoencoder';
import { type Matrix, matrix } from '../src/main/clusters/matrix';
import { adjustedRandIndex, normalisedMutualInformation } from '../src/main/clusters/metrics';
import { pca, umap } from '../src/main/clusters/reduce';
import { runAlgorithm, tune } from '../src/main/clusters/tune';
import { LiveSimilarityIndex } from '../src/main/similarity/live-index';

const { values: args } = parseArgs({
  options: {
    home: { type: 'string', default: '/tmp/timbre-bench-sawOtb' },
    corpus: { type: 'string', default: '/work/corpus' },
    space: { type: 'string', default: 'default' },
    seeds: { type: 'string', default: '3' },
    'ae-epochs': { type: 'string', default: '300' },
    'ae-hidden': { type: 'string', default: '64' },
  },
  strict: false,
});

const corpus = resolve(String(args.corpus));
const space = String(args.space);
const seeds = Array.from({ length: Number(args.seeds) }, (_, i) => i + 1);
const styleOf = new Map<string, string>();
for (const line of readFileSync(join(corpus, 'labels.csv'), 'utf8').trim().split('\n').slice(1)) {
  const [path, , , style] = line.split(',');
  styleOf.set(path, style);
}

const work = mkdtempSync(join(tmpdir(), 'timbre-bench-autoenc-'));
const home = join(work, 'home');
cpSync(String(args.home), home, { recursive: true });
const service = await createService({ home, mode: 'cli', command: 'bench/autoencoder' });
try {
  const engine = await new LiveSimilarityIndex(service.catalog, service.results, () =>
    service.settings.get(),
  ).engine();
  const input = engine.clusteringInput(space === 'default' ? undefined : (space as 'embedding' | 'features'));
  const rows: number[] = [];
  const truth: number[] = [];
  const styles = [...new Set(styleOf.values())].sort();
  input.tracks.forEach((t, i) => {
    const style = styleOf.get(relative(corpus, t.path));
    if (style) {
      rows.push(i);
      truth.push(styles.indexOf(style));
    }
  });
  const all = matrix(input.data, input.tracks.length, input.dim);
  // Only labelled rows are clustered, so every score is over the same tracks.
  const data = new Float32Array(rows.length * all.dim);
  rows.forEach((r, j) => data.set(all.data.subarray(r * all.dim, (r + 1) * all.dim), j * all.dim));
  const m = matrix(data, rows.length, all.dim);
  console.log(`space ${space} (${input.source}): ${m.n} labelled tracks × ${m.dim}, ${styles.length} styles`);

  const score = (labels: ArrayLike<number>): { ari: number; nmi: number } => {
    const found = Array.from(labels, (l) => (l < 0 ? 100000 : l));
    return { ari: adjustedRandIndex(truth, found), nmi: normalisedMutualInformation(truth, found) };
  };
  const evaluate = (s: Matrix): Record<string, { ari: number; nmi: number }> => {
    const tuned = tune(s, 'kmeans', { params: [3, 4, 5, 6, 7, 8].map((k) => ({ k })) }).winner;
    const fixed = runAlgorithm(s, 'kmeans', { k: styles.length, seed: 1 });
    // No eligible HDBSCAN candidate (e.g. everything noise) is reported as '–', not as a score.
    let h: { labels: ArrayLike<number>; clusters: number } | null;
    try {
      h = tune(s, 'hdbscan').winner;
    } catch {
      h = null;
    }
    return {
      [`kmeans tuned (k=${tuned.params.k})`]: score(tuned.labels),
      [`kmeans k=${styles.length}`]: score(fixed.labels),
      [`hdbscan tuned (${h ? `${h.clusters} cl.` : 'none eligible'})`]: h
        ? score(h.labels)
        : { ari: NaN, nmi: NaN },
    };
  };
  const trained: string[] = [];
  const methods: { name: string; make: (seed: number) => Promise<Matrix> | Matrix; seeded: boolean }[] = [
    { name: 'none', make: () => m, seeded: false },
    { name: 'pca-10', make: (seed) => pca(m, { components: 10, seed }), seeded: false },
    { name: 'umap-10', make: (seed) => umap(m, { components: 10, seed, minDist: 0 }), seeded: true },
    {
      name: 'autoenc-10',
      make: (seed) => {
        const r = trainAutoencoder(m, {
          components: 10,
          hidden: Number(args['ae-hidden']),
          epochs: Number(args['ae-epochs']),
          seed,
        });
        trained.push(
          `seed ${seed}: ${r.losses.length} epochs, loss ${r.losses[0].toFixed(3)} → ${r.losses[r.losses.length - 1].toFixed(3)}`,
        );
        return r.codes;
      },
      seeded: true,
    },
  ];
  const pm = (all: number[]): string => {
    const v = all.filter(Number.isFinite);
    if (v.length === 0) return '–';
    const missing = all.length - v.length;
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const half = (Math.max(...v) - Math.min(...v)) / 2;
    const text = v.length > 1 ? `${mean.toFixed(3)} ± ${half.toFixed(3)}` : mean.toFixed(3);
    return missing > 0 ? `${text} (${missing}×–)` : text;
  };
  console.log(
    'reduction    seconds  kmeans-tuned ARI / NMI        kmeans-k=styles ARI / NMI     hdbscan ARI / NMI   (per-seed picks)',
  );
  for (const method of methods) {
    const per: Record<string, { ari: number; nmi: number }>[] = [];
    const t0 = performance.now();
    for (const seed of method.seeded ? seeds : [1]) per.push(evaluate(await method.make(seed)));
    const seconds = (performance.now() - t0) / 1000 / per.length;
    const col = (i: number): string => {
      const vals = per.map((p) => Object.values(p)[i]);
      return `${pm(vals.map((v) => v.ari))} / ${pm(vals.map((v) => v.nmi))}`;
    };
    const picks = per
      .map((p) =>
        Object.keys(p)
          .filter((_, i) => i !== 1)
          .map((k) => k.replace(/^\S+ tuned /, ''))
          .join(' '),
      )
      .join('; ');
    console.log(
      `${method.name.padEnd(12)} ${seconds.toFixed(1).padStart(6)}  ${col(0).padEnd(28)}  ${col(1).padEnd(28)}  ${col(2).padEnd(28)}  ${picks}`,
    );
  }
  console.log(`autoencoder training (MSE, standardised units): ${trained.join('; ')}`);
} finally {
  await service.close();
  rmSync(work, { recursive: true, force: true });
}
