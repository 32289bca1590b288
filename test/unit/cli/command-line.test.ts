import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../../src/main/cli/common';

describe('the command line', () => {
  it('takes a track id that begins with "-" as the id it is', () => {
    const { values, positionals } = parseCommandLine(['why', '-Xq3_aB9kLmN', 'AbCdEfGhIjKl', '--json']);
    expect(positionals).toEqual(['why', '-Xq3_aB9kLmN', 'AbCdEfGhIjKl']);
    expect(values.json).toBe(true);
    expect(parseCommandLine(['clusters', '--run', '-Xq3_aB9kLmN']).values.run).toBe('-Xq3_aB9kLmN');
  });

  it('still refuses an unknown option, and still reads the known ones', () => {
    expect(() => parseCommandLine(['list', '--nonsense'])).toThrow(/Unknown option/);
    expect(() => parseCommandLine(['list', '-Z'])).toThrow(/Unknown option/);
    expect(parseCommandLine(['similar', 'x', '-k', '5']).values.k).toBe('5');
    expect(parseCommandLine(['list', '--', '-notAnIdAtAll']).positionals).toEqual(['list', '-notAnIdAtAll']);
  });
});
