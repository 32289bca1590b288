/**
 * What every command module shares: the option table, option readers, the validated call into the
 * core, track lookup by what a shell user types, and the usage error that exits with code 2.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { ZodType } from 'zod';
import {
  InvalidRequestError,
  parseRequest,
  requestSchemas,
  type Method,
  type Request,
  type Response,
} from '../../shared/contract';
import type { SimilarTrack, SimilaritySource, Track } from '../../shared/types';
import type { CoreService } from '../api/service';
import { trackLine, type StatusLine } from './output';

export class UsageError extends Error {}

export const options = {
  home: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  prune: { type: 'boolean', default: false },
  artist: { type: 'string' },
  album: { type: 'string' },
  genre: { type: 'string' },
  text: { type: 'string' },
  missing: { type: 'boolean', default: false },
  limit: { type: 'string' },
  offset: { type: 'string' },
  analysis: { type: 'boolean', default: false },
  workers: { type: 'string' },
  model: { type: 'string' },
  k: { type: 'string', short: 'k' },
  source: { type: 'string' },
  length: { type: 'string' },
  radio: { type: 'boolean', default: false },
  steps: { type: 'string' },
  port: { type: 'string' },
  algo: { type: 'string' },
  space: { type: 'string' },
  method: { type: 'string' },
  where: { type: 'string' },
  csv: { type: 'string' },
  m3u: { type: 'string' },
  run: { type: 'string' },
  'new-address': { type: 'boolean', default: false },
  version: { type: 'boolean', short: 'v', default: false },
} satisfies ParseArgsConfig['options'];

/** A track id as the scanner makes them: 12 base64url characters (9 random bytes). */
const TRACK_ID = /^[A-Za-z0-9_-]{12}$/;
const PLACEHOLDER = '\u0000arg:';

/**
 * Parses the command line. A track id may begin with "-" (one in 64 does), and a shell user
 * pastes it as it is (`timbre why -Xq3…`): an argument of that exact shape that is no option is
 * taken as the id it is, not refused as an unknown option.
 */
export function parseCommandLine(argv: string[]): { values: Values; positionals: string[] } {
  const known = new Set(
    Object.entries(options).flatMap(([name, o]) => ['--' + name, ...('short' in o ? ['-' + o.short] : [])]),
  );
  const end = argv.indexOf('--');
  const masked = argv.map((a, i) =>
    (end < 0 || i < end) && a.startsWith('-') && TRACK_ID.test(a) && !known.has(a) ? PLACEHOLDER + a : a,
  );
  const { values, positionals } = parseArgs({ args: masked, options, allowPositionals: true, strict: true });
  const unmask = (v: string): string => (v.startsWith(PLACEHOLDER) ? v.slice(PLACEHOLDER.length) : v);
  const restored = Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k, typeof v === 'string' ? unmask(v) : v]),
  ) as Values;
  return { values: restored, positionals: positionals.map(unmask) };
}

export type Values = ReturnType<
  typeof parseArgs<{ options: typeof options; allowPositionals: true }>
>['values'];

