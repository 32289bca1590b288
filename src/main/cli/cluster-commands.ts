/** Cluster commands: cluster, clusters, map. */
import type { Request } from '../../shared/contract';
import {
  call,
  checkRequest,
  intOption,
  resolveTrack,
  UsageError,
  type Command,
  type CommandContext,
  type Values,
} from './common';
import { printJson } from './output';

/** `timbre cluster`: group the analysed library by sound. */
function clusterRequest(values: Values): Request<'clusters.run'> {
  const k = intOption(values, 'k');
  const algorithm = (values.algo ??
    (k !== undefined ? 'kmeans' : 'auto')) as Request<'clusters.run'>['algorithm'];
  const space = values.space as Request<'clusters.run'>['space'];
  return { algorithm, space, k, where: values.where };
}

async function clusterRun({ service, values, status }: CommandContext): Promise<number> {
  if (!values.json) status.show('clustering…');
  const runResult = await call(service, 'clusters.run', clusterRequest(values));
  status.clear();
  if (values.json) printJson(runResult);
  else {
    const sc = runResult.metrics.scores;
    const fmt = (v: number | null | undefined, d: number) => (v == null ? '–' : v.toFixed(d));
    console.log(
      `Run ${runResult.id}: ${runResult.algorithm} ${JSON.stringify(runResult.params)} on ${runResult.trackCount} tracks (${runResult.space}${runResult.subset ? `, where ${runResult.subset}` : ''}), ${runResult.seconds.toFixed(1)} s`,
    );
    if (sc)
      console.log(
        `${sc.clusters} clusters, noise ${(sc.noiseShare * 100).toFixed(0)} %, silhouette ${fmt(sc.silhouette, 3)}, Davies–Bouldin ${fmt(sc.daviesBouldin, 3)}, Calinski–Harabasz ${fmt(sc.calinskiHarabasz, 1)}`,
      );
    console.log(
      `${runResult.metrics.candidates.length} candidates scored${runResult.metrics.rule ? `; ${runResult.metrics.rule}` : ''}`,
    );
  }
  return 0;
}

/** `timbre clusters`: the active run's clusters. */
function clustersCheck(_values: Values, args: string[]): void {
  if (args.length > 1) throw new UsageError('clusters takes at most one track (why it is in its cluster)');
}

async function clustersRun({ service, values, args }: CommandContext): Promise<number> {
  if (args.length === 1) return whyCommand(service, args[0], values.json === true);
  const list = await call(service, 'clusters.list', {});
  if (values.json) printJson(list);
  else if (!list.run) console.log('No clusters yet: run `timbre cluster`.');
  else {
    console.log(
      `Run ${list.run.id}: ${list.run.algorithm} ${JSON.stringify(list.run.params)}, ${list.clusters.length} clusters${list.run.stale ? ' — STALE: the analysed library changed, run `timbre cluster` again' : ''}`,
    );
    for (const c of list.clusters) {
      console.log(`\n#${c.id} ${c.name} (${c.size} tracks, cohesion ${c.cohesion.toFixed(2)})`);
      if (c.topTags.length) console.log(`  tags: ${c.topTags.map((t) => t.tag).join(', ')}`);
      if (c.distinctive.length)
        console.log(
          `  sets it apart: ${c.distinctive.map((d) => `${d.word} (${d.effect >= 0 ? '+' : ''}${d.effect.toFixed(1)} sd)`).join(', ')}`,
        );
      for (const r of c.representatives) console.log(`  - ${r.artist} – ${r.title}  [${r.id}]`);
    }
    if (list.noiseIds.length) console.log(`\n${list.noiseIds.length} tracks in no cluster (noise)`);
  }
  return 0;
}

/** `timbre clusters TRACK`: why the track is in its cluster, feature by feature. */
async function whyCommand(service: CommandContext['service'], ref: string, json: boolean): Promise<number> {
  const track = await resolveTrack(service, ref);
  const why = await call(service, 'clusters.why', { id: track.id });
  if (json) printJson(why);
  else if (why.clusterId < 0)
    console.log(`${track.artist} – ${track.title} is in no cluster (noise) of run ${why.runId}.`);
  else {
    console.log(
      `${track.artist} – ${track.title} is in #${why.clusterId} ${why.clusterName ?? ''} because it is:`,
    );
    for (const r of why.reasons) console.log(`  - ${r.phrase}  (+${r.contribution.toFixed(2)})`);
    if (why.reasons.length === 0)
      console.log('  (no feature stands out: it sits near the middle of the cluster and the library)');
  }
  return 0;
}

/** `timbre map`: 2-D map coordinates of every track. */
const mapRequest = (values: Values): Request<'clusters.map'> => ({
  method: (values.method ?? 'umap') as Request<'clusters.map'>['method'],
});

async function mapRun({ service, values }: CommandContext): Promise<number> {
  const map = await call(service, 'clusters.map', mapRequest(values));
  if (values.json) printJson(map);
  else if (!map.runId) console.log('No clusters yet: run `timbre cluster`.');
  else {
    if (map.stale) console.log('# stale: the analysed library changed since this run');
    console.log('trackId\tx\ty\tcluster');
    for (const p of map.points) console.log(`${p.id}\t${p.x.toFixed(4)}\t${p.y.toFixed(4)}\t${p.clusterId}`);
  }
  return 0;
}

export const clusterCommand: Command = {
  check: (values) => checkRequest('clusters.run', clusterRequest(values)),
  run: clusterRun,
};
export const clustersCommand: Command = { check: clustersCheck, run: clustersRun };
export const mapCommand: Command = {
  check: (values) => checkRequest('clusters.map', mapRequest(values)),
  run: mapRun,
};
