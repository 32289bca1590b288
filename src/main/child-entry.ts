/**
 * Where the script of a helper process (analysis worker, tag reader) is: its built `.js` beside the
 * calling module when running bundled (electron-vite emits each as an entry in out/main), else its
 * TypeScript source beside the module, started through tsx (CLI from source, tests, benches).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface ChildEntry {
  /** File to start. */
  path: string;
  /** Node options it needs (tsx when it is TypeScript source). */
  execArgv: string[];
}

/**
 * tsx by its own file: a bare `--import tsx` is resolved from the current folder, so `timbre`
 * run from source in any other folder started workers that died at once (no tsx there).
 */
let loader: string | null = null;
function tsxLoader(): string {
  if (loader === null) {
    try {
      loader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    } catch {
      loader = 'tsx';
    }
  }
  return loader;
}

const tsxArgs = (path: string): string[] => (/\.[cm]?ts$/.test(path) ? ['--import', tsxLoader()] : []);

/**
 * `override` (an environment variable's value) wins; then the first of `builtNames` found in
 * `dir`; then `<source>.ts` in `dir`.
 */
export function resolveChildEntry(
  dir: string,
  source: string,
  builtNames: string[],
  override?: string,
): ChildEntry {
  if (override) return { path: override, execArgv: tsxArgs(override) };
  for (const name of builtNames) {
    const built = join(dir, name);
    if (existsSync(built)) return { path: built, execArgv: [] };
  }
  const ts = join(dir, `${source}.ts`);
  if (existsSync(ts)) return { path: ts, execArgv: tsxArgs(ts) };
  throw new Error(`${source} entry not found in ${dir} (${[...builtNames, `${source}.ts`].join(', ')})`);
}
