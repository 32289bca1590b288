import { readFileSync, readdirSync } from 'node:fs';
const dir = '/tmp/prof'; const f = readdirSync(dir)[0];
const p = JSON.parse(readFileSync(dir + '/' + f));
const self = new Map(); const byId = new Map(p.nodes.map(n => [n.id, n]));
const dt = p.timeDeltas; const total = dt.reduce((a, b) => a + b, 0);
const counts = new Map();
p.samples.forEach((s, i) => counts.set(s, (counts.get(s) || 0) + dt[i]));
for (const [id, t] of counts) { const n = byId.get(id); const u = n.callFrame.url.replace(/.*node_modules\//, '').split('/').slice(0, 2).join('/'); const k = n.callFrame.functionName + ' ' + u; self.set(k, (self.get(k) || 0) + t); }
const byPkg = new Map();
for (const [id, t] of counts) { const n = byId.get(id); const u = n.callFrame.url.includes('node_modules') ? n.callFrame.url.replace(/.*node_modules\//, '').split('/')[0] : (n.callFrame.url ? n.callFrame.url.split('/').slice(-2).join('/') : n.callFrame.functionName); byPkg.set(u, (byPkg.get(u) || 0) + t); }
console.log('total ms', (total / 1000).toFixed(0));
console.log([...byPkg].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([k, t]) => `${(t / 1000).toFixed(0)}ms ${k}`).join('\n'));
console.log('---');
console.log([...self].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, t]) => `${(t / 1000).toFixed(0)}ms ${k}`).join('\n'));