export function intOption(
  values: Values,
  name: 'limit' | 'offset' | 'workers' | 'k' | 'length' | 'steps' | 'port',
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  // Number('') is 0: an empty value is no number.
  const n = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag(name)} needs a whole number, got "${raw}"`);
  return n;
}

/** How an option is typed on the command line. */
export const flag = (name: string): string => (name === 'k' ? '-k' : `--${name}`);

/** Request fields that a command fills from an option of another name. */
const OPTION_OF_FIELD: Record<string, string> = { count: 'length', roots: 'DIR' };

/** A refused request field as the option the user typed (the field itself when no option sets it). */
export function optionOf(path: string): string {
  const field = path.split('.').pop() ?? path;
  const name = OPTION_OF_FIELD[field] ?? field;
  return name in options ? flag(name) : name;
}

/**
 * Calls the core as every other client does: through the service's `invoke`, which validates the
 * request against the contract before any handler runs. A request the contract refuses is the
 * user's usage error, told in terms of the options.
 */
/** A request the contract refuses, told as the usage error it is, in terms of the options. */
function usageOf(err: InvalidRequestError): UsageError {
  return new UsageError(err.issues.map((i) => `${optionOf(i.path)}: ${i.message}`).join('; '));
}

/**
 * A whole request that a command builds from its options alone, checked against the contract
 * before anything is opened: a usage error is told as one whatever state the library is in.
 */
export function checkRequest<M extends Method>(method: M, request: Request<M>): void {
  try {
    parseRequest(method, request);
  } catch (err) {
    throw err instanceof InvalidRequestError ? usageOf(err) : err;
  }
}

/**
 * The fields of a request that options fill, checked against the contract's schema for each
 * (the rest of the request, tracks, needs the library).
 */
export function checkFields<M extends Method>(method: M, fields: Partial<Record<string, unknown>>): void {
  const shape = (requestSchemas[method] as unknown as { shape?: Record<string, ZodType> }).shape ?? {};
  for (const [field, value] of Object.entries(fields)) {
    if (value === undefined || !shape[field]) continue;
    const result = shape[field].safeParse(value);
    if (!result.success)
      throw new UsageError(result.error.issues.map((i) => `${optionOf(field)}: ${i.message}`).join('; '));
  }
}

export async function call<M extends Method>(
  service: CoreService,
  method: M,
  request: Request<M>,
): Promise<Response<M>> {
  try {
    return (await service.invoke(method, request)) as Response<M>;
  } catch (err) {
    throw err instanceof InvalidRequestError ? usageOf(err) : err;
  }
}

/** Finds a track from what a shell user would type: an id, a file path or "artist - title". */
export async function resolveTrack(service: CoreService, ref: string): Promise<Track> {
  const byId = await service.catalog.get(ref);
  if (byId) return byId;
  if (existsSync(ref)) {
    const byPath = await service.catalog.getByPath(resolve(ref));
    if (byPath) return byPath;
    throw new UsageError(`${ref} is not in the library (scan its folder first)`);
  }
  const page = await service.catalog.list({ text: ref, limit: 50 });
  const lowered = ref.toLowerCase();
  const exact = page.tracks.filter(
    (t) => `${t.artist} - ${t.title}`.toLowerCase() === lowered || t.title.toLowerCase() === lowered,
  );
  const candidates = exact.length > 0 ? exact : page.tracks;
  if (candidates.length === 1) return candidates[0];
  if (candidates.length === 0) throw new UsageError(`no track matches "${ref}"`);
  const shown = candidates
    .slice(0, 8)
    .map((t) => `  ${trackLine(t)}`)
    .join('\n');
  throw new UsageError(`"${ref}" matches ${candidates.length} tracks; use an id:\n${shown}`);
}

export function printSimilar(list: SimilarTrack[]): void {
  list.forEach((s, i) => {
    const n = String(i + 1).padStart(3);
    console.log(`${n}. ${s.score.toFixed(3)}  ${trackLine(s.track)}`);
  });
}

export function sourceOption(values: Values): SimilaritySource | undefined {
  const s = values.source;
  if (s === undefined) return undefined;
  if (s !== 'embedding' && s !== 'features' && s !== 'blend') {
    throw new UsageError(`--source must be embedding, features or blend`);
  }
  return s;
}

/** First Ctrl-C asks the running job to stop cleanly; a second one exits at once. */
export function onInterrupt(stop: () => void): () => void {
  let count = 0;
  const handler = () => {
    count++;
    if (count === 1) {
      process.stderr.write('\nstopping… (Ctrl-C again to quit now)\n');
      stop();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}

/**
 * A command: `check` runs first, before the data folder is looked at or opened (arguments, option
 * values, the requests the options alone make), so a usage error exits 2 in every state of the
 * library; `run` then does the work.
 */
export interface Command {
  check?: (values: Values, args: string[]) => void;
  run: (context: CommandContext) => Promise<number>;
}

/** What a command gets: the open service, the parsed options, its positional arguments, the status line. */
export interface CommandContext {
  service: CoreService;
  values: Values;
  args: string[];
  status: StatusLine;
}
