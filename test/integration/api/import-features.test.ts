/**
 * `library.importFeatures` end to end on a home with no audio at all: a Spotify-style CSV the test
 * writes (odd header casing and aliases, quoted fields with commas and a line break, a Python-list
 * artists cell, bad rows, an unknown column) becomes tracks that are listed and searched, are
 * never analysed or played (the media answer says "imported, no audio"), and cluster in the
 * 'features' space, also as a --where subset that the stored run records. Then the same through
 * the CLI.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTimbre, type CliResult } from '../../helpers/cli';
import { createService, type CoreService } from '../../../src/main/api/service';
import { answerMedia } from '../../../src/main/api/media';
import { adjustedRandIndex } from '../../../src/main/clusters/metrics';
import { ClusterRunStore } from '../../../src/main/clusters/run-store';
import type {
  ClusterList,
  ClusterMap,
  ClusterRun,
  FeatureImportSummary,
  LibraryStats,
  TrackPage,
} from '../../../src/shared/types';

let dir: string;
let home: string;
let service: CoreService | undefined;

/** Three groups of 12 tracks with clearly different sound profiles (a small seeded generator). */
const GROUPS = [
  {
    genre: 'jazz',
    danceability: 0.35,
    energy: 0.25,
    valence: 0.3,
    acousticness: 0.9,
    tempo: 85,
    loudness: -16,
  },
  {
    genre: 'techno',
    danceability: 0.85,
    energy: 0.9,
    valence: 0.5,
    acousticness: 0.03,
    tempo: 128,
    loudness: -5,
  },
  {
    genre: 'folk',
    danceability: 0.5,
    energy: 0.45,
    valence: 0.8,
    acousticness: 0.7,
    tempo: 110,
    loudness: -10,
  },
];
const PER_GROUP = 12;

