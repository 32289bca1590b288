/**
 * The tag reader's own process. The scan reads files here rather than in the main process so that
 * a file which sends the tag parser into an endless loop, or crashes it, costs that file only: the
 * scan stops this process at the file's time limit and starts another (see read-pool.ts).
 */
import { readTrack } from './reader';
import type { ReadReply, ReadRequest } from './read-pool';

// Fault injection for tests only: spin forever / abort on a file whose path contains the value.
const hangOn = process.env.TIMBRE_READER_HANG_ON;
const crashOn = process.env.TIMBRE_READER_CRASH_ON;

const reply = (message: ReadReply): void => {
  if (process.connected) process.send?.(message);
};

process.on('message', (message: ReadRequest) => {
  if (message.type !== 'read') return;
  const { id, entry, timeoutMs } = message;
  if (hangOn && entry.path.includes(hangOn)) {
    while (Date.now() > 0) {
      // a parser stuck in a synchronous loop: no timer in this process can fire
    }
  }
  if (crashOn && entry.path.includes(crashOn)) process.abort();
  void readTrack(entry, { timeoutMs }).then((result) => reply({ type: 'result', id, result }));
});

// The scan is over (or the main process died): nothing left to do.
process.on('disconnect', () => process.exit(0));
reply({ type: 'ready', pid: process.pid });
