import { resolveModel } from '../../src/main/analysis/models/manager';
import { musicnnDir } from '../../test/helpers/shared';
const mb = () => `${(process.memoryUsage().rss / 1048576).toFixed(0)} MB rss (max ${(process.resourceUsage().maxRSS / 1024).toFixed(0)}) heap ${(process.memoryUsage().heapUsed/1048576).toFixed(0)} ext ${(process.memoryUsage().external/1048576).toFixed(0)} ab ${(process.memoryUsage().arrayBuffers/1048576).toFixed(0)}`;
console.log('start', mb());
const { analyzeTrack } = await import('../../src/main/analysis/analyze-track');
console.log('imported', mb());
const m = await resolveModel('msd', { home: '/tmp/eng/home1', modelsDir: musicnnDir, allowDownload: false });
const { Embedder } = await import('../../src/main/analysis/models/embedder');
const e = await Embedder.load(m);
console.log('ort loaded', mb());
const mode = process.argv[2] ?? 'both';
const files = ['/work/shared/corpus/fixtures/library/Obsidian Shell/M.A.R.S/Farewell.ogg', '/work/shared/corpus/fixtures/library/Wesnoth/Stephen Rozanc/Northerners.flac', '/work/shared/corpus/fixtures/library/Nexuiz/blkrbt - Desert.opus'];
for (let k = 0; k < 2; k++) for (const f of files) {
  const r = await analyzeTrack({ trackId: 'x', path: f, durationHint: 30, channelsHint: 2 }, { analysisVersion: 'v', embedder: mode === 'features' ? null : e, patches: 8 });
  console.log(f.split('/').pop(), JSON.stringify(r.timings), mb());
}
