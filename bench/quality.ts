/**
 * How good are the neighbours on a labelled, analysed corpus?
 *   npx tsx bench/quality.ts --home DIR --labels /work/corpus-dev/labels.csv
 *       [--models msd,mn04] [--quick] [--json] [--per-source] [--cv]
 * (DIR: a Timbre home where the corpus has been scanned and analysed, with one model or several:
 * results are kept per model, so analyse once per model into the same home.)
 *
 * Every model with results in the home is measured (or those given with --models), each on its
 * own embeddings beside the same features; features alone, random and (for the first model) the
 * blend sweep are model-independent. --quick keeps the rows the issue asks for: each model's
 * embedding alone, features alone, the default and random. --json prints one object per row.
 *
 * For each configuration (embedding alone, features alone, blends, with and without hubness
 * reduction, random) it prints:
 * - style P@10 (other sources): neighbours from the query's own source (same game/album, same
 *   composer: too easy) are removed from the ranking; hits of the query's style among the first
 *   10 others, divided by min(10, other-source tracks of that style); queries with none skipped;
 * - family P@10: the same with the three electronic styles (electronic, ambient-electronic,
 *   tracker-module) counted as one family;
 * - same-source@10: share of the plain top 10 from the query's own source;
 * - artist repeats per 20-track "play similar" queue (default variety rules), by label artist:
 *   queue tracks whose artist is the seed's or already appeared ("unknown" never repeats);
 * - k-occurrence skewness (k = 10) of the ranking.
 * --per-source adds each row's style P@10 per query source (the figure is a mean over queries, and
 * most style queries come from a few sources: a change that helps one source only shows here).
 * --query-sources a,b adds each row's figures over the queries from those sources only (a held-out
 * set analysed together with the dev corpus, its queries ranking the whole library).
 * --cv guards the choice of default against this corpus: for the first model's candidate
 * configurations (embedding with and without hubness reduction, the blends), leave one source out,
 * pick the configuration with the best mean on the other sources' queries, score it on the held-out
 * source's queries; it prints the pick per fold and the cross-validated mean (style and family).
 */
import { ResultsStore } from '../src/main/analysis/results-store';
import { Catalog } from '../src/main/library/catalog';
import type { SimilarityInput } from '../src/main/similarity/corpus';
import { joinSimilarityInput } from '../src/main/similarity/load';
import { evaluate, leaveOneSourceOut, readLabels, type Config, type Figures } from './quality-score';

