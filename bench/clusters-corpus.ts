/**
 * Clusters of the labelled dev corpus, end to end through the service (what `timbre cluster` does).
 *
 *   TIMBRE_MODELS_DIR=/work/shared/models npx tsx bench/clusters.ts --corpus /work/corpus
 *        [--model mn04] [--workers 2] [--home DIR] [--space default|embedding|features]
 *
 * Scans the corpus into a Timbre home (default: a fixed folder under the temp dir, kept, so that a
 * second run skips the analysis), analyses it with the model, then runs `clusters.run` with every
 * algorithm under automatic tuning and with `auto`, and prints per run: the chosen parameters,
 * clusters, noise share, silhouette, Davies–Bouldin, Calinski–Harabasz (in the space the
 * clustering ran in) and the agreement with the style labels of labels.csv (adjusted Rand index,
 * NMI with arithmetic normalisation; noise counts as one more cluster, so it costs agreement).
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createService } from '../src/main/api/service';
import { ClusterRunStore } from '../src/main/clusters/run-store';
import { adjustedRandIndex, normalisedMutualInformation } from '../src/main/clusters/metrics';
import type { ClusterRun } from '../src/shared/types';

const { values: args } = parseArgs({
  options: {
    corpus: { type: 'string', default: '/work/corpus-dev' },
    model: { type: 'string', default: 'mn04' },
    workers: { type: 'string', default: '2' },
    home: { type: 'string', default: join(tmpdir(), 'timbre-bench-clusters-corpus') },
    space: { type: 'string', default: 'default' },
  },
  strict: false,
});

const corpus = resolve(String(args.corpus));
const space = String(args.space) as 'default' | 'embedding' | 'features';
const styleOf = new Map<string, string>();
for (const line of readFileSync(join(corpus, 'labels.csv'), 'utf8').trim().split('\n').slice(1)) {
  const [path, , , style] = line.split(',');
  styleOf.set(path, style);
}

const service = await createService({
  home: String(args.home),
  mode: 'cli',
  command: 'bench/clusters --corpus',
});
try {
  await service.invoke('settings.set', { model: String(args.model), workers: Number(args.workers) });
  await service.invoke('library.scan', { roots: [corpus] });
  const t0 = performance.now();
  await service.invoke('analysis.start', {});
  const end = await service.engine.whenIdle();
  console.log(
    `analysis: ${end.done} analysed now, ${end.failed} failed, ${((performance.now() - t0) / 1000).toFixed(0)} s (model ${end.model ?? 'none'})`,
  );
  const tracks = await service.catalog.allTracks();
  const labelOf = new Map<string, string>();
  for (const t of tracks) {
    const style = styleOf.get(relative(corpus, t.path));
    if (style) labelOf.set(t.id, style);
  }
  const styles = [...new Set(labelOf.values())].sort();
  console.log(
    `${labelOf.size} labelled tracks, ${styles.length} styles: ${styles.join(', ')}; space ${space}`,
  );
  const store = await ClusterRunStore.open(service.catalog.db);
  const f = (v: number | null | undefined, d: number): string => (v == null ? '–' : v.toFixed(d));
  console.log(
    'algorithm      params                              k  noise   silh.     DB       CH     ARI    NMI   seconds  candidates',
  );
  for (const algorithm of ['kmeans', 'gmm', 'agglomerative', 'hdbscan', 'dbscan', 'auto'] as const) {
    const run = (await service.invoke('clusters.run', { algorithm, space })) as ClusterRun;
    const members = (await store.members(run.id)).filter((m) => labelOf.has(m.trackId));
    const truth = members.map((m) => styles.indexOf(labelOf.get(m.trackId) as string));
    // Noise (−1) becomes one more cluster: what a listener sees as "not grouped".
    const found = members.map((m) => (m.label < 0 ? 100000 : m.label));
    const sc = run.metrics.scores;
    const name = algorithm === 'auto' ? `auto→${run.algorithm}` : algorithm;
    console.log(
      `${name.padEnd(14)} ${JSON.stringify(run.params).padEnd(35)} ${String(sc?.clusters ?? '–').padStart(2)}  ${f((sc?.noiseShare ?? 0) * 100, 0).padStart(4)} %  ${f(sc?.silhouette, 3).padStart(6)}  ${f(sc?.daviesBouldin, 3).padStart(6)}  ${f(sc?.calinskiHarabasz, 1).padStart(7)}  ${adjustedRandIndex(truth, found).toFixed(3)}  ${normalisedMutualInformation(truth, found).toFixed(3)}  ${run.seconds.toFixed(1).padStart(7)}  ${run.metrics.candidates.length}`,
    );
  }
} finally {
  await service.close();
}
