import { describe, expect, it } from 'vitest';
import type { AnalysisJob, TrackAnalysisResult } from '../../../src/main/analysis/types';
import type {
  HostMessage,
  WorkerExit,
  WorkerHost,
  WorkerMessage,
} from '../../../src/main/analysis/worker-host';
import { describeExit, WorkerPool, type PoolEvents } from '../../../src/main/analysis/worker-pool';
import { makeScalars } from '../../helpers/synthetic';

/** A worker host the test drives by hand. */
class FakeHost implements WorkerHost {
  readonly sent: HostMessage[] = [];
  killed = false;
  private messageListeners: ((m: unknown) => void)[] = [];
  private exitListeners: ((e: WorkerExit) => void)[] = [];
  private exited: WorkerExit | null = null;
  constructor(readonly pid: number) {}
  send(message: HostMessage): boolean {
    if (this.exited) return false;
    this.sent.push(message);
    if (message.type === 'shutdown') this.exit({ code: 0, signal: null });
    return true;
  }
  onMessage(listener: (m: unknown) => void): void {
    this.messageListeners.push(listener);
  }
  onExit(listener: (e: WorkerExit) => void): void {
    if (this.exited) listener(this.exited);
    else this.exitListeners.push(listener);
  }
  kill(): void {
    this.killed = true;
    this.exit({ code: null, signal: 'SIGKILL' });
  }
  reply(message: WorkerMessage): void {
    this.replyRaw(message);
  }
  /** Anything at all, as a broken worker could send it. */
  replyRaw(message: unknown): void {
    for (const l of this.messageListeners) l(message);
  }
  exit(exit: WorkerExit): void {
    if (this.exited) return;
    this.exited = exit;
    for (const l of this.exitListeners) l(exit);
  }
  get jobs(): AnalysisJob[] {
    return this.sent.flatMap((m) => (m.type === 'job' ? [m.job] : []));
  }
}

const job = (id: string, durationHint = 10): AnalysisJob => ({ trackId: id, path: `/m/${id}`, durationHint });

const result = (trackId: string): TrackAnalysisResult => ({
  trackId,
  analysisVersion: 'v',
  features: { scalars: makeScalars(), vector: new Float32Array(2), names: ['a', 'b'] },
  embeddings: [],
  timings: { decodeMs: 1, featuresMs: 1, embeddingMs: 0 },
});

function setup(jobs: AnalysisJob[], trackTimeoutMs?: (d: number) => number) {
  const hosts: FakeHost[] = [];
  const log: string[] = [];
  const events: PoolEvents = {
    onReady: () => log.push('ready'),
    onRss: () => undefined,
    onResult: (j) => log.push(`result ${j.trackId}`),
    onFailure: (j, reason) => log.push(`failed ${j.trackId}: ${reason}`),
    onInitError: (reason) => log.push(`init-error ${reason}`),
    onStartFailure: (err) => log.push(`start-failure ${err.message}`),
    onChange: () => undefined,
    onSettled: () => undefined,
  };
  const pool = new WorkerPool(
    {
      hostFactory: () => {
        const host = new FakeHost(100 + hosts.length);
        hosts.push(host);
        return host;
      },
      init: { type: 'init', model: null, patches: 0, analysisVersion: 'v' },
      trackTimeoutMs,
    },
    jobs,
    events,
  );
  const ready = (host: FakeHost) =>
    host.reply({ type: 'ready', pid: host.pid, model: null, loadMs: 5, maxRssKb: 1 });
  return { pool, hosts, log, ready };
}

