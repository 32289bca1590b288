/** The service as the app uses it: settings reach the analysis that runs after them. */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createService, type CoreService } from '../../src/main/api/service';
import { fixtureLibraryDir } from '../helpers/shared';

let dir: string;
let service: CoreService | undefined;

afterAll(async () => {
  await service?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('service settings', () => {
  it('uses the ffmpeg set in the settings for the next analysis run', async () => {
    dir = await mkdtemp(join(tmpdir(), 'timbre-service-'));
    const music = join(dir, 'music');
    await cp(join(fixtureLibraryDir, 'Nexuiz', 'blkrbt - Desert.opus'), join(music, 'Desert.opus'));
    service = await createService({ home: join(dir, 'home'), mode: 'cli' });
    await service.invoke('library.scan', { roots: [music] });

    const missing = join(dir, 'no-such-ffmpeg');
    await service.invoke('settings.set', { ffmpegPath: missing, model: 'none', workers: 1 });
    await service.invoke('analysis.start', {});
    const end = await service.engine.whenIdle();
    expect(end).toMatchObject({ done: 1, failed: 1 });
    const errors = (await service.invoke('analysis.errors', {})) as { errors: { reason: string }[] };
    expect(errors.errors[0].reason).toContain(missing);
  });
});
