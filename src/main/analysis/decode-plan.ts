/**
 * Which rates a track is decoded at for a model, and whether the features' rate is derived from
 * the decoded one (see analyze-track.ts for the measurements behind the choice). The bench asks it
 * too, to time ffmpeg alone at the same rates.
 */
import { FEATURE_SAMPLE_RATE as FEATURE_RATE } from './features/extract';

/** Where the features' PCM comes from, for a model's rate. */
export interface DecodePlan {
  /** Rates ffmpeg produces (the first one is decoded for sure). */
  rates: number[];
  /** Whether the features' 16 kHz PCM is made by halving the first rate. */
  halve: boolean;
}

/** The decode for a model at `modelRate` Hz (null: features only). */
export function decodePlan(modelRate: number | null): DecodePlan {
  if (modelRate === null || modelRate === FEATURE_RATE) return { rates: [FEATURE_RATE], halve: false };
  if (modelRate === 2 * FEATURE_RATE) return { rates: [modelRate], halve: true };
  return { rates: [FEATURE_RATE, modelRate], halve: false };
}
