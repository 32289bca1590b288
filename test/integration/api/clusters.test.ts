/**
 * Clusters end to end on a real (small) library: scan and analyse the fixtures, cluster through
 * the contract, read the stored runs, profiles and map back, see a run go stale when the analysed
 * tracks change, get cluster suggestions from the active run, and drive the same from the CLI.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTimbre, type CliResult } from '../../helpers/cli';
import { createService, type CoreService } from '../../../src/main/api/service';
import { ClusterRunStore } from '../../../src/main/clusters/run-store';
import type { ClusterSuggestions } from '../../../src/shared/contract';
import type { ClusterList, ClusterMap, ClusterMembershipWhy, ClusterRun } from '../../../src/shared/types';
import { fixtureLibraryDir } from '../../helpers/shared';

let dir: string;
let home: string;
let music: string;
let service: CoreService | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'timbre-clusters-'));
  home = join(dir, 'home');
  music = join(dir, 'music');
  await cp(fixtureLibraryDir, music, { recursive: true });
  service = await createService({ home, mode: 'cli' });
  await service.invoke('settings.set', { model: 'none', workers: 2 });
  await service.invoke('library.scan', { roots: [music] });
  await service.invoke('analysis.start', {});
  const end = await service.engine.whenIdle();
  expect(end.failed).toBe(0);
}, 300_000);

afterAll(async () => {
  await service?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const timbre = (args: string[]): Promise<CliResult> => runTimbre(args, { home });

describe('clusters through the service', () => {
  let analysed: string[] = [];

  it('runs auto and kmeans, stores both, the latest is active', async () => {
    const s = service as CoreService;
    const tracks = await s.catalog.allTracks();
    analysed = tracks.map((t) => t.id);
    expect(analysed.length).toBe(12);

    const auto = (await s.invoke('clusters.run', { algorithm: 'auto' })) as ClusterRun;
    expect(auto.trackCount).toBe(12);
    expect(auto.stale).toBe(false);
    expect(auto.metrics.rule).toBeTruthy();
    // Every candidate of the search is kept with its scores (all five algorithms under auto).
    expect(auto.metrics.candidates.length).toBeGreaterThan(1);
    expect(new Set(auto.metrics.candidates.map((c) => c.algorithm)).size).toBeGreaterThan(1);
    expect(auto.metrics.scores?.clusters).toBeGreaterThanOrEqual(2);

    const km = (await s.invoke('clusters.run', {
      algorithm: 'kmeans',
      space: 'features',
      k: 3,
    })) as ClusterRun;
    expect(km).toMatchObject({ algorithm: 'kmeans', params: { k: 3 }, trackCount: 12, stale: false });
    expect(km.space).toBe('features:features');
    expect(km.metrics.scores?.clusters).toBe(3);
    expect(Number.isFinite(km.metrics.scores?.silhouette)).toBe(true);
    expect(km.fingerprint).toMatch(/^v2:[0-9a-f]{32}$/);

    // Both are in LanceDB, newest first; members one per track.
    const store = await ClusterRunStore.open(s.catalog.db);
    const runs = await store.list();
    expect(runs.map((r) => r.id)).toEqual([km.id, auto.id]);
    expect((await store.active())?.id).toBe(km.id);
    const members = await store.members(km.id);
    expect(members.map((m) => m.trackId).sort()).toEqual([...analysed].sort());
    expect(new Set(members.map((m) => m.label))).toEqual(new Set([0, 1, 2]));

    // k without an algorithm that takes it is refused by the contract.
    await expect(s.invoke('clusters.run', { algorithm: 'hdbscan', k: 3 })).rejects.toThrow(/k applies/);
  }, 300_000);

  it('lists the active run with profiles covering every track', async () => {
    const list = (await (service as CoreService).invoke('clusters.list', {})) as ClusterList;
    expect(list.run?.algorithm).toBe('kmeans');
    expect(list.run?.stale).toBe(false);
    expect(list.clusters).toHaveLength(3);
    const ids = list.clusters.flatMap((c) => c.trackIds).concat(list.noiseIds);
    expect(ids.sort()).toEqual([...analysed].sort());
    for (const c of list.clusters) {
      expect(c.size).toBe(c.trackIds.length);
      expect(c.name.length).toBeGreaterThan(0);
      expect(c.representatives.length).toBeGreaterThan(0);
      for (const r of c.representatives) expect(c.trackIds).toContain(r.id);
      expect(c.distinctive.length).toBeGreaterThan(0);
    }
  });

  it('says why a track is in its cluster, in words, with the terms adding up', async () => {
    const s = service as CoreService;
    const list = (await s.invoke('clusters.list', {})) as ClusterList;
    const cluster = list.clusters[0];
    const why = (await s.invoke('clusters.why', { id: cluster.trackIds[0] })) as ClusterMembershipWhy;
    expect(why).toMatchObject({ runId: list.run?.id, clusterId: cluster.id, clusterName: cluster.name });
    expect(why.reasons.length).toBeGreaterThan(0);
    for (const r of why.reasons) {
      expect(r.contribution).toBeGreaterThan(0);
      expect(r.phrase).toMatch(/ against .* in the library\)$/);
    }
    // Largest first; the positive terms shown cannot exceed what the whole sum needs to explain.
    const shown = why.reasons.map((r) => r.contribution);
    expect(shown).toEqual([...shown].sort((a, b) => b - a));
    await expect(s.invoke('clusters.why', { id: 'no-such-track' })).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('draws the map by umap and by pca', async () => {
    const s = service as CoreService;
    for (const method of ['umap', 'pca'] as const) {
      const map = (await s.invoke('clusters.map', { method })) as ClusterMap;
      expect(map.method).toBe(method);
      expect(map.points).toHaveLength(12);
      for (const p of map.points) {
        expect(Number.isFinite(p.x) && Number.isFinite(p.y)).toBe(true);
        expect(p.clusterId).toBeGreaterThanOrEqual(0);
      }
      // Not all in one place.
      expect(new Set(map.points.map((p) => p.x.toFixed(4))).size).toBeGreaterThan(1);
    }
    const umap = (await s.invoke('clusters.map', { method: 'umap' })) as ClusterMap;
    const pca = (await s.invoke('clusters.map', { method: 'pca' })) as ClusterMap;
    expect(umap.points.map((p) => p.x)).not.toEqual(pca.points.map((p) => p.x));
  });

  it('answers cluster suggestions from the active run', async () => {
    const s = service as CoreService;
    const list = (await s.invoke('clusters.list', {})) as ClusterList;
    const seedCluster = list.clusters.find((c) => c.size >= 2) ?? list.clusters[0];
    const seed = seedCluster.trackIds[0];
    const out = (await s.invoke('similar.clusterSuggestions', { id: seed })) as ClusterSuggestions;
    expect(out.clustersAvailable).toBe(true);
    expect(out.stale).toBe(false);
    expect(out.seedCluster?.id).toBe(seedCluster.id);
    expect(out.sameCluster.length).toBeGreaterThan(0);
    expect(out.sameCluster.length).toBeLessThanOrEqual(Math.min(11, seedCluster.size - 1));
    for (const t of out.sameCluster) {
      expect(seedCluster.trackIds).toContain(t.track.id);
      expect(t.track.id).not.toBe(seed);
    }
    expect(out.otherClusters.length).toBeGreaterThan(0);
    for (const o of out.otherClusters) {
      expect(o.cluster.id).not.toBe(seedCluster.id);
      expect(o.tracks.length).toBeLessThanOrEqual(3);
      const members = list.clusters.find((c) => c.id === o.cluster.id)?.trackIds ?? [];
      for (const t of o.tracks) expect(members).toContain(t.track.id);
    }
  });

  it('marks the run stale when the analysed tracks change', async () => {
    const s = service as CoreService;
    await rm(join(music, 'Nexuiz'), { recursive: true, force: true });
    await s.invoke('library.scan', { roots: [music], prune: true });
    const list = (await s.invoke('clusters.list', {})) as ClusterList;
    expect(list.run?.stale).toBe(true);
    // The profiles only describe tracks still in the library.
    expect(list.clusters.flatMap((c) => c.trackIds).concat(list.noiseIds)).toHaveLength(10);
    const map = (await s.invoke('clusters.map', { method: 'pca' })) as ClusterMap;
    expect(map.stale).toBe(true);
    const seed = list.clusters[0].trackIds[0];
    const out = (await s.invoke('similar.clusterSuggestions', { id: seed })) as ClusterSuggestions;
    expect(out.stale).toBe(true);
    // A fresh run is current again.
    const again = (await s.invoke('clusters.run', { algorithm: 'kmeans', k: 2 })) as ClusterRun;
    expect(again).toMatchObject({ trackCount: 10, stale: false });
    expect(((await s.invoke('clusters.list', {})) as ClusterList).run?.stale).toBe(false);
  }, 300_000);
});

describe('clusters from the CLI', () => {
  it('cluster, clusters and map', async () => {
    await service?.close();
    service = undefined;
    const run = await timbre(['cluster', '--algo', 'gmm', '--k', '2', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const parsed = JSON.parse(run.stdout) as ClusterRun;
    expect(parsed).toMatchObject({ algorithm: 'gmm', params: { k: 2 }, trackCount: 10, stale: false });

    const list = await timbre(['clusters', '--json']);
    expect(list.code, list.stderr).toBe(0);
    const profiles = JSON.parse(list.stdout) as ClusterList;
    expect(profiles.run?.id).toBe(parsed.id);
    expect(profiles.clusters.reduce((a, c) => a + c.size, 0) + profiles.noiseIds.length).toBe(10);

    const text = await timbre(['clusters']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Run ${parsed.id}`);

    const member = profiles.clusters[0].trackIds[0];
    const why = await timbre(['clusters', member]);
    expect(why.code, why.stderr).toBe(0);
    expect(why.stdout).toMatch(new RegExp(`is in #${profiles.clusters[0].id} .* because it is:`));
    expect(why.stdout).toMatch(/in the library\)/);

    const map = await timbre(['map', '--method', 'pca', '--json']);
    expect(map.code, map.stderr).toBe(0);
    expect((JSON.parse(map.stdout) as ClusterMap).points).toHaveLength(10);

    const tsne = await timbre(['map', '--method', 'tsne', '--json']);
    expect(tsne.code, tsne.stderr).toBe(0);
    expect(JSON.parse(tsne.stdout) as ClusterMap).toMatchObject({ method: 'tsne', runId: parsed.id });
    expect((JSON.parse(tsne.stdout) as ClusterMap).points).toHaveLength(10);
    const bad = await timbre(['map', '--method', 'mds']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--method/);
  }, 300_000);
});
