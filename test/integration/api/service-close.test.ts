/**
 * Closing the service while calls are under way: they finish on an open database (a query on a
 * closed native handle can take the process down), and a call after close is refused in words.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createService } from '../../../src/main/api/service';
import { fixtureLibraryDir } from '../../helpers/shared';

let dir: string | undefined;

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('service close', () => {
  it('lets calls under way finish before the database closes, and refuses new ones', async () => {
    dir = await mkdtemp(join(tmpdir(), 'timbre-service-close-'));
    const music = join(dir, 'music');
    await cp(join(fixtureLibraryDir, 'Maxstack'), music, { recursive: true });
    const service = await createService({ home: join(dir, 'home'), mode: 'cli' });
    await service.invoke('library.scan', { roots: [music] });
    const total = ((await service.invoke('library.stats', {})) as { tracks: number }).tracks;
    expect(total).toBeGreaterThan(0);

    // Calls started just before close, each reading several tables.
    const calls = Array.from({ length: 12 }, (_, i) =>
      i % 3 === 0
        ? service.invoke('library.stats', {})
        : i % 3 === 1
          ? service.invoke('library.list', {})
          : service.invoke('library.albums', {}),
    );
    const closed = service.close();
    const settled = await Promise.allSettled(calls);
    await closed;
    expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);
    for (const s of settled) expect(s.status).toBe('fulfilled');

    await expect(service.invoke('library.stats', {})).rejects.toMatchObject({
      code: 'unavailable',
      message: 'Timbre is shutting down.',
    });
  });
});
