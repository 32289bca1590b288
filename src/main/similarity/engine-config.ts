/**
 * What `SimilarityEngine.build` is configured with: the app's similarity settings and variety
 * rules (or part of them) plus internal knobs, resolved over the defaults.
 */
import type { Settings, VarietyRules } from '../../shared/types';
import type { Rules } from './arrange';
import { defaultEngineSettings, type EngineSettings } from './corpus';
import { defaultVariety } from './rules';

/** What `build` accepts: the app's Settings (or part of it) plus optional internal knobs. */
export interface EngineConfig {
  similarity?: Partial<Settings['similarity']>;
  variety?: Partial<VarietyRules>;
  engine?: Partial<EngineSettings>;
}

/** The engine settings and variety rules a config means (unset fields keep their defaults). */
export function resolveEngineConfig(config: EngineConfig): { settings: EngineSettings; variety: Rules } {
  const sim = config.similarity ?? {};
  const settings: EngineSettings = {
    ...defaultEngineSettings,
    ...(sim.source !== undefined ? { source: sim.source } : {}),
    ...(sim.embeddingWeight !== undefined ? { embeddingWeight: sim.embeddingWeight } : {}),
    ...(sim.featureWeight !== undefined ? { featureWeight: sim.featureWeight } : {}),
    ...(sim.hubnessReduction !== undefined ? { hubnessReduction: sim.hubnessReduction } : {}),
    ...config.engine,
  };
  if (settings.embeddingWeight + settings.featureWeight <= 0) {
    settings.embeddingWeight = defaultEngineSettings.embeddingWeight;
    settings.featureWeight = defaultEngineSettings.featureWeight;
  }
  const variety: Rules = {
    ...defaultVariety,
    recentlyPlayed: [],
    ...stripUndefined(config.variety ?? {}),
  } as Rules;
  return { settings, variety };
}

/** The fields that are set: spreading it over defaults keeps a default where a field is undefined. */
export function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
