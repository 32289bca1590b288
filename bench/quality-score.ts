/**
 * The quality scorer shared by the quality benches (bench/quality.ts, bench/effat-windows.ts): the
 * labels file, the figures of one ranking configuration over a labelled corpus (see quality.ts for
 * their definitions) and the leave-one-source-out choice among configurations.
 */
import { readFileSync } from 'node:fs';
import { SimilarityEngine } from '../src/main/similarity/engine';
import type { EngineConfig } from '../src/main/similarity/engine';
import type { SimilarityInput } from '../src/main/similarity/corpus';
import { kOccurrence, skewness } from '../src/main/similarity/hubness';
import { rng } from '../src/main/similarity/vectors';

export interface Label {
  path: string;
  source: string;
  artist: string;
  style: string;
}

const ELECTRONIC = new Set(['electronic', 'ambient-electronic', 'tracker-module']);
export const family = (style: string): string => (ELECTRONIC.has(style) ? 'electronic-family' : style);

export function readLabels(file: string): Label[] {
  const lines = readFileSync(file, 'utf8').split(/\r?\n/).filter(Boolean);
  const header = lines[0].split(',');
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`labels: no ${name} column`);
    return i;
  };
  const [p, s, a, st] = [col('path'), col('source'), col('artist'), col('style')];
  // Paths and names here contain no quoted commas; a quoted field would break this split.
  return lines.slice(1).map((l) => {
    const f = l.split(',');
    return { path: f[p], source: f[s], artist: f[a], style: f[st] };
  });
}

export interface Config {
  name: string;
  config?: EngineConfig;
  source?: 'embedding' | 'features' | 'blend';
  random?: boolean;
}

export interface Figures {
  /** Per query (row order), NaN where the query was skipped. */
  perQueryStyle: Float64Array;
  perQueryFamily: Float64Array;
  styleP10: number;
  familyP10: number;
  sameSource: number;
  artistRepeats: number;
  skew: number;
  queries: number;
}

export function evaluate(input: SimilarityInput, labels: (Label | null)[], cfg: Config): Figures {
  const n = input.tracks.length;
  const ids = input.tracks.map((t) => t.id);
  const rowOf = new Map(ids.map((id, i) => [id, i]));
  const engine = cfg.random ? null : SimilarityEngine.build(input, cfg.config ?? {});
  const random = rng(99);
  const ranking = (q: number): number[] => {
    if (!engine) {
      const others = [...Array(n).keys()].filter((i) => i !== q);
      for (let i = others.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [others[i], others[j]] = [others[j], others[i]];
      }
      return others;
    }
    return engine
      .similar({ seed: { kind: 'track', id: ids[q] }, k: n - 1, source: cfg.source })
      .results.map((r) => rowOf.get(r.track.id) as number);
  };
  let styleSum = 0;
  let styleQ = 0;
  let famSum = 0;
  let famQ = 0;
  let same = 0;
  let sameQ = 0;
  let repeats = 0;
  let repeatQ = 0;
  const knn: number[][] = [];
  const perQueryStyle = new Float64Array(n).fill(NaN);
  const perQueryFamily = new Float64Array(n).fill(NaN);
  for (let q = 0; q < n; q++) {
    const rank = ranking(q);
    knn.push(rank.slice(0, 10));
    const lq = labels[q];
    if (!lq) continue;
    const top = rank.slice(0, 10);
    same += top.filter((i) => labels[i]?.source === lq.source).length / Math.max(1, top.length);
    sameQ++;
    const others = rank.filter((i) => labels[i] && labels[i]!.source !== lq.source);
    const p10 = (key: (l: Label) => string): number | null => {
      const want = key(lq);
      const available = others.filter((i) => key(labels[i]!) === want).length;
      if (available === 0) return null;
      const hits = others.slice(0, 10).filter((i) => key(labels[i]!) === want).length;
      return hits / Math.min(10, available);
    };
    const s = p10((l) => l.style);
    if (s !== null) {
      styleSum += s;
      styleQ++;
      perQueryStyle[q] = s;
    }
    const f = p10((l) => family(l.style));
    if (f !== null) {
      famSum += f;
      famQ++;
      perQueryFamily[q] = f;
    }
    // Artist repeats in a 20-track queue.
    let queue: number[];
    if (engine) {
      queue = engine
        .queue({ seed: { kind: 'track', id: ids[q] }, length: 20, source: cfg.source })
        .tracks.map((t) => rowOf.get(t.track.id) as number);
    } else queue = rank.slice(0, 20);
    // "unknown" artists are not one artist: they never count as a repeat.
    const known = (a: string | undefined): a is string => !!a && a !== 'unknown' && a !== 'Unknown Artist';
    const seen = new Set(known(lq.artist) ? [lq.artist] : []);
    for (const i of queue) {
      const a = labels[i]?.artist;
      if (!known(a)) continue;
      if (seen.has(a)) repeats++;
      seen.add(a);
    }
    repeatQ++;
  }
  return {
    perQueryStyle,
    perQueryFamily,
    styleP10: styleSum / Math.max(1, styleQ),
    familyP10: famSum / Math.max(1, famQ),
    sameSource: same / Math.max(1, sameQ),
    artistRepeats: repeats / Math.max(1, repeatQ),
    skew: skewness(kOccurrence(knn, n)),
    queries: styleQ,
  };
}

/**
 * Leave one source out: for each source with queries, the candidate with the best mean over the
 * other sources' queries is scored on the held-out source's queries; the mean is over all held-out
 * queries (each query counts once, as in the plain figure).
 */
export function leaveOneSourceOut(
  candidates: { name: string; perQuery: Float64Array }[],
  sourceOf: (string | null)[],
): { mean: number; folds: { source: string; pick: string; heldOut: number; queries: number }[] } {
  const mean = (v: Float64Array, keep: (i: number) => boolean): number => {
    let s = 0;
    let c = 0;
    v.forEach((x, i) => {
      if (keep(i) && !Number.isNaN(x)) {
        s += x;
        c++;
      }
    });
    return c > 0 ? s / c : NaN;
  };
  const sources = [...new Set(sourceOf.filter((s): s is string => s !== null))].sort();
  const folds: { source: string; pick: string; heldOut: number; queries: number }[] = [];
  let sum = 0;
  let count = 0;
  for (const src of sources) {
    const inFold = (i: number): boolean => sourceOf[i] === src;
    const queries = [...candidates[0].perQuery].filter((x, i) => inFold(i) && !Number.isNaN(x)).length;
    if (queries === 0) continue;
    let best = candidates[0];
    let bestMean = -Infinity;
    for (const c of candidates) {
      const m = mean(c.perQuery, (i) => sourceOf[i] !== null && !inFold(i));
      // Ties keep the earlier (simpler) candidate.
      if (m > bestMean + 1e-12) {
        best = c;
        bestMean = m;
      }
    }
    const heldOut = mean(best.perQuery, inFold);
    folds.push({ source: src, pick: best.name, heldOut, queries });
    sum += heldOut * queries;
    count += queries;
  }
  return { mean: count > 0 ? sum / count : NaN, folds };
}
