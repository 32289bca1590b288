/**
 * Where clustering runs live: two LanceDB tables on the shared database (catalog.db).
 *
 * - `cluster_runs`: one row per run: id, algorithm, parameters (JSON), space, reduction (JSON),
 *   metrics (JSON: the winner's scores, the winner rule and every candidate the search scored),
 *   seconds, the Timbre version, the fingerprint of the analysed tracks it ran on, track count,
 *   created, and (schema 2) the subset query that chose its tracks.
 * - `cluster_members`: one row per run and track: label (−1 noise), membership strength and the
 *   2-D map coordinates (UMAP x/y and PCA px/py).
 * - `cluster_maps`: maps made after a run, on demand (t-SNE): one row per run, method and track.
 *
 * The active run is the one chosen in meta `clusters:active`, else the latest. Whether it is stale
 * is the caller's comparison of its fingerprint with the library's current one.
 */
import { makeArrowTable } from '@lancedb/lancedb';
import { Schema } from 'apache-arrow';
import type { Database, Table } from '../store/db';
import { sqlString } from '../store/db';
import {
  float64Field,
  hasField,
  int32Field,
  parseJson,
  readNumber,
  readText,
  textField,
} from '../store/columns';
import type { ClusterRunRecord, ClusterRunMetrics } from '../../shared/types';

export const CLUSTER_RUNS = 'cluster_runs';
export const CLUSTER_MEMBERS = 'cluster_members';
export const CLUSTER_MAPS = 'cluster_maps';
const ACTIVE_KEY = 'clusters:active';

const runsSchema = new Schema([
  textField('id'),
  textField('algorithm'),
  textField('params'),
  textField('space'),
  textField('reduce'),
  textField('metrics'),
  float64Field('seconds'),
  textField('libraryVersion'),
  textField('fingerprint'),
  int32Field('trackCount'),
  float64Field('createdAt'),
  // Version 2: the query that chose the clustered tracks ('' = all).
  textField('subset'),
]);

const membersSchema = new Schema([
  textField('runId'),
  textField('trackId'),
  int32Field('label'),
  float64Field('strength'),
  float64Field('x'),
  float64Field('y'),
  float64Field('px'),
  float64Field('py'),
  // Version 2: 1 for a track that joined the run after it was made (clusters/join.ts), with the
  // hash of its vector then (a re-analysis that changes it makes the run stale).
  int32Field('joined'),
  textField('vhash'),
]);

const mapsSchema = new Schema([
  textField('runId'),
  textField('method'),
  textField('trackId'),
  float64Field('x'),
  float64Field('y'),
]);

export interface MapRow {
  trackId: string;
  x: number;
  y: number;
}

export interface MemberRow {
  trackId: string;
  label: number;
  strength: number;
  /** UMAP map coordinates. */
  x: number;
  y: number;
  /** PCA map coordinates. */
  px: number;
  py: number;
  /** Joined after the run was made (not clustered with it). */
  joined?: boolean;
  /** The joined track's vector hash when it joined ('' for the run's own tracks). */
  vhash?: string;
}

export interface NewRun extends Omit<ClusterRunRecord, 'id' | 'createdAt'> {
  members: MemberRow[];
}

function memberRow(runId: string, m: MemberRow): Record<string, unknown> {
  return {
    runId,
    trackId: m.trackId,
    label: m.label,
    strength: m.strength,
    x: m.x,
    y: m.y,
    px: m.px,
    py: m.py,
    joined: m.joined ? 1 : 0,
    vhash: m.vhash ?? '',
  };
}

function toRecord(row: Record<string, unknown>): ClusterRunRecord {
  return {
    id: readText(row.id),
    algorithm: readText(row.algorithm),
    params: parseJson<Record<string, unknown>>(row.params, {}),
    space: readText(row.space),
    reduce: parseJson<{ method: string; dims: number }>(row.reduce, { method: 'none', dims: 0 }),
    metrics: parseJson<ClusterRunMetrics>(row.metrics, { scores: null, candidates: [] }),
    seconds: readNumber(row.seconds),
    libraryVersion: readText(row.libraryVersion),
    fingerprint: readText(row.fingerprint),
    trackCount: readNumber(row.trackCount),
    createdAt: readNumber(row.createdAt),
    subset: readText(row.subset),
  };
}

