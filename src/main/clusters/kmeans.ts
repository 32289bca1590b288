/**
 * k-means: greedy k-means++ seeding, several restarts, Hamerly's bounds so that iterations after the first
 * few skip most distance computations. For large n the restarts run on a deterministic sample and
 * the best seeding is then refined on every row (the restarts only choose where to start; the
 * final centres are fitted to all the data).
 *
 * Ours rather than ml-kmeans: ml-kmeans works on arrays of arrays with plain Lloyd iterations; see
 * bench/clusters.ts (step kmeans-ml) compares them; at 20,000 × 384 ours meets the 3 s floor.
 */
import {
  type Matrix,
  type RunControl,
  checkAbort,
  sampleIndices,
  seededRandom,
  sqDist,
  takeRows,
} from './matrix';

export interface KMeansOptions extends RunControl {
  k: number;
  /** Independent k-means++ seedings; the lowest inertia wins. */
  restarts?: number;
  maxIterations?: number;
  /** Stop when no centre moves more than this fraction of the data's spread. */
  tolerance?: number;
  seed?: number;
  /** Above twice this many rows the restarts run on a sample of this size. */
  sampleSize?: number;
}

export interface KMeansResult {
  labels: Int32Array;
  /** k × dim, row-major. */
  centres: Float32Array;
  k: number;
  /** Sum of squared distances to the assigned centre. */
  inertia: number;
  iterations: number;
}

/**
 * Greedy k-means++ (as scikit-learn does it): each next centre is the best, by the summed squared
 * distance it leaves, of 2 + ⌊ln k⌋ candidates drawn with probability proportional to D², the
 * squared distance to the nearest centre so far. The extra candidates avoid most of the bad
 * seedings plain k-means++ makes with many clusters.
 */
export function kmeansPlusPlus(m: Matrix, k: number, random: () => number): Float32Array {
  const { data, n, dim } = m;
  const centres = new Float32Array(k * dim);
  const nearest = new Float64Array(n);
  const trial = new Float64Array(n);
  const bestTrial = new Float64Array(n);
  const tries = 2 + Math.floor(Math.log(k));
  const first = Math.floor(random() * n);
  centres.set(data.subarray(first * dim, (first + 1) * dim), 0);
  let total = 0;
  for (let i = 0; i < n; i++) {
    nearest[i] = sqDist(data, i, centres, 0, dim);
    total += nearest[i];
  }
  for (let c = 1; c < k; c++) {
    let chosen = -1;
    let chosenTotal = Infinity;
    for (let t = 0; t < tries; t++) {
      let candidate = Math.floor(random() * n);
      if (total > 0) {
        let target = random() * total;
        candidate = n - 1;
        for (let i = 0; i < n; i++) {
          target -= nearest[i];
          if (target <= 0) {
            candidate = i;
            break;
          }
        }
      }
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const d = sqDist(data, i, data, candidate, dim);
        trial[i] = d < nearest[i] ? d : nearest[i];
        sum += trial[i];
      }
      if (sum < chosenTotal) {
        chosenTotal = sum;
        chosen = candidate;
        bestTrial.set(trial);
      }
    }
    centres.set(data.subarray(chosen * dim, (chosen + 1) * dim), c * dim);
    nearest.set(bestTrial);
    total = chosenTotal;
  }
  return centres;
}

