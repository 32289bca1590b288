/**
 * The measurement behind the similarity engine's choice of index: LanceDB's IVF_HNSW_SQ (the
 * index the design names) against the engine's own in-memory IVF, on the same synthetic 100k
 * embedding vectors, both checked against an exact scan. Prints build time, p50/p95 latency of a
 * k=10 query and recall@10. `--k 200` measures the candidate fetch behind a 50-track queue (its
 * pool of 100 over-fetched ×2 for hubness re-ranking).
 *   npx tsx bench/lancedb-ann.ts [--tracks 100000] [--queries 200] [--k 10]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { syntheticCatalog } from '../test/helpers/synthetic';
import { SimilarityEngine } from '../src/main/similarity/engine';
import { rng } from '../src/main/similarity/vectors';

process.env.LANCEDB_LOG ??= 'error';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const n = Number(arg('tracks', '100000'));
const queries = Number(arg('queries', '200'));
const k = Number(arg('k', '10'));
const dim = 200;
const pct = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))];

function exactTop(data: Float32Array, q: Float32Array, k: number, skip: number): number[] {
  const best: { i: number; s: number }[] = [];
  for (let i = 0; i < n; i++) {
    if (i === skip) continue;
    let s = 0;
    const o = i * dim;
    for (let j = 0; j < dim; j++) s += data[o + j] * q[j];
    if (best.length < k || s > best[best.length - 1].s) {
      best.push({ i, s });
      best.sort((a, b) => b.s - a.s);
      if (best.length > k) best.pop();
    }
  }
  return best.map((b) => b.i);
}

async function main(): Promise<void> {
  const cat = syntheticCatalog({
    tracks: n,
    artists: Math.round(n * 0.08),
    albums: Math.round(n * 0.12),
    embeddingDim: dim,
    featureDim: 60,
  });
  const raw = cat.input.embedding!.data;
  const data = new Float32Array(raw.length);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += raw[i * dim + j] ** 2;
    const inv = 1 / Math.sqrt(norm || 1);
    for (let j = 0; j < dim; j++) data[i * dim + j] = raw[i * dim + j] * inv;
  }
  const r = rng(11);
  const probes = Array.from({ length: queries }, () => Math.floor(r() * n));
  const truth = probes.map((p) => new Set(exactTop(data, data.subarray(p * dim, (p + 1) * dim), k, p)));

  // LanceDB IVF_HNSW_SQ.
  const dir = await mkdtemp(join(tmpdir(), 'timbre-lance-ann-'));
  try {
    const db = await lancedb.connect(dir);
    const rows = Array.from({ length: n }, (_, i) => ({
      i,
      vector: Array.from(data.subarray(i * dim, (i + 1) * dim)),
    }));
    let t0 = performance.now();
    const table = await db.createTable('v', rows);
    const createMs = performance.now() - t0;
    t0 = performance.now();
    await table.createIndex('vector', { config: lancedb.Index.hnswSq({ distanceType: 'cosine' }) });
    const indexMs = performance.now() - t0;
    for (const ef of k > 10 ? [0, 2 * k] : [0, 64, 150]) {
      const times: number[] = [];
      let recall = 0;
      for (let q = 0; q < queries; q++) {
        const p = probes[q];
        const a = performance.now();
        let query = table
          .vectorSearch(data.subarray(p * dim, (p + 1) * dim))
          .distanceType('cosine')
          .limit(k + 1);
        if (ef > 0) query = query.ef(ef);
        const hits = (await query.toArray()) as { i: number }[];
        times.push(performance.now() - a);
        const got = hits
          .map((h) => h.i)
          .filter((i) => i !== p)
          .slice(0, k);
        recall += got.filter((i) => truth[q].has(i)).length / k;
      }
      console.log(
        `LanceDB IVF_HNSW_SQ (ef ${ef || 'default'}): create ${createMs.toFixed(0)} ms + index ${indexMs.toFixed(0)} ms; ` +
          `k=${k} p50 ${pct(times, 0.5).toFixed(2)} ms, p95 ${pct(times, 0.95).toFixed(2)} ms; recall@${k} ${(recall / queries).toFixed(3)}`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  // The engine's in-memory IVF on the same vectors (embedding space, no hubness re-ranking).
  const input = { ...cat.input, embedding: { model: 'synthetic', dim, data } };
  const t0 = performance.now();
  const engine = SimilarityEngine.build(input, {
    similarity: { source: 'embedding', hubnessReduction: false },
    engine: { centerEmbedding: false },
  });
  const buildMs = performance.now() - t0;
  const times: number[] = [];
  let recall = 0;
  for (let q = 0; q < queries; q++) {
    const a = performance.now();
    const res = engine.similar({
      seed: { kind: 'track', id: cat.input.tracks[probes[q]].id },
      k,
      source: 'embedding',
    });
    times.push(performance.now() - a);
    recall += res.results.filter((x) => truth[q].has(Number(x.track.id.slice(1)))).length / k;
  }
  console.log(
    `Timbre in-memory IVF: build ${buildMs.toFixed(0)} ms; k=${k} p50 ${pct(times, 0.5).toFixed(2)} ms, p95 ${pct(times, 0.95).toFixed(2)} ms; recall@${k} ${(recall / queries).toFixed(3)}`,
  );
}

await main();
