/**
 * Rebuilding the catalog after the doctor set a damaged tracks table aside (store/doctor.ts): the
 * remembered library folders are scanned again into a new table, and each file found gets back the
 * id it had (library/identities.ts), so its analysis, cluster memberships and playlist entries are
 * its own again. Never an empty catalog over a library that existed: with no folder to scan, it
 * says so.
 */
import { Catalog } from './catalog';

export interface RebuildReport {
  roots: string[];
  tracks: number;
  /** Tracks that got their former id back. */
  keptIds: number;
  /** Former ids no file was found for (yet): a folder not mounted, files gone. */
  unclaimed: number;
}

export async function rebuildCatalog(home: string): Promise<RebuildReport> {
  const catalog = await Catalog.open(home);
  try {
    const roots = await catalog.roots();
    const former = catalog.formerIds;
    if (roots.length > 0) await catalog.scan(roots);
    const keptIds = catalog.idsGivenBack;
    return { roots, tracks: catalog.size, keptIds, unclaimed: Math.max(0, former - keptIds) };
  } finally {
    await catalog.close();
  }
}

export function rebuildLine(r: RebuildReport): string {
  if (r.roots.length === 0)
    return 'rebuilt   tracks: no library folder is remembered; scan your music folders again (timbre scan DIR).';
  const unclaimed =
    r.unclaimed > 0
      ? ` ${r.unclaimed} former tracks were not found (a folder not mounted?); scanning it later gives them their ids back.`
      : '';
  return (
    `rebuilt   tracks: rescanned ${r.roots.length} folder(s): ${r.tracks} tracks, ` +
    `${r.keptIds} of them with their former ids (their analysis is kept).${unclaimed}`
  );
}
