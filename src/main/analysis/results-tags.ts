/**
 * Reading the tags stored with a model's results as a listener sees them: the music tags only
 * (genres, moods, instruments, vocals; never labels such as "Music" or "Speech"), best first,
 * from models whose results belong with the track's features.
 */
import type { Table } from '../store/db';
import { sqlString } from '../store/db';
import { fixedListColumn, listDim, parseJson, readNumber, readText, stringColumn } from '../store/columns';
import type { FeatureScalars, TagScore, TrackAnalysisInfo } from '../../shared/types';
import { featuresPartOf } from './version';
import { isMusicTag } from './models/tag-kinds';
import type { Stamp } from './results-tables';

/** What tag reading needs from the store. */
export interface TagSource {
  readonly analysis: Table | null;
  embeddingTables(): Iterable<Table>;
  tagNames(model: string): string[];
  /** Each track's analysis row (version and time). */
  stamps(): Promise<{ analysed: Map<string, Stamp> }>;
}

/**
 * What the UI shows about one track's analysis: its top music tags (genres, moods, instruments;
 * never labels such as "Music" or "Speech") for every model whose results it has.
 */
export async function readTrackInfo(
  source: TagSource,
  trackId: string,
  topTags: number,
): Promise<TrackAnalysisInfo | null> {
  const analysis = source.analysis;
  if (!analysis) return null;
  const rows = (await analysis
    .query()
    .where(`trackId = ${sqlString(trackId)}`)
    .select(['trackId', 'analysisVersion', 'analysedAt', 'scalars', 'models'])
    .limit(1)
    .toArray()) as Record<string, unknown>[];
  if (rows.length === 0) return null;
  const row = rows[0];
  const version = readText(row.analysisVersion);
  const features = featuresPartOf(version);
  const models: string[] = [];
  const tags: Record<string, TagScore[]> = {};
  for (const table of source.embeddingTables()) {
    const withTags = listDim(await table.schema(), 'tags') > 0;
    const t = await table
      .query()
      .where(`trackId = ${sqlString(trackId)}`)
      .select(['model', 'analysisVersion', ...(withTags ? ['tags'] : [])])
      .limit(1)
      .toArrow();
    if (t.numRows === 0 || featuresPartOf(stringColumn(t, 'analysisVersion')[0]) !== features) continue;
    const model = stringColumn(t, 'model')[0];
    models.push(model);
    if (!withTags) continue;
    const dim = listDim(t.schema, 'tags');
    const scores = fixedListColumn(t, 'tags', dim);
    const names = source.tagNames(model);
    tags[model] = Array.from(scores, (score, i) => ({ tag: names[i] ?? `tag${i}`, score }))
      .filter((s) => isMusicTag(s.tag, names))
      .sort((a, b) => b.score - a.score)
      .slice(0, topTags);
  }
  // The models of this track's latest analysis first, then the others by name.
  const latest = parseJson<string[]>(row.models, []);
  models.sort((a, b) => Number(latest.includes(b)) - Number(latest.includes(a)) || a.localeCompare(b));
  return {
    trackId,
    analysisVersion: version,
    analysedAt: readNumber(row.analysedAt),
    features: parseJson<FeatureScalars>(row.scalars, {} as FeatureScalars),
    tags,
    models,
  };
}

/**
 * The top music tags (genres, moods, instruments, vocals) of many tracks at once, per model
 * whose results are usable with the track's features: trackId → model → tags, best first.
 */
export async function readMusicTags(
  source: TagSource,
  trackIds: Iterable<string>,
  top: number,
): Promise<Map<string, Record<string, TagScore[]>>> {
  const wanted = new Set(trackIds);
  const out = new Map<string, Record<string, TagScore[]>>();
  if (wanted.size === 0) return out;
  const { analysed: rows } = await source.stamps();
  for (const table of source.embeddingTables()) {
    if (listDim(await table.schema(), 'tags') === 0) continue;
    const t = await table.query().select(['trackId', 'model', 'analysisVersion', 'tags']).toArrow();
    const dim = listDim(t.schema, 'tags');
    const values = fixedListColumn(t, 'tags', dim);
    const ids = stringColumn(t, 'trackId');
    const versions = stringColumn(t, 'analysisVersion');
    const model = stringColumn(t, 'model')[0];
    const names = source.tagNames(model);
    const shown = names.map((n) => isMusicTag(n, names));
    ids.forEach((id, j) => {
      const row = rows.get(id);
      if (!wanted.has(id) || !row || featuresPartOf(row.version) !== featuresPartOf(versions[j])) return;
      const scores: TagScore[] = [];
      for (let k = 0; k < dim; k++) {
        if (shown[k]) scores.push({ tag: names[k] ?? `tag${k}`, score: values[j * dim + k] });
      }
      scores.sort((a, b) => b.score - a.score);
      const entry = out.get(id) ?? {};
      entry[model] = scores.slice(0, top);
      out.set(id, entry);
    });
  }
  return out;
}
