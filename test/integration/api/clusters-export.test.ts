/**
 * Clustering runs with progress and cancel, and their exports, on a real (small) library: scan and
 * analyse the fixtures (features only), start a run in the worker process through the contract
 * and follow its `clusters.progress` events, cancel one, export CSV and M3U through the contract,
 * then `timbre export` from the CLI (files written, usage errors exit 2).
 */
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTimbre, type CliResult } from '../../helpers/cli';
import { createService, type CoreService } from '../../../src/main/api/service';
import { parseM3u } from '../../../src/main/library/playlist';
import type { Response } from '../../../src/shared/contract';
import type { ClusterList, ClusterMap, ClusterProgress, Track } from '../../../src/shared/types';
import { fixtureLibraryDir } from '../../helpers/shared';

let dir: string;
let home: string;
let music: string;
let service: CoreService | undefined;
const events: ClusterProgress[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'timbre-clusters-export-'));
  home = join(dir, 'home');
  music = join(dir, 'music');
  await cp(fixtureLibraryDir, music, { recursive: true });
  // Every run goes to the worker process, as a big library's would.
  process.env.TIMBRE_CLUSTERS_WORKER_THRESHOLD = '0';
  service = await createService({ home, mode: 'cli' });
  service.subscribe((event, payload) => {
    if (event === 'clusters.progress') events.push(payload as ClusterProgress);
  });
  await service.invoke('settings.set', { model: 'none', workers: 2 });
  await service.invoke('library.scan', { roots: [music] });
  await service.invoke('analysis.start', {});
  const end = await service.engine.whenIdle();
  expect(end.failed).toBe(0);
}, 300_000);

