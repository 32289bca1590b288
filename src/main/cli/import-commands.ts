/** `timbre import-features FILE.csv`: tracks without audio from a Spotify-style feature table. */
import { resolve } from 'node:path';
import { call, UsageError, type Command, type CommandContext, type Values } from './common';
import { printJson } from './output';

/** Rejected rows shown one per line up to this many; the rest are counted. */
const SHOW_REJECTED = 20;

function importFeaturesCheck(_values: Values, args: string[]): void {
  if (args.length !== 1) throw new UsageError('import-features takes one CSV file');
}

async function importFeaturesRun({ service, values, args }: CommandContext): Promise<number> {
  const summary = await call(service, 'library.importFeatures', { path: resolve(args[0]) });
  if (values.json) {
    printJson(summary);
    return 0;
  }
  console.log(
    `Imported ${summary.imported} tracks (no audio) from ${summary.path}${summary.removed ? `; ${summary.removed} from an earlier import of it removed` : ''}.`,
  );
  console.log(
    `Read: ${summary.columns.map((c) => (c.header === c.as ? c.as : `${c.header} → ${c.as}`)).join(', ')}`,
  );
  if (summary.missingSound.length)
    console.log(`Sound columns not in the table: ${summary.missingSound.join(', ')}`);
  if (summary.notUsed.length)
    console.log(`Not used: ${summary.notUsed.map((h) => h || '(unnamed)').join(', ')}`);
  if (summary.unknown.length) console.log(`Unknown columns (ignored): ${summary.unknown.join(', ')}`);
  if (summary.rejected.length) {
    console.log(`${summary.rejected.length} rows not imported:`);
    for (const r of summary.rejected.slice(0, SHOW_REJECTED)) console.log(`  line ${r.line}: ${r.reason}`);
    if (summary.rejected.length > SHOW_REJECTED)
      console.log(`  … and ${summary.rejected.length - SHOW_REJECTED} more (--json lists them all)`);
  }
  console.log('Cluster them with `timbre cluster --space features --where source:imported`.');
  return 0;
}

export const importFeaturesCommand: Command = { check: importFeaturesCheck, run: importFeaturesRun };
