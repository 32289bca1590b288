import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
const [batch, arena, pattern] = process.argv.slice(2).map(Number);
const mb = () => `${(process.memoryUsage().rss / 1048576).toFixed(0)} MB (max ${(process.resourceUsage().maxRSS / 1024).toFixed(0)})`;
const s = await ort.InferenceSession.create('/tmp/eng/home1/models/converted/msd-412a832c8527a813-c1.onnx', { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential', enableCpuMemArena: !!arena, enableMemPattern: !!pattern });
console.log('loaded', mb());
const data = new Float32Array(batch * 187 * 96).map(() => Math.random() * 3);
let t0 = performance.now();
for (let k = 0; k < 8 / batch * 3; k++) {
  const out = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', data, [batch, 187, 96]) });
  for (const t of Object.values(out)) (t as any).dispose?.();
}
console.log(`batch ${batch} arena ${arena} pattern ${pattern}: ${((performance.now() - t0) / 24).toFixed(1)} ms/patch`, mb());
