/** A file whose name is not UTF-8 is decoded by its exact bytes (ffmpeg reads an inherited descriptor). */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeAudio } from '../../../src/main/ffmpeg/decode';
import { refOf } from '../../../src/main/store/raw-path';
import { fixtureLibraryDir } from '../../helpers/shared';

const dir = mkdtempSync(join(tmpdir(), 'timbre-rawdec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('decoding a raw name', () => {
  it('decodes Caf\\xe9.flac', async () => {
    const bytes = Buffer.concat([Buffer.from(dir + '/'), Buffer.from('Caf\xe9.flac', 'latin1')]);
    copyFileSync(join(fixtureLibraryDir, 'Maxstack', 'Singularity', '01 Awakening.flac'), bytes);
    const ref = refOf(bytes);
    expect(ref.pathBytes).toBeTruthy();
    const decoded = await decodeAudio(ref, { rates: [16000], maxDecodedSeconds: 5 });
    expect(decoded.pcm.get(16000)?.length).toBeGreaterThan(16000);
  });
});
