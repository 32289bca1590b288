/**
 * Reductions before clustering and for the map. UMAP runs after PCA to ≤ 50 dimensions when the
 * input has more (the usual preprocessing: the neighbour search gets cheaper, the neighbours
 * hardly change).
 */
import type { Matrix } from './matrix';
import { pca } from './reduce-pca';
import { type UmapOptions, umap as umapOnRows } from './umap';

export { fitPca, pca, projectPca, type PcaModel, type PcaOptions } from './reduce-pca';
export type { UmapOptions } from './umap';

export async function umap(m: Matrix, options: UmapOptions & { preReduceTo?: number }): Promise<Matrix> {
  const { preReduceTo = 50, ...rest } = options;
  const input = m.dim > preReduceTo ? pca(m, { components: preReduceTo, seed: options.seed }) : m;
  return umapOnRows(input, rest);
}
