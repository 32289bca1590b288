/**
 * Clustering worker process: receives one matrix and request, runs the pipeline off the main
 * thread, reports progress, honours 'cancel', sends the outcome and exits.
 */
import { runClustering } from './pipeline';
import { runMessageSchema, type WorkerToHost } from './protocol';

const send = (message: WorkerToHost): void => {
  process.send?.(message);
};

const controller = new AbortController();
let started = false;

process.on('message', (raw: unknown) => {
  if (typeof raw === 'object' && raw !== null && (raw as { type?: unknown }).type === 'cancel') {
    controller.abort(new DOMException('clustering cancelled', 'AbortError'));
    return;
  }
  if (started) return;
  const parsed = runMessageSchema.safeParse(raw);
  if (!parsed.success) {
    send({ type: 'error', message: `bad request: ${parsed.error.message}`, aborted: false });
    process.disconnect?.();
    return;
  }
  started = true;
  const { data, n, dim, request } = parsed.data;
  let last = 0;
  runClustering({ data, n, dim }, request, {
    signal: controller.signal,
    onProgress: (progress) => {
      // At most ~10 messages a second.
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      send({ type: 'progress', progress });
    },
  })
    .then((outcome) => send({ type: 'done', outcome }))
    .catch((err: unknown) => {
      const aborted = err instanceof Error && err.name === 'AbortError';
      send({ type: 'error', message: err instanceof Error ? err.message : String(err), aborted });
    })
    .finally(() => process.disconnect?.());
});