afterAll(async () => {
  delete process.env.TIMBRE_CLUSTERS_WORKER_THRESHOLD;
  await service?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const timbre = (args: string[]): Promise<CliResult> => runTimbre(args, { home });

const untilEnded = async (): Promise<ClusterProgress> => {
  const s = service as CoreService;
  for (let i = 0; i < 600; i++) {
    const p = (await s.invoke('clusters.status', {})) as ClusterProgress;
    if (p.state !== 'running') return p;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the run did not end');
};

describe('clustering runs with progress and cancel', () => {
  it('starts a run in the worker, reports its steps and its end, and it becomes the active run', async () => {
    const s = service as CoreService;
    expect(((await s.invoke('clusters.status', {})) as ClusterProgress).state).toBe('idle');
    const first = (await s.invoke('clusters.start', { algorithm: 'kmeans', k: 3 })) as ClusterProgress;
    expect(first).toMatchObject({ state: 'running', algorithm: 'kmeans' });
    // A second run while one is under way is refused.
    await expect(s.invoke('clusters.start', {})).rejects.toThrow(/already under way/);
    const end = await untilEnded();
    expect(end.state, end.message).toBe('done');
    expect(end).toMatchObject({ inWorker: true, tracks: 12 });
    expect(end.message).toMatch(/3 clusters of 12 tracks/);
    const list = (await s.invoke('clusters.list', {})) as ClusterList;
    expect(list.run?.id).toBe(end.runId);
    // Events: running first, the steps between (clustering, saving), done last.
    expect(events[0].state).toBe('running');
    expect(events.at(-1)).toMatchObject({ state: 'done', runId: end.runId });
    const phases = new Set(events.map((e) => e.phase));
    expect(phases.has('clustering') && phases.has('saving')).toBe(true);
  }, 120_000);

  it('cancels a run: cancelled state, the previous run stays active', async () => {
    const s = service as CoreService;
    const before = ((await s.invoke('clusters.list', {})) as ClusterList).run?.id;
    expect(((await s.invoke('clusters.cancel', {})) as { cancelled: boolean }).cancelled).toBe(false);
    const run = s.invoke('clusters.run', { algorithm: 'auto' });
    const cancelled = s.invoke('clusters.cancel', {});
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
    expect(((await cancelled) as { cancelled: boolean }).cancelled).toBe(true);
    const status = (await s.invoke('clusters.status', {})) as ClusterProgress;
    expect(status.state).toBe('cancelled');
    expect(((await s.invoke('clusters.list', {})) as ClusterList).run?.id).toBe(before);
  }, 120_000);
});

describe('exports through the contract', () => {
  it('a CSV with every track, its cluster, strength and both maps', async () => {
    const s = service as CoreService;
    const list = (await s.invoke('clusters.list', {})) as ClusterList;
    const { files } = (await s.invoke('clusters.export', { kind: 'csv' })) as Response<'clusters.export'>;
    expect(files).toHaveLength(1);
    expect(files[0].fileName).toMatch(/^timbre-clusters-\d{4}-\d\d-\d\d-kmeans\.csv$/);
    expect(files[0].mimeType).toBe('text/csv');
    const lines = files[0].content.trim().split('\r\n');
    expect(lines[0]).toBe(
      'track_id,artist,title,album,duration,path,cluster,cluster_name,strength,x,y,pca_x,pca_y',
    );
    expect(lines).toHaveLength(13);
    expect(files[0].tracks).toBe(12);
    // The cluster column agrees with the run's profiles.
    const clusterOf = new Map(list.clusters.flatMap((c) => c.trackIds.map((id) => [id, c.id])));
    const umap = (await s.invoke('clusters.map', { method: 'umap' })) as ClusterMap;
    for (const line of lines.slice(1)) {
      const id = line.split(',')[0];
      const point = umap.points.find((p) => p.id === id);
      expect(point, id).toBeDefined();
      expect(line).toContain(`,${clusterOf.get(id)},`);
    }
  });

  it('an M3U per cluster, for one cluster, and for any tracks; tracks by id', async () => {
    const s = service as CoreService;
    const list = (await s.invoke('clusters.list', {})) as ClusterList;
    const all = (await s.invoke('clusters.export', { kind: 'playlists' })) as Response<'clusters.export'>;
    expect(all.files).toHaveLength(list.clusters.length);
    const tracks = await s.catalog.allTracks();
    const pathOf = new Map(tracks.map((t) => [t.id, t.path]));
    for (const [i, c] of list.clusters.entries()) {
      const f = all.files[i];
      expect(f.fileName).toBe(`${c.id} ${c.name.replace(/[/\\:*?"<>|]+/g, ' ').replace(/\s+/g, ' ')}.m3u8`);
      expect(parseM3u(f.content, '/').sort()).toEqual(c.trackIds.map((id) => pathOf.get(id)).sort());
    }
    const one = (await s.invoke('clusters.export', {
      kind: 'cluster',
      clusterId: list.clusters[0].id,
    })) as Response<'clusters.export'>;
    expect(one.files[0].tracks).toBe(list.clusters[0].size);
    await expect(s.invoke('clusters.export', { kind: 'cluster', clusterId: 99 })).rejects.toThrow(
      /no cluster 99/,
    );

    const ids = [tracks[3].id, tracks[1].id];
    const sel = (await s.invoke('clusters.export', {
      kind: 'tracks',
      ids,
      name: 'Map selection',
    })) as Response<'clusters.export'>;
    expect(sel.files[0].fileName).toBe('Map selection.m3u8');
    expect(parseM3u(sel.files[0].content, '/')).toEqual([tracks[3].path, tracks[1].path]);

    const byId = (await s.invoke('library.tracksById', { ids: [ids[0], 'nope', ids[1]] })) as Track[];
    expect(byId.map((t) => t.id)).toEqual(ids);
  });

  it('map points carry title and artist for hovering', async () => {
    const map = (await (service as CoreService).invoke('clusters.map', { method: 'pca' })) as ClusterMap;
    expect(map.points.every((p) => typeof p.title === 'string' && typeof p.artist === 'string')).toBe(true);
  });
});

describe('timbre export', () => {
  it('writes the CSV and one M3U per cluster; a stored run by --run; usage errors exit 2', async () => {
    const s = service as CoreService;
    const list = (await s.invoke('clusters.list', {})) as ClusterList;
    const runId = list.run?.id as string;
    await service?.close();
    service = undefined;

    const csvPath = join(dir, 'out.csv');
    const csv = await timbre(['export', '--csv', csvPath]);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout).toContain('12 tracks');
    const text = await readFile(csvPath, 'utf8');
    expect(text.split('\r\n')[0]).toMatch(/^track_id,/);
    expect(text.trim().split('\r\n')).toHaveLength(13);

    const m3uDir = join(dir, 'playlists');
    const m3u = await timbre(['export', '--m3u', m3uDir, '--run', runId, '--json']);
    expect(m3u.code, m3u.stderr).toBe(0);
    const written = JSON.parse(m3u.stdout) as { files: { path: string; tracks: number }[] };
    expect(written.files).toHaveLength(list.clusters.length);
    const names = (await readdir(m3uDir)).sort();
    expect(names).toEqual(written.files.map((f) => f.path.slice(m3uDir.length + 1)).sort());
    expect(names.every((n) => n.endsWith('.m3u8'))).toBe(true);
    const total = written.files.reduce((a, f) => a + f.tracks, 0);
    expect(total + list.noiseIds.length).toBe(12);

    for (const args of [
      ['export'],
      ['export', '--csv', csvPath, '--m3u', m3uDir],
      ['export', '--csv', join(dir, 'no', 'such', 'folder', 'x.csv')],
    ]) {
      const bad = await timbre(args);
      expect(bad.code, `${args.join(' ')}: ${bad.stderr}`).toBe(2);
      expect(bad.stderr).toMatch(/timbre: /);
    }
    const unknown = await timbre(['export', '--csv', csvPath, '--run', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No clustering run nope/);
  }, 240_000);
});
