/**
 * The folder picker's view of the machine: the sub-folders of one folder, never files. Used by
 * browser mode, which has no native dialog; the path comes from the client, so it is resolved and
 * must be an existing folder (symlinks to folders are followed and shown by their link name).
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, parse, resolve } from 'node:path';
import { ApiError } from '../../shared/contract';
import type { DirEntry, DirListing } from '../../shared/browse-types';

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
/** A folder with more entries than this is cut (a picker is not a file manager). */
const MAX_DIRS = 5000;

export async function listDirs(path?: string): Promise<DirListing> {
  const asked = resolve(path ?? homedir());
  let dir: string;
  try {
    dir = await realpath(asked);
    if (!(await stat(dir)).isDirectory()) throw new Error('not a folder');
  } catch {
    throw new ApiError('not_found', `${asked} is not a folder that can be opened`);
  }
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ApiError(
      'bad_request',
      code === 'EACCES' || code === 'EPERM' ? `no permission to open ${dir}` : `cannot open ${dir}`,
    );
  }
  const dirs: DirEntry[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const full = join(dir, e.name);
    let isDir = e.isDirectory();
    if (!isDir && e.isSymbolicLink())
      isDir = await stat(full).then(
        (s) => s.isDirectory(),
        () => false,
      );
    if (isDir) dirs.push({ name: e.name, path: full });
    if (dirs.length >= MAX_DIRS) break;
  }
  dirs.sort((a, b) => collator.compare(a.name, b.name));
  const top = parse(dir).root;
  const home = homedir();
  return {
    path: dir,
    parent: dir === top ? null : dirname(dir),
    dirs,
    places: [
      { name: 'Home', path: home },
      { name: 'Computer', path: top },
    ],
  };
}
