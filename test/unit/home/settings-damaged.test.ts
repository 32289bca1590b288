/**
 * A settings file with one bad field keeps every valid field, says in words what it dropped, and
 * keeps a copy of the file as it was; a file that cannot be parsed is copied too, and nothing the
 * user wrote is replaced by defaults without a copy.
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSettings, SettingsStore } from '../../../src/main/home/settings';

async function setup(content: string) {
  const dir = await mkdtemp(join(tmpdir(), 'timbre-settings-bad-'));
  const file = join(dir, 'settings.json');
  await writeFile(file, content);
  const warnings: string[] = [];
  const store = new SettingsStore(file, { warn: (m) => warnings.push(m) });
  return { dir, file, store, warnings };
}

describe('a settings file with an invalid field', () => {
  it('keeps every valid field and warns in words about the invalid one', async () => {
    const user = {
      workers: 3,
      model: 'mtt',
      patchesPerTrack: -1,
      similarity: { source: 'embedding', embeddingWeight: 7 },
      variety: { maxPerArtist: 5 },
    };
    const { store, warnings } = await setup(JSON.stringify(user));
    const s = await store.get();
    expect(s.workers).toBe(3);
    expect(s.model).toBe('mtt');
    expect(s.similarity.source).toBe('embedding');
    expect(s.variety.maxPerArtist).toBe(5);
    expect(s.patchesPerTrack).toBe(defaultSettings().patchesPerTrack);
    expect(s.similarity.embeddingWeight).toBe(defaultSettings().similarity.embeddingWeight);
    expect(warnings.join('\n')).toMatch(/patchesPerTrack/);
    expect(warnings.join('\n')).toMatch(/similarity\.embeddingWeight/);
    expect(warnings.join('\n')).toMatch(/copy/);
  });

  it('keeps a copy of the file it could not read whole, and a save keeps the valid fields', async () => {
    const original = JSON.stringify({ workers: 3, model: 'mtt', patchesPerTrack: 'lots' });
    const { dir, file, store } = await setup(original);
    await store.update({ variety: { maxPerArtist: 4 } });
    const saved = JSON.parse(await readFile(file, 'utf8'));
    expect(saved).toMatchObject({ workers: 3, model: 'mtt', variety: { maxPerArtist: 4 } });
    const copies = (await readdir(dir)).filter(
      (n) => n.startsWith('settings.json.') && n.endsWith('.unreadable'),
    );
    expect(copies).toHaveLength(1);
    expect(await readFile(join(dir, copies[0]), 'utf8')).toBe(original);
  });

  it('a file that is not JSON is copied before anything is written over it', async () => {
    const { dir, store, warnings } = await setup('{ "workers": 3, ');
    expect((await store.get()).workers).toBe(defaultSettings().workers);
    await store.update({ workers: 2 });
    const copies = (await readdir(dir)).filter((n) => n.endsWith('.unreadable'));
    expect(copies).toHaveLength(1);
    expect(await readFile(join(dir, copies[0]), 'utf8')).toBe('{ "workers": 3, ');
    expect(warnings.join('\n')).toMatch(/not valid JSON/);
  });
});
