/**
 * Where the script of a helper process (analysis worker, tag reader) is: its built `.js` beside the
 * calling module when running bundled (electron-vite emits each as an entry in out/main), else its
 * TypeScript source beside the module, started through tsx (CLI from source, tests, benches).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface ChildEntry {
  /** File to start. */
  path: string;
  /** Node options it needs (tsx when it is TypeScript source). */
  execArgv: string[];
}

const tsxArgs = (path: string): string[] => (/\.[cm]?ts$/.test(path) ? ['--import', 'tsx'] : []);

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
