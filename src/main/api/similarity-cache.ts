/**
 * Keeps one similarity engine built over the latest analysis results. After a scan, new analysis
 * results or a settings change mark it stale, queries keep being answered by the stale engine
 * while one rebuild runs in the background (a rebuild takes seconds on a large library); only the
 * very first query, or one after a settings change, waits for a build.
 */
import type { Settings } from '../../shared/types';
import { ApiError } from '../../shared/contract';
import type { ResultsStore } from '../analysis/results-store';
import type { Catalog } from '../library/catalog';
import { SimilarityEngine } from '../similarity/engine';
import { loadSimilarityInput } from '../similarity/load';

/**
 * While analysis writes results every few seconds, a stale engine is rebuilt no sooner than a few
 * build times after the last rebuild started (a 100k library takes ~20 s of CPU that the analysis
 * also wants; a small one rebuilds almost at once), and never less often than this.
 */
const MAX_REBUILD_INTERVAL_MS = 30_000;
const REBUILD_INTERVAL_PER_BUILD = 5;

export class SimilarityCache {
  private lastBuildStartedAt = 0;
  private lastBuildMs = 0;
  /** Bumped by reset(): a build started before it must never be served. */
  private epoch = 0;
  private ready: SimilarityEngine | null = null;
  private building: Promise<SimilarityEngine> | null = null;
  /** Bumped by every invalidation; an engine built from an older generation is stale. */
  private generation = 0;
  private builtGeneration = -1;

  constructor(
    private readonly catalog: Catalog,
    private readonly results: ResultsStore,
    private readonly settings: () => Promise<Settings>,
  ) {}

  /** New data: the current engine may still answer while a fresh one is built. */
  invalidate(): void {
    this.generation++;
  }

  /** Settings changed what answers mean: never answer with the old engine again. */
  reset(): void {
    this.generation++;
    this.epoch++;
    this.ready = null;
    this.building = null;
  }

  async engine(): Promise<SimilarityEngine> {
    if (this.ready && this.builtGeneration === this.generation) return this.ready;
    if (this.ready) {
      const interval = Math.min(MAX_REBUILD_INTERVAL_MS, REBUILD_INTERVAL_PER_BUILD * this.lastBuildMs);
      if (Date.now() - this.lastBuildStartedAt >= interval) {
        this.startBuild().catch(() => undefined);
      }
      return this.ready;
    }
    return this.startBuild();
  }

  private startBuild(): Promise<SimilarityEngine> {
    if (this.building) return this.building;
    const generation = this.generation;
    const epoch = this.epoch;
    const startedAt = Date.now();
    this.lastBuildStartedAt = startedAt;
    const building = this.build().then(
      (engine) => {
        if (epoch !== this.epoch) return this.engine();
        this.building = null;
        this.ready = engine;
        this.builtGeneration = generation;
        this.lastBuildMs = Date.now() - startedAt;
        return engine;
      },
      (err: unknown) => {
        if (this.building === building) this.building = null;
        throw err;
      },
    );
    this.building = building;
    return building;
  }

  private async build(): Promise<SimilarityEngine> {
    const input = await loadSimilarityInput(this.catalog, this.results);
    if (input.tracks.length === 0) {
      throw new ApiError('unavailable', 'No analysed tracks yet: scan a folder and run the analysis first.');
    }
    return SimilarityEngine.build(input, await this.settings());
  }
}
