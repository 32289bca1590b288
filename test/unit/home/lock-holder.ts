/**
 * A process that takes a home's lock, for the lock tests (run with `node --import tsx`).
 * Usage: lock-holder.ts HOME MODE [ACCESS]; MODE: hold | exit | throw. Env START_AT (epoch ms): wait
 * until then before acquiring; WAIT_MS: how long to wait for another opener.
 * Prints one JSON line: {acquired, held, pid} or {acquired: false, message}. While holding, stdin
 * lines "ready" and "release" call markReady() and release().
 */
import { createInterface } from 'node:readline';
import { acquireHomeLock, HomeLockedError, type HomeAccess } from '../../../src/main/home/lock';

const [home, mode = 'hold', access = 'write'] = process.argv.slice(2);
const startAt = Number(process.env.START_AT ?? 0);
if (startAt > Date.now()) await new Promise((r) => setTimeout(r, startAt - Date.now()));

try {
  const lock = await acquireHomeLock(home, {
    access: access as HomeAccess,
    command: 'test holder',
    waitMs: Number(process.env.WAIT_MS ?? 0),
  });
  if (process.env.MARK_READY !== '0') lock.markReady();
  process.stdout.write(JSON.stringify({ acquired: true, held: lock.held, pid: process.pid }) + '\n');
  if (mode === 'exit') process.exit(0);
  if (mode === 'throw') throw new Error('holder crashed on purpose');
  const keepAlive = setInterval(() => undefined, 60_000);
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'ready') lock.markReady();
    if (line === 'release') lock.release();
    if (line === 'quit') clearInterval(keepAlive);
    process.stdout.write(JSON.stringify({ did: line }) + '\n');
  });
} catch (err) {
  if (!(err instanceof HomeLockedError)) throw err;
  process.stdout.write(JSON.stringify({ acquired: false, message: err.message, reason: err.reason }) + '\n');
  process.exit(3);
}
