/** Finds Timbre's own folder (source checkout, built `out/`, or packaged app) by its package.json. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface PackageJson {
  name?: string;
  version?: string;
}

function readPackage(dir: string): PackageJson | null {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
  } catch {
    return null;
  }
}

export function projectRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = resolve(from);
  for (let i = 0; i < 10; i++) {
    if (readPackage(dir)?.name === 'timbre') return dir;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error('cannot find the Timbre project folder (package.json)');
}

export function packageVersion(): string {
  try {
    return readPackage(projectRoot())?.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
