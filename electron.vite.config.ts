/**
 * One build for the three Electron bundles (main, preload, renderer).
 *
 * - main: several entries share chunks in out/main/chunks. Everything in package.json
 *   `dependencies` (LanceDB, onnxruntime-node, essentia.js, music-metadata, …) stays external:
 *   electron-vite's `externalizeDeps` (on by default) marks them so; bundling breaks native and
 *   WASM packages. The bundles also run under plain Node 20 (`timbre serve`, the CLI, analysis
 *   workers forked by Node), so the syntax target is Node 20, not Electron's Node.
 * - preload: CommonJS, because a sandboxed preload cannot be an ES module.
 * - renderer: React; the production index.html gets a strict CSP meta tag (the dev server keeps
 *   Vite's inline preamble working, so the tag is added at build time only).
 */
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';
import { rendererCsp } from './src/shared/csp';

const root = import.meta.dirname;

function cspMeta(): Plugin {
  return {
    name: 'timbre:csp-meta',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler: () => [
        {
          tag: 'meta',
          attrs: { 'http-equiv': 'Content-Security-Policy', content: rendererCsp('electron') },
          injectTo: 'head-prepend',
        },
      ],
    },
  };
}

/**
 * electron-vite's ESM shim adds `const require = createRequire(import.meta.url)` to every main
 * chunk that mentions `require(`. Our modules load CommonJS packages the same way at module level
 * (`const require = createRequire(import.meta.url)`), so a chunk can end up declaring `require`
 * twice (a SyntaxError at load). The shim's binding is the same value and comes first: drop the
 * module's own identical declaration; fail the build if another kind of `require` binding remains.
 */
function dedupeRequireShim(): Plugin {
  const shim = /^const require = __shims_module__\.createRequire\(import\.meta\.url\);$/m;
  const own = /^(?:var|let|const) require = (?:__vite_\w+\.)?createRequire\(import\.meta\.url\);\n/gm;
  return {
    name: 'timbre:dedupe-require-shim',
    apply: 'build',
    enforce: 'post',
    renderChunk(code, chunk) {
      if (!shim.test(code)) return null;
      const shimLine = code.match(shim)?.[0] ?? '';
      const start = code.indexOf(shimLine) + shimLine.length;
      const rest = code.slice(start).replace(own, '');
      if (/^(?:var|let|const|function) require\b/m.test(rest)) {
        throw new Error(
          `${chunk.fileName}: a module declares its own \`require\`; use createRequire(import.meta.url) as \`const require\``,
        );
      }
      return rest.length === code.length - start ? null : { code: code.slice(0, start) + rest, map: null };
    },
  };
}

export default defineConfig({
  main: {
    plugins: [dedupeRequireShim()],
    build: {
      target: 'node20.19',
      externalizeDeps: true,
      rolldownOptions: {
        input: {
          index: resolve(root, 'src/main/electron/main.ts'),
          cli: resolve(root, 'src/main/cli.ts'),
          worker: resolve(root, 'src/main/analysis/worker.ts'),
          'read-worker': resolve(root, 'src/main/library/read-worker.ts'),
          // Large clusterings run in a forked process; clusters/runner.ts looks for this file
          // beside its own chunk in out/main (see child-entry.ts).
          'clusters-worker': resolve(root, 'src/main/clusters/worker.ts'),
          browser: resolve(root, 'src/main/browser/main.ts'),
        },
        // Shared chunks beside the entries (not in chunks/): modules that locate siblings through
        // import.meta.url (the analysis and clustering worker and tag reader entries, the renderer folder) then see out/main.
        output: { chunkFileNames: '[name]-[hash].js' },
      },
    },
  },
  preload: {
    build: {
      externalizeDeps: true,
      rolldownOptions: {
        input: { index: resolve(root, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src/renderer'),
    plugins: [react(), cspMeta()],
    build: {
      target: 'es2022',
      minify: true,
      rolldownOptions: { input: resolve(root, 'src/renderer/index.html') },
    },
  },
});
