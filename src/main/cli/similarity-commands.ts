/** Similarity commands: similar, queue, path, explain, find. */
import { parseRequest, type Request } from '../../shared/contract';
import type { Seed } from '../../shared/types';
import {
  call,
  checkFields,
  checkRequest,
  intOption,
  printSimilar,
  resolveTrack,
  sourceOption,
  UsageError,
  type Command,
  type CommandContext,
  type Values,
} from './common';
import { printJson, trackLine } from './output';

/** `timbre similar TRACK`: nearest tracks. */
function similarCheck(values: Values, args: string[]): void {
  if (args.length !== 1) throw new UsageError('similar needs one track');
  checkFields('similar.tracks', { k: intOption(values, 'k'), source: sourceOption(values) });
}

async function similarRun({ service, values, args }: CommandContext): Promise<number> {
  const track = await resolveTrack(service, args[0]);
  const result = await call(service, 'similar.tracks', {
    seed: { kind: 'track', id: track.id },
    k: intOption(values, 'k') ?? 20,
    source: sourceOption(values),
  });
  if (values.json) printJson(result);
  else {
    console.log(`Like ${trackLine(track)}:`);
    printSimilar(result.results);
  }
  return 0;
}

/** `timbre queue SEED...`: a play-similar queue (or radio). */
function queueCheck(values: Values, args: string[]): void {
  if (args.length === 0 && !values.album && !values.artist)
    throw new UsageError('queue needs seed tracks, --album or --artist');
  const length = intOption(values, 'length');
  if (values.radio) checkFields('similar.radio', { count: length });
  else checkFields('similar.queue', { length, source: sourceOption(values) });
}

async function queueRun({ service, values, args }: CommandContext): Promise<number> {
  const ids: string[] = [];
  for (const a of args) ids.push((await resolveTrack(service, a)).id);
  let seed: Seed;
  if (ids.length > 0) seed = ids.length === 1 ? { kind: 'track', id: ids[0] } : { kind: 'tracks', ids };
  else if (values.album) seed = { kind: 'album', album: values.album, albumArtist: values.artist };
  // queueCheck made sure there is --artist when there is nothing else.
  else seed = { kind: 'artist', artist: values.artist as string };
  const length = intOption(values, 'length') ?? 50;
  const result = values.radio
    ? await call(service, 'similar.radio', { seed, count: length })
    : await call(service, 'similar.queue', { seed, length, source: sourceOption(values) });
  if (values.json) printJson(result);
  else printSimilar(result.tracks);
  return 0;
}

/** `timbre path A B`: a song path from A to B. */
function pathCheck(values: Values, args: string[]): void {
  if (args.length !== 2) throw new UsageError('path needs two tracks');
  checkFields('similar.path', { steps: intOption(values, 'steps') });
}

async function pathRun({ service, values, args }: CommandContext): Promise<number> {
  const [a, b] = [await resolveTrack(service, args[0]), await resolveTrack(service, args[1])];
  const result = await call(service, 'similar.path', {
    from: a.id,
    to: b.id,
    steps: intOption(values, 'steps'),
  });
  if (values.json) printJson(result);
  else printSimilar(result.tracks);
  return 0;
}

/** `timbre explain A B`: why two tracks sound alike (or not). */
function explainCheck(_values: Values, args: string[]): void {
  if (args.length !== 2) throw new UsageError('explain needs two tracks');
}

async function explainRun({ service, values, args }: CommandContext): Promise<number> {
  const [a, b] = [await resolveTrack(service, args[0]), await resolveTrack(service, args[1])];
  const e = await call(service, 'similar.explain', { a: a.id, b: b.id });
  if (values.json) printJson(e);
  else {
    console.log(`A: ${trackLine(a)}\nB: ${trackLine(b)}\n`);
    console.log(`${e.summary} (similarity ${e.score.toFixed(3)})`);
    if (e.sharedTags.length) console.log(`Shared tags: ${e.sharedTags.join(', ')}`);
    if (e.closest.length) console.log(`Alike:\n${e.closest.map((f) => `  - ${f.text}`).join('\n')}`);
    if (e.mostDifferent.length)
      console.log(`Different:\n${e.mostDifferent.map((f) => `  - ${f.text}`).join('\n')}`);
  }
  return 0;
}

/** `timbre find "QUERY"`: tracks that sound like the words; 1 when no word is understood. */
const findRequest = (values: Values, args: string[]): Request<'sound.find'> => ({
  query: args.join(' '),
  limit: intOption(values, 'limit') ?? 20,
});

function findCheck(values: Values, args: string[]): void {
  if (args.length === 0) throw new UsageError('find needs words that describe a sound, e.g. "sad piano"');
  checkRequest('sound.find', findRequest(values, args));
}

async function findRun({ service, values, args }: CommandContext): Promise<number> {
  const found = await service.handlers['sound.find'](parseRequest('sound.find', findRequest(values, args)));
  if (values.json) printJson(found);
  else {
    for (const t of found.terms) console.log(`"${t.text}" → ${t.labels.join(', ')}`);
    if (found.unknown.length) console.log(`Not understood: ${found.unknown.join(', ')}`);
    if (found.note) console.log(found.note);
    found.results.forEach((r, i) => {
      const why = r.matched.map((m) => `${m.tag} ${m.score.toFixed(2)}`).join(', ');
      console.log(`${String(i + 1).padStart(3)}. ${r.score.toFixed(3)}  ${trackLine(r.track)}  [${why}]`);
    });
  }
  // Words nothing matched are an answer too, but a query with no term at all is a usage error.
  return found.terms.length === 0 ? 1 : 0;
}

export const similarCommand: Command = { check: similarCheck, run: similarRun };
export const queueCommand: Command = { check: queueCheck, run: queueRun };
export const pathCommand: Command = { check: pathCheck, run: pathRun };
export const explainCommand: Command = { check: explainCheck, run: explainRun };
export const findCommand: Command = { check: findCheck, run: findRun };
