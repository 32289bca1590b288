/**
 * Browser mode's address (port and access token), kept in the data folder so that a bookmark
 * keeps working across launches. A new one is made on the first launch, when the user asks for
 * it (`timbre serve --new-address`), or when the file is unreadable. Written owner-only: the
 * token is what guards the server.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

export const ADDRESS_FILE = 'browser-address.json';

const addressSchema = z.object({
  port: z.number().int().min(1024).max(65535),
  token: z.string().regex(/^[A-Za-z0-9_-]{16,200}$/),
});
export type BrowserAddress = z.infer<typeof addressSchema>;

export async function loadAddress(home: string): Promise<BrowserAddress | null> {
  try {
    const parsed = addressSchema.safeParse(JSON.parse(await readFile(join(home, ADDRESS_FILE), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export async function saveAddress(home: string, address: BrowserAddress): Promise<void> {
  await mkdir(home, { recursive: true });
  const file = join(home, ADDRESS_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(address, null, 2) + '\n', { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, file);
}

export const newToken = (): string => randomBytes(32).toString('base64url');
