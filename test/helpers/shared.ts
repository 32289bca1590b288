/** The one way tests and benches find the read-only ../shared folder (never copied into the project). */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findShared(): string {
  const fromEnv = process.env.TIMBRE_SHARED;
  if (fromEnv && existsSync(join(fromEnv, 'DESIGN.md'))) return resolve(fromEnv);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, '..', 'shared');
    if (existsSync(join(candidate, 'DESIGN.md'))) return resolve(candidate);
    dir = dirname(dir);
  }
  throw new Error('cannot find ../shared beside the project checkout (set TIMBRE_SHARED)');
}

export const sharedDir = findShared();
export const fixturesDir = join(sharedDir, 'corpus', 'fixtures');
export const fixtureLibraryDir = join(fixturesDir, 'library');
export const fixtureOddDir = join(fixturesDir, 'odd');
export const oddCorpusDir = join(sharedDir, 'corpus', 'odd');
export const musicnnDir = join(sharedDir, 'models', 'musicnn');
export const musicnnReferenceDir = join(musicnnDir, 'reference');
export const efficientatDir = join(sharedDir, 'models', 'efficientat');
export const efficientatReferenceDir = join(efficientatDir, 'reference');
/** The folder holding every model source (each model in its own subfolder). */
export const modelsRootDir = join(sharedDir, 'models');