export class ClusterRunStore {
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly db: Database,
    private readonly runs: Table,
    private readonly membersTable: Table,
    private readonly mapsTable: Table,
  ) {}

  static async open(db: Database): Promise<ClusterRunStore> {
    const runs = await db.registerTable({
      name: CLUSTER_RUNS,
      schema: runsSchema,
      version: 2,
      migrations: {
        1: async ({ table }) => {
          if (!hasField(await table.schema(), 'subset'))
            await table.addColumns([{ name: 'subset', valueSql: "CAST('' AS STRING)" }]);
        },
      },
    });
    const members = await db.registerTable({
      name: CLUSTER_MEMBERS,
      schema: membersSchema,
      version: 2,
      migrations: {
        1: async ({ table }) => {
          const schema = await table.schema();
          if (!hasField(schema, 'joined'))
            await table.addColumns([{ name: 'joined', valueSql: 'CAST(0 AS INT)' }]);
          if (!hasField(schema, 'vhash'))
            await table.addColumns([{ name: 'vhash', valueSql: "CAST('' AS STRING)" }]);
        },
      },
    });
    const maps = await db.registerTable({ name: CLUSTER_MAPS, schema: mapsSchema, version: 1 });
    return new ClusterRunStore(db, runs, members, maps);
  }

  /** Stores a run and makes it the active one. Writes are serialised. */
  save(run: NewRun): Promise<ClusterRunRecord> {
    const job = this.writing.then(() => this.saveNow(run));
    this.writing = job.then(
      () => undefined,
      () => undefined,
    );
    return job;
  }

  private async saveNow(run: NewRun): Promise<ClusterRunRecord> {
    const createdAt = Date.now();
    // Time-ordered ids: sorting by id is sorting by creation.
    const id = `${createdAt.toString(36).padStart(9, '0')}-${Math.random().toString(36).slice(2, 8)}`;
    const { members, ...rest } = run;
    const record: ClusterRunRecord = { ...rest, id, createdAt };
    if (members.length > 0) {
      await this.membersTable.add(
        makeArrowTable(
          members.map((m) => memberRow(id, m)),
          { schema: membersSchema },
        ),
      );
    }
    // The run row last: a run that is listed always has its members.
    await this.runs.add(
      makeArrowTable(
        [
          {
            id,
            algorithm: record.algorithm,
            params: JSON.stringify(record.params),
            space: record.space,
            reduce: JSON.stringify(record.reduce),
            metrics: JSON.stringify(record.metrics),
            seconds: record.seconds,
            libraryVersion: record.libraryVersion,
            fingerprint: record.fingerprint,
            trackCount: record.trackCount,
            createdAt,
            subset: record.subset,
          },
        ],
        { schema: runsSchema },
      ),
    );
    await this.db.setMeta(ACTIVE_KEY, '');
    return record;
  }

  /** Every stored run, newest first. */
  async list(): Promise<ClusterRunRecord[]> {
    const rows = (await this.runs.query().toArray()) as Record<string, unknown>[];
    return rows.map(toRecord).sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
  }

  async get(id: string): Promise<ClusterRunRecord | null> {
    const rows = (await this.runs
      .query()
      .where(`id = ${sqlString(id)}`)
      .toArray()) as Record<string, unknown>[];
    return rows.length ? toRecord(rows[0]) : null;
  }

  /** The chosen run, else the latest (null before the first run). */
  async active(): Promise<ClusterRunRecord | null> {
    const chosen = this.db.getMeta(ACTIVE_KEY);
    if (chosen) {
      const run = await this.get(chosen);
      if (run) return run;
    }
    return (await this.list())[0] ?? null;
  }

  /** Chooses the active run (it must exist). */
  async choose(id: string): Promise<ClusterRunRecord> {
    const run = await this.get(id);
    if (!run) throw new Error(`no clustering run ${id}`);
    await this.db.setMeta(ACTIVE_KEY, id);
    return run;
  }

  /** Stores a map made after the run (replacing one of the same method). */
  saveMap(runId: string, method: string, points: MapRow[]): Promise<void> {
    const job = this.writing.then(async () => {
      await this.mapsTable.delete(`runId = ${sqlString(runId)} AND method = ${sqlString(method)}`);
      if (points.length === 0) return;
      await this.mapsTable.add(
        makeArrowTable(
          points.map((p) => ({ runId, method, ...p })),
          { schema: mapsSchema },
        ),
      );
    });
    this.writing = job.then(
      () => undefined,
      () => undefined,
    );
    return job;
  }

  /** A stored map of the run by that method (empty when none was made). */
  async map(runId: string, method: string): Promise<MapRow[]> {
    const rows = (await this.mapsTable
      .query()
      .where(`runId = ${sqlString(runId)} AND method = ${sqlString(method)}`)
      .toArray()) as Record<string, unknown>[];
    return rows.map((r) => ({ trackId: readText(r.trackId), x: readNumber(r.x), y: readNumber(r.y) }));
  }

  async members(runId: string): Promise<MemberRow[]> {
    const rows = (await this.membersTable
      .query()
      .where(`runId = ${sqlString(runId)}`)
      .toArray()) as Record<string, unknown>[];
    return rows.map((r) => ({
      trackId: readText(r.trackId),
      label: readNumber(r.label),
      strength: readNumber(r.strength),
      x: readNumber(r.x),
      y: readNumber(r.y),
      px: readNumber(r.px),
      py: readNumber(r.py),
      joined: readNumber(r.joined) === 1,
      vhash: readText(r.vhash),
    }));
  }

  /** Adds tracks that joined the run after it was made (ids not already members). */
  addMembers(runId: string, members: MemberRow[]): Promise<void> {
    const job = this.writing.then(async () => {
      if (members.length === 0) return;
      await this.membersTable.add(
        makeArrowTable(
          members.map((m) => memberRow(runId, { ...m, joined: true })),
          { schema: membersSchema },
        ),
      );
    });
    this.writing = job.then(
      () => undefined,
      () => undefined,
    );
    return job;
  }
}
