/**
 * Clustering worker process: receives one matrix and request (a whole run, or a t-SNE map alone),
 * runs it off the main thread, reports progress, honours 'cancel', sends the outcome and exits.
 */
import { runClustering } from './pipeline';
import { runMessageSchema, tsneMessageSchema, type WorkerToHost } from './protocol';
import type { Progress } from './matrix';
import { tsne } from './tsne';

const send = (message: WorkerToHost): void => {
  process.send?.(message);
};

const controller = new AbortController();
let started = false;
let last = 0;

/** Progress, at most ~10 messages a second. */
const throttled = (progress: Progress): void => {
  const now = Date.now();
  if (now - last < 100) return;
  last = now;
  send({ type: 'progress', progress });
};

const fail = (err: unknown): void => {
  const aborted = err instanceof Error && err.name === 'AbortError';
  send({ type: 'error', message: err instanceof Error ? err.message : String(err), aborted });
};

process.on('message', (raw: unknown) => {
  if (typeof raw === 'object' && raw !== null && (raw as { type?: unknown }).type === 'cancel') {
    controller.abort(new DOMException('clustering cancelled', 'AbortError'));
    return;
  }
  if (started) return;
  if (typeof raw === 'object' && raw !== null && (raw as { type?: unknown }).type === 'tsne') {
    const asked = tsneMessageSchema.safeParse(raw);
    if (!asked.success) {
      send({ type: 'error', message: `bad request: ${asked.error.message}`, aborted: false });
      process.disconnect?.();
      return;
    }
    started = true;
    const { data, n, dim, seed } = asked.data;
    new Promise<Float32Array>((resolve) =>
      resolve(tsne({ data, n, dim }, { seed, signal: controller.signal, onProgress: throttled }).data),
    )
      .then((coordinates) => send({ type: 'map', coordinates }))
      .catch(fail)
      .finally(() => process.disconnect?.());
    return;
  }
  const parsed = runMessageSchema.safeParse(raw);
  if (!parsed.success) {
    send({ type: 'error', message: `bad request: ${parsed.error.message}`, aborted: false });
    process.disconnect?.();
    return;
  }
  started = true;
  const { data, n, dim, request } = parsed.data;
  runClustering({ data, n, dim }, request, { signal: controller.signal, onProgress: throttled })
    .then((outcome) => send({ type: 'done', outcome }))
    .catch(fail)
    .finally(() => process.disconnect?.());
});
