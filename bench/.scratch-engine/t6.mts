import { resolveModel } from '../../src/main/analysis/models/manager';
import { musicnnDir } from '../../test/helpers/shared';
import { analyzeTrack } from '../../src/main/analysis/analyze-track';
import { decodeAudio } from '../../src/main/analysis/decode';
import { extractFeaturesTimed } from '../../src/main/analysis/features/extract';
const m = await resolveModel('msd', { home: '/tmp/eng/home1', modelsDir: musicnnDir, allowDownload: false });
const { Embedder } = await import('../../src/main/analysis/models/embedder');
const e = await Embedder.load(m);
for (const f of process.argv.slice(2)) {
  const r = await analyzeTrack({ trackId: 'x', path: f, durationHint: 0, channelsHint: 2 }, { analysisVersion: 'v', embedder: e, patches: 8 });
  console.log(f.split('/').pop(), JSON.stringify(r.timings));
  let t0 = performance.now();
  const d = await decodeAudio(f, { rates: [16000] });
  console.log(' decode again', (performance.now() - t0).toFixed(0), 'ms', d.decodedSeconds.toFixed(1), 's');
  const ft = extractFeaturesTimed(d.pcm.get(16000)!, 16000);
  console.log(' features', JSON.stringify(ft.timings));
}
