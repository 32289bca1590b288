import { readFileSync, readdirSync } from 'node:fs';
const dir = '/tmp/prof'; const f = readdirSync(dir).sort()[0];
const p = JSON.parse(readFileSync(dir + '/' + f));
const byId = new Map(p.nodes.map(n => [n.id, n]));
const parent = new Map(); for (const n of p.nodes) for (const c of n.children || []) parent.set(c, n.id);
const dt = p.timeDeltas; const counts = new Map();
p.samples.forEach((s, i) => counts.set(s, (counts.get(s) || 0) + dt[i]));
const stacks = new Map();
for (const [id, t] of counts) { const n = byId.get(id); if (n.callFrame.functionName !== process.argv[2]) continue;
  let st = []; let cur = parent.get(id); for (let k = 0; k < 5 && cur; k++) { const c = byId.get(cur).callFrame; st.push(c.functionName + '@' + c.url.split('/').slice(-2).join('/') + ':' + c.lineNumber); cur = parent.get(cur); }
  const key = st.join(' < '); stacks.set(key, (stacks.get(key) || 0) + t); }
console.log([...stacks].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, t]) => `${(t / 1000).toFixed(0)}ms ${k}`).join('\n'));