function tableText(): { text: string; groupOfTitle: Map<string, number> } {
  let state = 12345;
  const rand = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648 - 0.5;
  };
  const header =
    'Unnamed: 0,Track_Name,Artists,album_name,Danceability,ENERGY,valence,tempo,loudness,acousticness,instrumentalness,speechiness,liveness,duration_ms,key,mode,popularity,mystery_column,track_genre';
  const lines = [header];
  const groupOfTitle = new Map<string, number>();
  GROUPS.forEach((g, gi) => {
    for (let i = 0; i < PER_GROUP; i++) {
      const clamp = (v: number) => Math.min(1, Math.max(0, v)).toFixed(3);
      let title = `${g.genre} tune ${i}`;
      // Quoted fields: a comma, a doubled quote and a line break inside.
      if (gi === 0 && i === 0) title = 'Blue, in "Green"\nTake 2';
      groupOfTitle.set(title, gi);
      const artists = gi === 1 && i === 0 ? "\"['DJ One', 'MC Two']\"" : `Artist ${gi}-${i % 3}`;
      const quotedTitle = /[",\n]/.test(title) ? `"${title.replace(/"/g, '""')}"` : title;
      lines.push(
        [
          lines.length - 1,
          quotedTitle,
          artists,
          `Album ${gi}`,
          clamp(g.danceability + 0.05 * rand()),
          clamp(g.energy + 0.05 * rand()),
          clamp(g.valence + 0.05 * rand()),
          (g.tempo + 4 * rand()).toFixed(1),
          (g.loudness + rand()).toFixed(2),
          clamp(g.acousticness + 0.05 * rand()),
          '0.1',
          '0.05',
          '0.12',
          String(180000 + i * 1000),
          String(i % 12),
          String(i % 2),
          '50',
          'x',
          g.genre,
        ].join(','),
      );
    }
  });
  return { text: lines.join('\r\n') + '\r\n', groupOfTitle };
}

const { text: TABLE, groupOfTitle } = tableText();
// Bad rows after the good ones; their lines: the header is line 1 and the quoted title spans two.
const GOOD_LINES = 1 + GROUPS.length * PER_GROUP + 1;
const BAD = [
  '99,Loud one,Someone,Album,lots,0.5,0.5,120,-5,0.1,0,0,0,200000,1,1,10,x,rock',
  '100,Short row,Someone',
  '101,jazz tune 3,Artist 0-0,Album 0,0.5,0.5,0.5,120,-5,0.1,0,0,0,200000,1,1,10,x,jazz',
  '102,Too bright,Someone,Album,1.7,0.5,0.5,120,-5,0.1,0,0,0,200000,1,1,10,x,rock',
].join('\n');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'timbre-import-'));
  home = join(dir, 'home');
  await writeFile(join(dir, 'table.csv'), `${TABLE}${BAD}\n`);
  service = await createService({ home, mode: 'cli' });
}, 120_000);

afterAll(async () => {
  await service?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const timbre = (args: string[]): Promise<CliResult> => runTimbre(args, { home });

describe('importing a feature table', () => {
  let summary: FeatureImportSummary;

  it('imports the good rows and reports the bad ones by line, and every column', async () => {
    const s = service as CoreService;
    summary = (await s.invoke('library.importFeatures', {
      path: join(dir, 'table.csv'),
    })) as FeatureImportSummary;
    expect(summary.imported).toBe(GROUPS.length * PER_GROUP);
    expect(summary.rejected).toEqual([
      { line: GOOD_LINES + 1, reason: expect.stringMatching(/danceability "lots" is not a number/) },
      { line: GOOD_LINES + 2, reason: expect.stringMatching(/3 fields, the header has 19/) },
      { line: GOOD_LINES + 3, reason: expect.stringMatching(/the same track as line \d+/) },
      { line: GOOD_LINES + 4, reason: expect.stringMatching(/danceability 1.7 is outside/) },
    ]);
    expect(summary.unknown).toEqual(['mystery_column']);
    expect(summary.notUsed).toEqual(expect.arrayContaining(['Unnamed: 0', 'popularity']));
    expect(summary.columns).toEqual(
      expect.arrayContaining([
        { header: 'Track_Name', as: 'title' },
        { header: 'Artists', as: 'artists' },
        { header: 'ENERGY', as: 'energy' },
        { header: 'track_genre', as: 'genres' },
      ]),
    );
    expect(summary.missingSound).toEqual([]);
  });

  it('makes tracks that are listed and searched, with quoted fields read whole', async () => {
    const s = service as CoreService;
    const page = (await s.invoke('library.list', { text: 'blue green' })) as TrackPage;
    expect(page.tracks.map((t) => t.title)).toEqual(['Blue, in "Green"\nTake 2']);
    const t = page.tracks[0];
    expect(t).toMatchObject({ format: 'imported', album: 'Album 0', genres: ['jazz'], duration: 180 });
    expect(t.path).toMatch(/^imported:.*table\.csv#2$/);
    const dj = (await s.invoke('library.list', { artist: 'MC Two' })) as TrackPage;
    expect(dj.tracks[0]?.artists).toEqual(['DJ One', 'MC Two']);
  });

  it('is never analysed and never played', async () => {
    const s = service as CoreService;
    const stats = (await s.invoke('library.stats', {})) as LibraryStats;
    expect(stats.tracks).toBe(GROUPS.length * PER_GROUP);
    expect(stats.analysisPending).toBe(0);
    const id = ((await s.invoke('library.list', { limit: 1 })) as TrackPage).tracks[0].id;
    expect(await s.mediaFile(id)).toBeNull();
    const answer = await answerMedia(s, { method: 'GET', rawId: encodeURIComponent(id), transcode: false });
    expect(answer).toMatchObject({ kind: 'text', status: 404 });
    expect(answer.kind === 'text' ? answer.text : '').toMatch(/^imported, no audio: [\s\S]*feature table/);
  });

  it('clusters in the features space, the groups found again', async () => {
    const s = service as CoreService;
    const run = (await s.invoke('clusters.run', {
      algorithm: 'kmeans',
      space: 'features',
      k: 3,
    })) as ClusterRun;
    expect(run).toMatchObject({ space: 'features:imported', trackCount: 36, stale: false, subset: '' });
    const list = (await s.invoke('clusters.list', {})) as ClusterList;
    const tracks = ((await s.invoke('library.list', { limit: 100 })) as TrackPage).tracks;
    const titleOf = new Map(tracks.map((t) => [t.id, t.title]));
    const truth: number[] = [];
    const found: number[] = [];
    for (const c of list.clusters)
      for (const id of c.trackIds) {
        truth.push(groupOfTitle.get(titleOf.get(id) as string) as number);
        found.push(c.id);
      }
    expect(truth).toHaveLength(36);
    expect(adjustedRandIndex(truth, found)).toBe(1);
    // Profiles speak of the imported columns.
    const words = list.clusters.flatMap((c) => c.distinctive.map((d) => d.word));
    expect(words.some((w) => ['acoustic', 'electric', 'energetic', 'calm', 'danceable'].includes(w))).toBe(
      true,
    );
    // The t-SNE map is made on first request, stored, and the same afterwards.
    const tsne = (await s.invoke('clusters.map', { method: 'tsne' })) as ClusterMap;
    expect(tsne).toMatchObject({ method: 'tsne', runId: run.id, stale: false });
    expect(tsne.points).toHaveLength(36);
    const clusterOfPoint = new Map(tsne.points.map((p) => [p.id, p.clusterId]));
    for (const c of list.clusters) for (const id of c.trackIds) expect(clusterOfPoint.get(id)).toBe(c.id);
    expect((await s.invoke('clusters.map', { method: 'tsne' })) as ClusterMap).toEqual(tsne);
    // The default space has no analysed track: the answer says how imported tracks are clustered.
    await expect(s.invoke('clusters.run', { algorithm: 'kmeans', k: 2 })).rejects.toThrow(/--space features/);
  });

  it('clusters a --where subset and the stored run records it', async () => {
    const s = service as CoreService;
    const run = (await s.invoke('clusters.run', {
      algorithm: 'kmeans',
      space: 'features',
      k: 2,
      where: 'genre:jazz source:imported',
    })) as ClusterRun;
    expect(run).toMatchObject({ trackCount: PER_GROUP, subset: 'genre:jazz source:imported', stale: false });
    const stored = await (await ClusterRunStore.open(s.catalog.db)).get(run.id);
    expect(stored?.subset).toBe('genre:jazz source:imported');
    const list = (await s.invoke('clusters.list', {})) as ClusterList;
    expect(list.run?.stale).toBe(false);
    expect(list.clusters.reduce((a, c) => a + c.size, 0) + list.noiseIds.length).toBe(PER_GROUP);
    await expect(
      s.invoke('clusters.run', { algorithm: 'kmeans', space: 'features', k: 2, where: 'colour:red' }),
    ).rejects.toThrow(/unknown query field "colour:"/);
    await expect(
      s.invoke('clusters.run', { algorithm: 'kmeans', space: 'features', k: 2, where: 'genre:polka' }),
    ).rejects.toThrow(/at least 4 tracks matching "genre:polka" \(0 now\)/);
  });

  it('replaces what an earlier import of the same table made', async () => {
    const s = service as CoreService;
    const fewer = TABLE.split('\r\n')
      .slice(0, 1 + 2 + 5)
      .join('\r\n');
    await writeFile(join(dir, 'table.csv'), `${fewer}\r\n`);
    const again = (await s.invoke('library.importFeatures', {
      path: join(dir, 'table.csv'),
    })) as FeatureImportSummary;
    expect(again.imported).toBe(7);
    expect(again.removed).toBe(29);
    expect(((await s.invoke('library.stats', {})) as LibraryStats).tracks).toBe(7);
    await writeFile(join(dir, 'table.csv'), `${TABLE}`);
    await s.invoke('library.importFeatures', { path: join(dir, 'table.csv') });
  });

  it('lets new rows join the active run in their cluster; a changed value of its own makes it stale', async () => {
    const s = service as CoreService;
    const run = (await s.invoke('clusters.run', {
      algorithm: 'kmeans',
      space: 'features',
      k: 3,
    })) as ClusterRun;
    const before = (await s.invoke('clusters.list', {})) as ClusterList;
    const header = TABLE.split('\r\n')[0];
    const rows = GROUPS.flatMap((g, gi) =>
      [0, 1].map((i) =>
        [
          900 + gi * 2 + i,
          `late ${g.genre} ${i}`,
          `Late ${gi}`,
          'Late',
          g.danceability,
          g.energy,
          g.valence,
          g.tempo,
          g.loudness,
          g.acousticness,
          0.1,
          0.05,
          0.12,
          200000,
          5,
          1,
          50,
          'x',
          g.genre,
        ].join(','),
      ),
    );
    await writeFile(join(dir, 'more.csv'), [header, ...rows].join('\n'));
    await s.invoke('library.importFeatures', { path: join(dir, 'more.csv') });
    const after = (await s.invoke('clusters.list', {})) as ClusterList;
    expect(after.run).toMatchObject({ id: run.id, stale: false });
    const tracks = ((await s.invoke('library.list', { text: 'late', limit: 100 })) as TrackPage).tracks;
    expect(tracks).toHaveLength(6);
    const all = ((await s.invoke('library.list', { limit: 100 })) as TrackPage).tracks;
    const genreOf = new Map(all.map((t) => [t.id, t.genres[0]]));
    for (const t of tracks) {
      const genre = t.genres[0];
      // The cluster the group's earlier tracks are in.
      const groupCluster = before.clusters.find((c) => c.trackIds.some((id) => genreOf.get(id) === genre));
      expect(after.clusters.find((c) => c.trackIds.includes(t.id))?.id).toBe(groupCluster?.id);
    }
    const map = (await s.invoke('clusters.map', { method: 'pca' })) as ClusterMap;
    expect(map.points).toHaveLength(42);
    // A changed value of one of the run's own tracks: the run no longer describes the library.
    await writeFile(join(dir, 'table.csv'), TABLE.replace('Album 0,0.', 'Album 0,0.9'));
    await s.invoke('library.importFeatures', { path: join(dir, 'table.csv') });
    expect(((await s.invoke('clusters.list', {})) as ClusterList).run?.stale).toBe(true);
    await writeFile(join(dir, 'table.csv'), TABLE);
    await s.invoke('library.importFeatures', { path: join(dir, 'table.csv') });
  });
});

describe('import-features from the CLI', () => {
  it('imports, reports and clusters a subset', async () => {
    await service?.close();
    service = undefined;
    await writeFile(
      join(dir, 'other.csv'),
      'title,tempo,energy,mood\n"a, b",120,0.5,happy\nc,oops,0.4,sad\n',
    );
    const out = await timbre(['import-features', join(dir, 'other.csv')]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain('Imported 1 tracks');
    expect(out.stdout).toContain('Unknown columns (ignored): mood');
    expect(out.stdout).toContain('line 3: tempo "oops" is not a number');
    const run = await timbre([
      'cluster',
      '--algo',
      'kmeans',
      '--k',
      '2',
      '--space',
      'features',
      '--where',
      'genre:techno',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout) as ClusterRun).toMatchObject({
      trackCount: PER_GROUP + 2,
      subset: 'genre:techno',
    });
    const bad = await timbre(['import-features']);
    expect(bad.code).toBe(2);
  }, 120_000);
});
