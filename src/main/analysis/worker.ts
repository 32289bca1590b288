/**
 * The analysis worker process entry (started by a WorkerHost: child_process.fork or Electron's
 * utilityProcess). The only place that loads essentia.js and onnxruntime-node: one ONNX session per
 * worker, one track at a time, every failure caught and answered per track.
 *
 * Protocol (see worker-host.ts): `init` → `ready` | `init-error`; then `job` → `result` | `error`.
 *
 * Fault injection for tests (never set in normal use):
 * - TIMBRE_WORKER_CRASH_ON=<substring>: a job whose path contains it calls process.abort() (a real
 *   native crash, as a WASM abort or an ORT fault would be).
 * - TIMBRE_WORKER_HANG_ON=<substring>: a job whose path contains it never answers (per-track timeout).
 */
import { analyzeTrack, type AnalyzeContext, type TrackEmbedder } from './analyze-track';
import { PcmBuffers } from '../ffmpeg/pcm-buffers';
import { prepareLauncher } from '../ffmpeg/launcher';
import { describeError, type HostMessage, type WorkerInit, type WorkerMessage } from './worker-host';
import type { AnalysisJob } from './types';

interface Port {
  send(message: WorkerMessage): void;
  onMessage(listener: (message: HostMessage) => void): void;
}

interface ElectronParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

function connect(): Port {
  const parentPort = (process as unknown as { parentPort?: ElectronParentPort }).parentPort;
  if (parentPort) {
    return {
      send: (message) => parentPort.postMessage(message),
      onMessage: (listener) => parentPort.on('message', (event) => listener(event.data as HostMessage)),
    };
  }
  if (process.send) {
    const send = process.send.bind(process);
    process.on('disconnect', () => process.exit(0));
    return {
      send: (message) => {
        send(message);
      },
      onMessage: (listener) => process.on('message', (message) => listener(message as HostMessage)),
    };
  }
  throw new Error('analysis worker started without an IPC channel');
}

const maxRssKb = (): number => process.resourceUsage().maxRSS;

function main(): void {
  const port = connect();
  // The one fork of this process, while it is small (ffmpeg is started by this shell: launcher.ts).
  prepareLauncher();
  let ctx: AnalyzeContext | null = null;
  let current: string | null = null;
  const crashOn = process.env.TIMBRE_WORKER_CRASH_ON;
  const hangOn = process.env.TIMBRE_WORKER_HANG_ON;

  // Whatever escapes a job (a stray rejection, a throw from a callback) is charged to the track in
  // hand, then the process exits: its state can no longer be trusted. The host respawns it.
  const fatal = (err: unknown) => {
    const reason = `worker failed: ${describeError(err)}`;
    if (current) port.send({ type: 'error', trackId: current, reason, maxRssKb: maxRssKb() });
    else process.stderr.write(`${reason}\n`);
    setTimeout(() => process.exit(1), 50);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);

  const init = async (message: WorkerInit) => {
    const t0 = performance.now();
    try {
      let embedder: TrackEmbedder | null = null;
      if (message.model) {
        const { Embedder } = await import('./models/embedder');
        embedder = await Embedder.load(message.model);
      }
      ctx = {
        analysisVersion: message.analysisVersion,
        embedder,
        patches: message.patches,
        ffmpegPath: message.ffmpegPath || undefined,
        // One set of PCM buffers for the worker's life: each track decodes into the last one's.
        buffers: new PcmBuffers(),
      };
      port.send({
        type: 'ready',
        pid: process.pid,
        model: message.model ? message.model.id : null,
        loadMs: performance.now() - t0,
        maxRssKb: maxRssKb(),
      });
    } catch (err) {
      port.send({ type: 'init-error', reason: describeError(err) });
    }
  };

  const run = async (job: AnalysisJob) => {
    current = job.trackId;
    try {
      if (!ctx) throw new Error('worker received a job before init');
      if (crashOn && job.path.includes(crashOn)) process.abort();
      if (hangOn && job.path.includes(hangOn)) return; // never answers: the host's timeout kills us
      const result = await analyzeTrack(job, ctx);
      port.send({ type: 'result', trackId: job.trackId, result, maxRssKb: maxRssKb() });
    } catch (err) {
      port.send({ type: 'error', trackId: job.trackId, reason: describeError(err), maxRssKb: maxRssKb() });
    } finally {
      current = null;
    }
  };

  // One message at a time, in order.
  let chain: Promise<void> = Promise.resolve();
  port.onMessage((message) => {
    chain = chain.then(async () => {
      if (message.type === 'init') await init(message);
      else if (message.type === 'job') await run(message.job);
      else if (message.type === 'shutdown') process.exit(0);
    });
  });
}

main();
