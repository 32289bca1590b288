/** The library catalog: folder scan, tag reading, change detection, LanceDB storage, queries. */
export { Catalog, type ScanOptions } from './catalog';
export {
  Database,
  type Connection,
  type Migration,
  type MigrationContext,
  type Table,
  type TableSpec,
} from './db';
export { AUDIO_EXTENSIONS, MODULE_EXTENSIONS } from './walker';
export { SCAN_ERRORS, TRACKS } from './schema';