describe('WorkerPool', () => {
  it('starts no more workers than jobs, each with the init message, and hands out jobs in queue order', () => {
    const { pool, hosts, ready, log } = setup([job('a'), job('b'), job('c')]);
    pool.start(8);
    expect(hosts).toHaveLength(3);
    expect(hosts.every((h) => h.sent[0]?.type === 'init')).toBe(true);
    ready(hosts[1]);
    ready(hosts[0]);
    expect(hosts[1].jobs.map((j) => j.trackId)).toEqual(['a']);
    expect(hosts[0].jobs.map((j) => j.trackId)).toEqual(['b']);
    expect(pool.queued).toBe(1);
    hosts[1].reply({ type: 'result', trackId: 'a', result: result('a'), maxRssKb: 1 });
    expect(hosts[1].jobs.map((j) => j.trackId)).toEqual(['a', 'c']);
    expect(log).toContain('result a');
    expect(pool.current().sort()).toEqual(['/m/b', '/m/c']);
    expect(pool.drained).toBe(false);
  });

  it('charges a dead worker its job and respawns it while jobs remain', () => {
    const { pool, hosts, ready, log } = setup([job('a'), job('b')]);
    pool.start(1);
    ready(hosts[0]);
    hosts[0].exit({ code: 134, signal: null, stderrTail: 'first\nAborted (core dumped)\n' });
    expect(log).toContain('failed a: worker crashed: exit code 134 (Aborted (core dumped))');
    expect(hosts).toHaveLength(2);
    ready(hosts[1]);
    expect(hosts[1].jobs.map((j) => j.trackId)).toEqual(['b']);
    hosts[1].reply({ type: 'error', trackId: 'b', reason: 'unreadable', maxRssKb: 1 });
    expect(log).toContain('failed b: unreadable');
    expect(pool.drained).toBe(true);
  });

  it('charges a malformed message to the track in hand and restarts the worker; nothing of it is kept', () => {
    const { pool, hosts, ready, log } = setup([job('a'), job('b'), job('c')]);
    pool.start(1);
    ready(hosts[0]);
    const bad = result('a');
    bad.features.vector[1] = Number.NaN;
    hosts[0].reply({ type: 'result', trackId: 'a', result: bad, maxRssKb: 1 });
    expect(hosts[0].killed).toBe(true);
    expect(log).not.toContain('result a');
    expect(log).toContain(
      'failed a: the worker sent a malformed message (result.features.vector: value 1 is not a finite number (NaN)); worker restarted',
    );
    ready(hosts[1]);
    hosts[1].replyRaw({ type: 'result', trackId: 'b' });
    expect(log).toContain(
      'failed b: the worker sent a malformed message (result: Invalid input: expected object, received undefined); worker restarted',
    );
    ready(hosts[2]);
    hosts[2].reply({ type: 'result', trackId: 'c', result: result('c'), maxRssKb: 1 });
    expect(log).toContain('result c');
    expect(pool.drained).toBe(true);
  });

  it('kills a worker that overruns the time limit and charges the timeout', async () => {
    const { pool, hosts, ready, log } = setup([job('slow')], () => 20);
    pool.start(1);
    ready(hosts[0]);
    await new Promise((r) => setTimeout(r, 60));
    expect(hosts[0].killed).toBe(true);
    expect(log).toContain('failed slow: timed out after 0 s (worker killed)');
  });

  it('stops respawning after three workers die before taking a job', () => {
    const { pool, hosts, log } = setup([job('a')]);
    pool.start(1);
    for (let i = 0; i < 3; i++) hosts[i].exit({ code: 1, signal: null });
    expect(hosts).toHaveLength(3);
    expect(log.filter((l) => l.startsWith('start-failure'))).toEqual([
      'start-failure analysis worker keeps failing to start: worker crashed: exit code 1',
    ]);
  });

  it('hands out nothing while held, and reports nothing once stopped', async () => {
    const { pool, hosts, ready, log } = setup([job('a'), job('b')]);
    pool.handingOut = false;
    pool.start(1);
    ready(hosts[0]);
    expect(hosts[0].jobs).toEqual([]);
    pool.handingOut = true;
    pool.dispatch();
    expect(hosts[0].jobs.map((j) => j.trackId)).toEqual(['a']);
    await pool.stop(true);
    expect(hosts[0].sent.at(-1)).toEqual({ type: 'shutdown' });
    const before = [...log];
    hosts[0].reply({ type: 'result', trackId: 'a', result: result('a'), maxRssKb: 1 });
    expect(log).toEqual(before);
    expect(pool.size).toBe(0);
  });
});

describe('describeExit', () => {
  it('tells the error of a Node crash report, not the version line it ends with', () => {
    const stderrTail = [
      'file:///app/out/main/worker.js:1439',
      '\tthrow new Error("analysis worker started without an IPC channel");',
      '\t      ^',
      '',
      'Error: analysis worker started without an IPC channel',
      '    at file:///app/out/main/worker.js:1439:8',
      '    at ModuleJob.run (node:internal/modules/esm/module_job:234:25)',
      '',
      'Node.js v20.20.2',
    ].join('\n');
    expect(describeExit({ code: 1, signal: null, stderrTail })).toBe(
      'worker crashed: exit code 1 (Error: analysis worker started without an IPC channel)',
    );
    expect(describeExit({ code: null, signal: 'SIGKILL', stderrTail: 'killed by the test' })).toBe(
      'worker crashed: signal SIGKILL (killed by the test)',
    );
    expect(describeExit({ code: 139, signal: null })).toBe('worker crashed: exit code 139');
  });
});
