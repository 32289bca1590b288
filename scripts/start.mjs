#!/usr/bin/env node
/**
 * `npm start`: build if out/ is missing or older than the sources, then start the Electron app;
 * when Electron's binary is not installed (its download is lazy and may have been impossible),
 * say so and start browser mode (the same app on http://127.0.0.1) instead.
 *
 * Options: --browser (force browser mode), --port <n>, --home <dir>, --no-open, --rebuild.
 * Environment: TIMBRE_HOME, TIMBRE_NO_ELECTRON=1 (same as --browser).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

const outputs = [
  'out/main/index.js',
  'out/main/browser.js',
  'out/preload/index.cjs',
  'out/renderer/index.html',
].map((p) => join(root, p));
const inputs = ['src', 'electron.vite.config.ts', 'package.json'];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

function buildIfStale() {
  const missing = outputs.filter((p) => !existsSync(p));
  const built = missing.length > 0 ? 0 : Math.min(...outputs.map((p) => statSync(p).mtimeMs));
  const sources = Math.max(...inputs.map((p) => newestMtime(join(root, p))));
  if (!flag('--rebuild') && missing.length === 0 && built >= sources) return;
  console.log(
    missing.length > 0 ? 'Timbre: building (out/ is missing)…' : 'Timbre: building (sources changed)…',
  );
  const bin = join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  const result = spawnSync(process.execPath, [bin, 'build'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('Timbre: the build failed (see above).');
    process.exit(result.status ?? 1);
  }
}

/**
 * The Electron binary, or the reason there is none. Reads electron's path.txt itself: requiring
 * the `electron` package would try to download the binary when it is missing.
 */
function findElectron() {
  const pkgDir = join(root, 'node_modules', 'electron');
  if (!existsSync(join(pkgDir, 'package.json'))) return { reason: 'the electron package is not installed' };
  const pathFile = join(pkgDir, 'path.txt');
  if (!existsSync(pathFile)) {
    return { reason: 'node_modules/electron/path.txt is missing: its download was skipped or failed' };
  }
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH || join(pkgDir, 'dist');
  const binary = join(dist, readFileSync(pathFile, 'utf8').trim());
  if (!existsSync(binary)) return { reason: `${binary} does not exist` };
  return { binary };
}

async function startBrowserMode(reason) {
  const entry = join(root, 'out', 'main', 'browser.js');
  const { runBrowserMode } = await import(pathToFileURL(entry).href);
  const hasDisplay =
    process.platform === 'darwin' ||
    process.platform === 'win32' ||
    !!process.env.DISPLAY ||
    !!process.env.WAYLAND_DISPLAY;
  const port = option('--port') ? Number(option('--port')) : 0;
  await runBrowserMode({ home: option('--home'), port, open: hasDisplay && !flag('--no-open'), reason });
}

buildIfStale();

const forced = flag('--browser') || process.env.TIMBRE_NO_ELECTRON === '1';
const electron = forced ? { reason: 'browser mode was asked for' } : findElectron();

if (electron.binary) {
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  if (option('--home')) env.TIMBRE_HOME = option('--home');
  const child = spawn(electron.binary, [root], { cwd: root, stdio: 'inherit', env });
  child.on('error', (err) => {
    console.error(`Timbre: Electron could not be started (${err.message}); starting browser mode instead.`);
    startBrowserMode(`Electron could not be started (${err.message})`).catch((e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    });
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
} else {
  if (!forced) {
    console.log(`Electron's binary is not installed (${electron.reason}); starting browser mode instead.`);
    console.log(
      '(With internet access, `node node_modules/electron/install.js` fetches it for the desktop app.)',
    );
  }
  startBrowserMode(forced ? 'browser mode was asked for' : "Electron's binary is not installed").catch(
    (err) => {
      console.error(`Timbre could not start: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
