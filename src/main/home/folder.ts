/** Where Timbre keeps its data (database, settings, converted models). Shared by CLI and app. */
import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** TIMBRE_HOME, else the XDG data folder. Electron passes its userData folder explicitly. */
export function resolveHome(explicit?: string): string {
  if (explicit) return resolve(explicit);
  if (process.env.TIMBRE_HOME) return resolve(process.env.TIMBRE_HOME);
  const xdg = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(xdg, 'timbre');
}

export const homeLayout = (home: string) => ({
  database: join(home, 'db'),
  settings: join(home, 'settings.json'),
  models: join(home, 'models'),
});

/**
 * Why `home` cannot be Timbre's data folder, or null when it can (it is a folder, or can be made
 * under its nearest existing ancestor folder). Checked before anything is created there, with a
 * message a user can act on (a file given by mistake, a path under /proc or /sys).
 */
export function homeProblem(home: string): string | null {
  let dir = resolve(home);
  for (;;) {
    let isDir: boolean;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {
      const parent = dirname(dir);
      if (parent === dir) return null;
      dir = parent;
      continue;
    }
    if (!isDir) return `the data folder ${home} cannot be used: ${dir} is a file, not a folder`;
    if (/^\/(proc|sys|dev)(\/|$)/.test(dir))
      return `the data folder ${home} cannot be used: ${dir} is a system folder`;
    return null;
  }
}
