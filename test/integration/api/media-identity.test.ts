/**
 * `/media/<id>` serves a file only while it is still the catalogued file: a file replaced after the
 * scan (by a symbolic link to a secret, or by other bytes) is answered 404 and its track marked
 * missing until a rescan reads it again. A name that is not UTF-8 is served by its exact bytes.
 */
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerMedia, type MediaAnswer } from '../../../src/main/api/media';
import { createService, type CoreService } from '../../../src/main/api/service';
import { fixtureLibraryDir } from '../../helpers/shared';

let dir: string;
let lib: string;
let service: CoreService;
const flac = join(fixtureLibraryDir, 'Maxstack', 'Singularity', '01 Awakening.flac');
const rawFolder = () => Buffer.concat([Buffer.from(lib + '/'), Buffer.from('Bj\xf6rk', 'latin1')]);

async function bodyOf(answer: MediaAnswer): Promise<Buffer> {
  if (answer.kind !== 'file') throw new Error(`not a file answer: ${answer.status}`);
  const chunks: Buffer[] = [];
  for await (const c of answer.open() as Readable) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const get = (id: string) =>
  answerMedia(service, { method: 'GET', rawId: encodeURIComponent(id), transcode: false });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'timbre-media-'));
  lib = join(dir, 'lib');
  mkdirSync(lib);
  copyFileSync(flac, join(lib, 'a.flac'));
  copyFileSync(flac, join(lib, 'b.flac'));
  mkdirSync(rawFolder());
  copyFileSync(flac, Buffer.concat([rawFolder(), Buffer.from('/Caf\xe9.flac', 'latin1')]));
  writeFileSync(join(dir, 'secret'), 'root:$6$not-audio:19000:0:99999:7:::\n');
  service = await createService({ home: join(dir, 'home'), mode: 'cli' });
  await service.catalog.scan([lib]);
});

afterAll(async () => {
  await service.close();
  rmSync(dir, { recursive: true, force: true });
});

const idOf = async (name: string) =>
  (await service.catalog.allTracks()).find((t) => t.path.endsWith(name))?.id as string;

describe('media identity', () => {
  it('serves a catalogued file, raw names included', async () => {
    const a = await get(await idOf('a.flac'));
    expect(a.status).toBe(200);
    expect((await bodyOf(a)).equals(readFileSync(flac))).toBe(true);
    const raw = await get(await idOf('Café.flac'));
    expect(raw.status).toBe(200);
    expect((await bodyOf(raw)).equals(readFileSync(flac))).toBe(true);
  });

  it('a catalogued file replaced by a link to a secret is not served, and its track is marked', async () => {
    const id = await idOf('a.flac');
    unlinkSync(join(lib, 'a.flac'));
    symlinkSync(join(dir, 'secret'), join(lib, 'a.flac'));
    const answer = await get(id);
    expect(answer.status).toBe(404);
    expect(answer.kind).toBe('text');
    expect((await service.catalog.get(id))?.status).toBe('missing');
  });

  it('a file rewritten with other bytes of the same size and time is not served', async () => {
    const id = await idOf('b.flac');
    const path = join(lib, 'b.flac');
    const t = (await service.catalog.get(id))!;
    const other = Buffer.alloc(t.size, 0x41);
    writeFileSync(path, other);
    utimesSync(path, new Date(t.mtimeMs), new Date(t.mtimeMs));
    expect((await get(id)).status).toBe(404);
  });
});
