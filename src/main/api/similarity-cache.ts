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

export class SimilarityCache {
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
    this.ready = null;
  }

  async engine(): Promise<SimilarityEngine> {
    if (this.ready && this.builtGeneration === this.generation) return this.ready;
    const rebuild = this.startBuild();
    if (this.ready) {
      rebuild.catch(() => undefined);
      return this.ready;
    }
    return rebuild;
  }

  private startBuild(): Promise<SimilarityEngine> {
    if (this.building) return this.building;
    const generation = this.generation;
    const building = this.build().then(
      (engine) => {
        this.building = null;
        this.ready = engine;
        this.builtGeneration = generation;
        return engine;
      },
      (err: unknown) => {
        this.building = null;
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