process.env.LANCEDB_LOG ??= 'error';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const home = arg('home');
  const labelsFile = arg('labels') ?? '/work/corpus-dev/labels.csv';
  if (!home) {
    console.error('usage: npx tsx bench/quality.ts --home DIR [--labels labels.csv]');
    process.exit(2);
  }
  const catalog = await Catalog.open(home);
  try {
    const results = await ResultsStore.open(catalog.db);
    const tracks = await catalog.allTracks();
    const stored = await results.models();
    const models = arg('models')?.split(',').filter(Boolean) ?? stored;
    const quick = process.argv.includes('--quick');
    const json = process.argv.includes('--json');
    const inputs = new Map<string | null, SimilarityInput>();
    for (const model of models.length > 0 ? models : [null]) {
      inputs.set(model, joinSimilarityInput(tracks, await results.loadAll({ model })));
    }
    const input = [...inputs.values()][0];
    const all = readLabels(labelsFile);
    const labels = input.tracks.map((t) => {
      const p = t.path.replace(/\\/g, '/');
      return all.find((l) => p.endsWith(`/${l.path}`)) ?? null;
    });
    const labelled = labels.filter(Boolean).length;
    const styles = new Map<string, number>();
    for (const l of labels) if (l) styles.set(l.style, (styles.get(l.style) ?? 0) + 1);
    console.log(
      `quality bench: ${input.tracks.length} analysed tracks, ${labelled} labelled; styles ${[...styles].map(([s, c]) => `${s} ${c}`).join(', ')}`,
    );
    for (const [model, inp] of inputs) {
      const embedded = inp.embedding ? countNonZeroRows(inp.embedding.data, inp.embedding.dim) : 0;
      console.log(
        `embedding ${model ?? '(none)'}: ${inp.embedding ? `${inp.embedding.dim} d, ${embedded} of ${inp.tracks.length} tracks` : 'none (embedding rows fall back to features)'}; features: ${inp.featureNames.length} d`,
      );
    }
    if (input.tracks.length < 3) throw new Error('too few analysed tracks');

    const blend = (we: number, hub = true): Config => ({
      name: `blend e${we.toFixed(2)}/f${(1 - we).toFixed(2)}${hub ? '' : ' no-hub'}`,
      source: 'blend',
      config: { similarity: { embeddingWeight: we, featureWeight: 1 - we, hubnessReduction: hub } },
    });
    const perModel = (first: boolean): Config[] =>
      quick
        ? [
            { name: 'embedding', source: 'embedding' },
            { name: 'default (blend)', config: {} },
          ]
        : [
            { name: 'embedding', source: 'embedding' },
            {
              name: 'embedding no-hub',
              source: 'embedding',
              config: { similarity: { hubnessReduction: false } },
            },
            {
              name: 'embedding uncentred',
              source: 'embedding',
              config: { engine: { centerEmbedding: false } },
            },
            { name: 'default (blend)', config: {} },
            ...(first
              ? [
                  ...[0.3, 0.5, 0.6, 0.8, 0.9, 0.95].map((w) => blend(w)),
                  ...[0.6, 0.9].map((w) => blend(w, false)),
                ]
              : []),
          ];
    const shared: Config[] = quick
      ? [
          { name: 'features', source: 'features' },
          { name: 'random', random: true },
        ]
      : [
          { name: 'features', source: 'features' },
          {
            name: 'features no-hub',
            source: 'features',
            config: { similarity: { hubnessReduction: false } },
          },
          { name: 'random', random: true },
        ];
    const rows: { model: string | null; cfg: Config; inp: SimilarityInput; candidate: boolean }[] = [];
    [...inputs].forEach(([model, inp], k) => {
      for (const cfg of perModel(k === 0)) {
        // The configurations a default is chosen among (first model only): see --cv.
        const candidate = k === 0 && cfg.source !== undefined && cfg.name !== 'embedding uncentred';
        rows.push({ model, cfg, inp, candidate });
      }
    });
    for (const cfg of shared) rows.push({ model: null, cfg, inp: input, candidate: false });
    const pad = (s: string, w: number): string => s.padEnd(w);
    const perSource = process.argv.includes('--per-source');
    const sources = [...new Set(labels.map((l) => l?.source).filter((s): s is string => !!s))].sort();
    const bySource = (values: Float64Array): string =>
      sources
        .map((src) => {
          const v = [...values].filter((x, i) => labels[i]?.source === src && !Number.isNaN(x));
          return v.length ? `${src} ${(v.reduce((a, b) => a + b, 0) / v.length).toFixed(2)}` : '';
        })
        .filter(Boolean)
        .join(', ');
    // --query-sources a,b: also the figures over the queries from those sources only (a held-out
    // set analysed together with the dev corpus: its queries rank the whole library).
    const querySources = arg('query-sources')?.split(',').filter(Boolean) ?? null;
    const subsetMean = (values: Float64Array): { mean: number; n: number } => {
      const v = [...values].filter(
        (x, i) => !Number.isNaN(x) && querySources?.includes(labels[i]?.source ?? '') === true,
      );
      return { mean: v.reduce((a, b) => a + b, 0) / Math.max(1, v.length), n: v.length };
    };
    const subsetLine = (style: Float64Array, family: Float64Array): string => {
      const st = subsetMean(style);
      const fa = subsetMean(family);
      return `queries from ${querySources?.join(', ')}: style ${st.mean.toFixed(3)} (${st.n}), family ${fa.mean.toFixed(3)} (${fa.n})`;
    };
    if (!json) {
      console.log(
        `${pad('ranking', 34)} ${pad('styleP@10', 10)} ${pad('familyP@10', 11)} ${pad('sameSrc@10', 11)} ${pad('artistRep/20', 13)} skew(k=10)`,
      );
    }
    const measured: { name: string; candidate: boolean; f: Figures }[] = [];
    for (const { model, cfg, inp, candidate } of rows) {
      // Each model's rows are labelled by their own input (the same tracks in the same order).
      const f = evaluate(inp, labels, cfg);
      const name = model && !cfg.random && cfg.source !== 'features' ? `${model}: ${cfg.name}` : cfg.name;
      measured.push({ name, candidate, f });
      const { perQueryStyle, perQueryFamily, ...figures } = f;
      if (json) console.log(JSON.stringify({ ranking: name, model, ...figures }));
      else {
        console.log(
          `${pad(name, 34)} ${pad(f.styleP10.toFixed(3), 10)} ${pad(f.familyP10.toFixed(3), 11)} ${pad(f.sameSource.toFixed(3), 11)} ${pad(f.artistRepeats.toFixed(2), 13)} ${f.skew.toFixed(2)}`,
        );
        if (querySources) console.log(`${pad('', 34)} ${subsetLine(perQueryStyle, perQueryFamily)}`);
        if (perSource) console.log(`${pad('', 34)} style by source: ${bySource(perQueryStyle)}`);
        if (perSource) console.log(`${pad('', 34)} family by source: ${bySource(perQueryFamily)}`);
      }
    }
    if (process.argv.includes('--cv')) {
      const candidates = measured.filter((m) => m.candidate);
      for (const key of ['perQueryStyle', 'perQueryFamily'] as const) {
        const cv = leaveOneSourceOut(
          candidates.map((c) => ({ name: c.name, perQuery: c.f[key] })),
          labels.map((l) => l?.source ?? null),
        );
        const word = key === 'perQueryStyle' ? 'style' : 'family';
        const picks = cv.folds.map((f) => `${f.source} → ${f.pick} (${f.heldOut.toFixed(2)})`).join('; ');
        if (json) console.log(JSON.stringify({ cv: word, mean: cv.mean, folds: cv.folds }));
        else
          console.log(
            `leave-one-source-out ${word} P@10 over ${candidates.length} candidates: ${cv.mean.toFixed(3)}; ${picks}`,
          );
      }
    }
  } finally {
    await catalog.close();
  }
}

function countNonZeroRows(data: Float32Array, dim: number): number {
  let n = 0;
  for (let i = 0; i < data.length / dim; i++)
    if (data.subarray(i * dim, (i + 1) * dim).some((v) => v !== 0)) n++;
  return n;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
