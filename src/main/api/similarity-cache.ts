/**
 * Keeps one similarity engine built over the latest analysis results; rebuilt lazily after a
 * scan, new analysis results or a settings change marked it stale.
 */
import type { Settings } from '../../shared/types';
import { ApiError } from '../../shared/contract';
import type { ResultsStore } from '../analysis/results-store';
import type { Catalog } from '../library/catalog';
import { SimilarityEngine } from '../similarity/engine';
import { loadSimilarityInput } from '../similarity/load';

export class SimilarityCache {
  private current: Promise<SimilarityEngine> | null = null;
  private generation = 0;

  constructor(
    private readonly catalog: Catalog,
    private readonly results: ResultsStore,
    private readonly settings: () => Promise<Settings>,
  ) {}

  invalidate(): void {
    this.generation++;
    this.current = null;
  }

  engine(): Promise<SimilarityEngine> {
    if (this.current) return this.current;
    const generation = this.generation;
    const building = this.build();
    this.current = building;
    // A failed build is not cached, and a build overtaken by newer data is not kept.
    building.then(
      () => {
        if (generation !== this.generation && this.current === building) this.current = null;
      },
      () => {
        if (this.current === building) this.current = null;
      },
    );
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
