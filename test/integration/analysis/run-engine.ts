/**
 * Runs the analysis engine on an already scanned Timbre home, in its own process, so a test can
 * SIGKILL it mid-run. Prints one JSON line per event on stdout:
 *   {"event":"flushed","analysed":N,"failed":N,"workers":[pid…]}   whenever the stored counts grow
 *   {"event":"idle","progress":{…}}                when the run is over (then it exits 0)
 * Usage: tsx run-engine.ts <home> <modelsDir> <workers> <model> <batchSize> <flushIntervalMs>
 */
import { Catalog } from '../../../src/main/library/catalog';
import { AnalysisEngine } from '../../../src/main/analysis/engine';
import { ResultsStore } from '../../../src/main/analysis/results-store';

const [home, modelsDir, workers, model, batchSize, flushIntervalMs] = process.argv.slice(2);

const catalog = await Catalog.open(home);
const store = await ResultsStore.open(catalog.db);
const engine = new AnalysisEngine({
  home,
  catalog,
  store,
  modelsDir,
  workers: Number(workers),
  model,
  batchSize: Number(batchSize),
  flushIntervalMs: Number(flushIntervalMs),
});
engine.start();

let last = -1;
const timer = setInterval(() => {
  void store.counts().then(({ analysed, failed }) => {
    if (analysed + failed !== last) {
      last = analysed + failed;
      const workers = Object.keys(engine.runStats().workerPeakRssKb).map(Number);
      process.stdout.write(`${JSON.stringify({ event: 'flushed', analysed, failed, workers })}\n`);
    }
  });
}, 100);

const progress = await engine.whenIdle();
clearInterval(timer);
process.stdout.write(
  `${JSON.stringify({ event: 'idle', progress, error: engine.lastError?.message ?? null })}\n`,
);
await catalog.close();
process.exit(0);
