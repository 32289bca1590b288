/**
 * Why a write to the data folder failed, in words a user can act on. Node's own errors carry a
 * `code`; Lance's carry the OS error only inside a text that names rustc sources ("No space left on
 * device (os error 28), /usr/local/cargo/…"), so its number is read from there.
 */

/** Linux errno numbers of the write failures a user can do something about. */
const BY_ERRNO: Record<number, string> = {
  28: 'ENOSPC',
  122: 'EDQUOT',
  30: 'EROFS',
  13: 'EACCES',
  1: 'EPERM',
  5: 'EIO',
  27: 'EFBIG',
  24: 'EMFILE',
};

const WORDS: Record<string, string> = {
  ENOSPC: 'disk full',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the disk is read-only',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EIO: 'input/output error (a failing disk?)',
  EFBIG: 'file too large for the disk',
  EMFILE: 'too many open files',
};

/** The errno code of a failed write (ENOSPC, …), when it names one. */
export function writeErrorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && code in WORDS) return code;
  const text = String((err as Error)?.message ?? err);
  const os = /os error (\d+)/.exec(text);
  if (os) return BY_ERRNO[Number(os[1])];
  return /No space left on device/i.test(text) ? 'ENOSPC' : undefined;
}

/** "disk full (ENOSPC)", or the error's first clause without Lance's source paths. */
export function writeProblem(err: unknown): string {
  const code = writeErrorCode(err);
  if (code) return `${WORDS[code]} (${code})`;
  const text = String((err as Error)?.message ?? err)
    .replace(/^lance error:\s*/i, '')
    .replace(/LanceError\(\w+\):\s*/g, '');
  // Lance appends ", /path/to/source.rs:line:col" and "Caused by: …" chains: keep the first clause.
  return text.split(/,\s*\/\S+\.rs:\d+|\s+Caused by:/)[0].trim() || 'the write failed';
}
