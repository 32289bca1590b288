/** Analysis command: analyze (analyse). */
import {
  call,
  checkFields,
  intOption,
  onInterrupt,
  UsageError,
  type Command,
  type CommandContext,
  type Values,
} from './common';
import { analysisLine, printJson } from './output';

/** `timbre analyze`: listen to every track not analysed yet; 130 when interrupted. */
function analyzeCheck(values: Values): void {
  const workers = intOption(values, 'workers');
  if (workers === 0) throw new UsageError('--workers must be at least 1');
  checkFields('analysis.start', { workers, model: values.model });
}

async function analyzeRun({ service, values, status }: CommandContext): Promise<number> {
  const workers = intOption(values, 'workers');
  const unsubscribe = service.subscribe((event, payload) => {
    if (event !== 'analysis.progress') return;
    if (values.json) process.stderr.write(JSON.stringify(payload) + '\n');
    else status.show(analysisLine(payload as Parameters<typeof analysisLine>[0]));
  });
  let interrupted = false;
  const release = onInterrupt(() => {
    interrupted = true;
    void call(service, 'analysis.cancel', {});
  });
  const started = await call(service, 'analysis.start', { workers, model: values.model });
  if (started.modelNote && !values.json) process.stderr.write(`note: ${started.modelNote}\n`);
  const final = await service.engine.whenIdle();
  release();
  unsubscribe();
  status.clear();
  if (values.json) printJson(final);
  else {
    if (final.modelNote && final.modelNote !== started.modelNote)
      process.stderr.write(`note: ${final.modelNote}\n`);
    // The counts are what is in the database: a run stopped by a failed write (a full disk)
    // finished more than it could keep.
    const failed = final.storedFailed > 0 ? `, ${final.storedFailed} failed` : '';
    if (final.error && final.total > 0)
      console.log(`Analysed ${final.stored} of ${final.total} tracks${failed}; stopped: ${final.error}`);
    else if (!final.error) console.log(`Analysed ${final.stored} tracks, ${final.storedFailed} failed.`);
    if (final.storedFailed > 0) console.log('See why with: timbre errors --analysis');
    if (final.error && final.total === 0) process.stderr.write(`timbre: analysis stopped: ${final.error}\n`);
  }
  if (interrupted) return 130;
  return final.error || (final.storedFailed > 0 && final.stored === 0) ? 1 : 0;
}

export const analyzeCommand: Command = { check: analyzeCheck, run: analyzeRun };
