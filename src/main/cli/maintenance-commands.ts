/** Maintenance commands: doctor (checks and restores the database) and ffmpeg (shows or sets it). */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseRequest } from '../../shared/contract';
import { resolveFfmpeg } from '../ffmpeg/resolve';
import { homeLayout } from '../home/folder';
import { acquireHomeLock } from '../home/lock';
import { doctor, doctorLines } from '../store/doctor';
import { rebuildCatalog, rebuildLine } from '../library/rebuild';
import { createService } from '../api/service';
import { UsageError, type Command, type CommandContext, type Values } from './common';
import { printJson } from './output';

/**
 * `timbre doctor`: not through the service, which would refuse to open a damaged database.
 * A writer: it may restore. 1 when a table stays damaged.
 */
export async function doctorCommand(home: string, json: boolean): Promise<number> {
  // Nothing to check, and nothing to make: the lock would create the folder.
  if (!existsSync(homeLayout(home).database)) {
    if (json) printJson({ tables: [] });
    else console.log(`No database in ${home} yet: nothing to check.`);
    return 0;
  }
  const lock = await acquireHomeLock(home, { access: 'write', command: 'timbre doctor' });
  try {
    const report = await doctor(home);
    if (!json) for (const line of doctorLines(report)) console.log(line);
    if (report.tables.some((t) => t.state === 'damaged')) {
      if (json) printJson(report);
      return 1;
    }
    // What was set aside is made anew now: the catalog by rescanning (ids kept), the other tables
    // empty as every store opens them (results are redone by the next analysis).
    const catalogLost = report.tables.some(
      (t) => t.state === 'set-aside' && (t.name === 'tracks' || t.name === 'scan_errors'),
    );
    const rebuild = catalogLost ? await rebuildCatalog(home) : undefined;
    if (rebuild && !json) console.log(rebuildLine(rebuild));
    if (report.tables.some((t) => t.state === 'set-aside')) {
      const service = await createService({ home, mode: 'cli', command: 'timbre doctor' });
      await service.close();
    }
    if (json) printJson(rebuild ? { ...report, rebuild } : report);
    return 0;
  } finally {
    lock.release();
  }
}

/** `timbre ffmpeg [PATH|auto]`: show or set the ffmpeg Timbre runs. */
function ffmpegCheck(_values: Values, args: string[]): void {
  if (args.length > 1) throw new UsageError('ffmpeg takes one PATH (or "auto")');
}

async function ffmpegRun({ service, values, args }: CommandContext): Promise<number> {
  // The one place besides the app's confirmed dialog where the program Timbre runs is chosen.
  if (args.length === 1) {
    const ffmpegPath = args[0] === 'auto' ? '' : resolve(args[0]);
    // Validated like any call, but as the local user's choice: not the page's confirmation.
    await service.handlers['settings.set'](parseRequest('settings.set', { ffmpegPath }));
  }
  return showFfmpeg((await service.handlers['settings.get']({})).ffmpegPath, values.json);
}

/** Prints the ffmpeg setting (`''`: auto) and the binary it resolves to. */
export async function showFfmpeg(current: string, json: boolean): Promise<number> {
  const found = await resolveFfmpeg(current || undefined).then(
    (r) => `${r.path} (ffmpeg ${r.version}, ${r.source})`,
    (err: unknown) => `none usable: ${(err as Error).message}`,
  );
  if (json) printJson({ ffmpegPath: current, resolved: found });
  else console.log(`ffmpeg setting: ${current || 'auto'}\nffmpeg used:    ${found}`);
  return 0;
}

export const ffmpegCommand: Command = { check: ffmpegCheck, run: ffmpegRun };
