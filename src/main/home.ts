/** Where Timbre keeps its data (database, settings, converted models). Shared by CLI and app. */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

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
