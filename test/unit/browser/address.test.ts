import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ADDRESS_FILE, loadAddress, newToken, saveAddress } from '../../../src/main/browser/address';

describe('browser mode address', () => {
  const home = mkdtempSync(join(tmpdir(), 'timbre-address-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('round-trips, owner-only; a damaged file reads as none', async () => {
    expect(await loadAddress(home)).toBeNull();
    const address = { port: 45123, token: newToken() };
    await saveAddress(home, address);
    expect(await loadAddress(home)).toEqual(address);
    expect(statSync(join(home, ADDRESS_FILE)).mode & 0o777).toBe(0o600);
    writeFileSync(join(home, ADDRESS_FILE), '{"port": 80, "token": "short"}');
    expect(await loadAddress(home)).toBeNull();
    writeFileSync(join(home, ADDRESS_FILE), 'not json');
    expect(await loadAddress(home)).toBeNull();
  });
});
