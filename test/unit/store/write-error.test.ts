import { describe, expect, it } from 'vitest';
import { writeErrorCode, writeProblem } from '../../../src/main/store/write-error';

/** Lance's text on a full tmpfs, as seen here. */
const lance =
  'lance error: LanceError(IO): No space left on device (os error 28), /usr/local/cargo/registry/src/' +
  'index.crates.io-1949cf8c6b5b557f/lance-file-8.0.0/src/writer.rs:389:9  Caused by: No space left on device (os error 28)';

describe('write errors in words', () => {
  it('reads the errno out of Lance text and Node errors alike', () => {
    expect(writeProblem(new Error(lance))).toBe('disk full (ENOSPC)');
    expect(writeProblem(Object.assign(new Error('x'), { code: 'EDQUOT' }))).toBe(
      'disk quota exceeded (EDQUOT)',
    );
    expect(
      writeErrorCode(new Error('LanceError(IO): Read-only file system (os error 30), /x/y.rs:1:2')),
    ).toBe('EROFS');
    expect(writeErrorCode(new Error('something else entirely'))).toBeUndefined();
  });

  it('an unknown failure keeps its first clause, without source paths', () => {
    const text =
      'lance error: LanceError(Arrow): schema mismatch, /usr/local/cargo/x/src/a.rs:10:5  Caused by: z';
    expect(writeProblem(new Error(text))).toBe('schema mismatch');
  });
});