/** Lloyd iterations with Hamerly's upper/lower bounds, from `initial` centres (modified copy returned). */
export function refine(
  m: Matrix,
  initial: Float32Array,
  k: number,
  maxIterations: number,
  tolerance: number,
  control: RunControl = {},
): KMeansResult {
  const { data, n, dim } = m;
  const centres = Float32Array.from(initial);
  const labels = new Int32Array(n);
  const upper = new Float64Array(n);
  const lower = new Float64Array(n);
  const halfGap = new Float64Array(k);
  const shift = new Float64Array(k);
  const sums = new Float64Array(k * dim);
  const counts = new Int32Array(k);
  const previous = new Float32Array(k * dim);

  const assignFully = (i: number): void => {
    let best = Infinity;
    let second = Infinity;
    let bestC = 0;
    for (let c = 0; c < k; c++) {
      const d = sqDist(data, i, centres, c, dim);
      if (d < best) {
        second = best;
        best = d;
        bestC = c;
      } else if (d < second) second = d;
    }
    labels[i] = bestC;
    upper[i] = Math.sqrt(best);
    lower[i] = Math.sqrt(second);
  };
  for (let i = 0; i < n; i++) assignFully(i);

  // The spread sets the scale of the stopping tolerance.
  let spread = 0;
  for (let i = 0; i < n; i++) spread += upper[i] * upper[i];
  const stopShift = tolerance * Math.sqrt(spread / Math.max(1, n));

  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    checkAbort(control.signal);
    control.onProgress?.({ step: 'kmeans', done: iterations, total: maxIterations });
    // New centres from the current assignment.
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const c = labels[i];
      counts[c]++;
      const o = i * dim;
      const oc = c * dim;
      for (let d = 0; d < dim; d++) sums[oc + d] += data[o + d];
    }
    previous.set(centres);
    const reseeded = new Set<number>();
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) {
        // An empty cluster restarts at the row farthest from its centre (the bounds stay valid:
        // the jump is this centre's shift).
        let far = -1;
        for (let i = 0; i < n; i++) if (!reseeded.has(i) && (far < 0 || upper[i] > upper[far])) far = i;
        reseeded.add(far);
        centres.set(data.subarray(far * dim, (far + 1) * dim), c * dim);
        continue;
      }
      const oc = c * dim;
      for (let d = 0; d < dim; d++) centres[oc + d] = sums[oc + d] / counts[c];
    }
    let maxShift = 0;
    let secondShift = 0;
    let maxShiftC = -1;
    for (let c = 0; c < k; c++) {
      shift[c] = Math.sqrt(sqDist(centres, c, previous, c, dim));
      if (shift[c] > maxShift) {
        secondShift = maxShift;
        maxShift = shift[c];
        maxShiftC = c;
      } else if (shift[c] > secondShift) secondShift = shift[c];
    }
    if (maxShift <= stopShift && iterations > 0) break;
    for (let i = 0; i < n; i++) {
      const a = labels[i];
      upper[i] += shift[a];
      lower[i] -= a === maxShiftC ? secondShift : maxShift;
    }
    // Half the distance from each centre to its nearest other centre.
    for (let c = 0; c < k; c++) {
      let best = Infinity;
      for (let c2 = 0; c2 < k; c2++) {
        if (c2 === c) continue;
        const d = sqDist(centres, c, centres, c2, dim);
        if (d < best) best = d;
      }
      halfGap[c] = k > 1 ? Math.sqrt(best) / 2 : Infinity;
    }
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const a = labels[i];
      const bound = Math.max(halfGap[a], lower[i]);
      if (upper[i] <= bound) continue;
      upper[i] = Math.sqrt(sqDist(data, i, centres, a, dim));
      if (upper[i] <= bound) continue;
      assignFully(i);
      if (labels[i] !== a) changed++;
    }
    // Unchanged labels give unchanged centres: converged.
    if (changed === 0 && reseeded.size === 0) {
      iterations++;
      break;
    }
  }
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += sqDist(data, i, centres, labels[i], dim);
  return { labels, centres, k, inertia, iterations };
}

export function kmeans(m: Matrix, options: KMeansOptions): KMeansResult {
  const { k, restarts = 3, maxIterations = 100, tolerance = 1e-4, seed = 1, sampleSize = 4096 } = options;
  if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, not ${k}`);
  if (k > m.n) throw new Error(`k = ${k} exceeds the ${m.n} rows`);
  const random = seededRandom(seed);
  const onSample = m.n > 2 * sampleSize;
  const fitOn = onSample ? takeRows(m, sampleIndices(m.n, sampleSize, random)) : m;
  let best: KMeansResult | undefined;
  for (let r = 0; r < Math.max(1, restarts); r++) {
    checkAbort(options.signal);
    options.onProgress?.({ step: 'kmeans restarts', done: r, total: restarts });
    const fitted = refine(fitOn, kmeansPlusPlus(fitOn, k, random), k, maxIterations, tolerance, {
      signal: options.signal,
    });
    if (!best || fitted.inertia < best.inertia) best = fitted;
  }
  if (!best) throw new Error('no restart ran');
  return onSample ? refine(m, best.centres, k, maxIterations, tolerance, options) : best;
}
