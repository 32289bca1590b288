import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, parseCsv } from '../../../src/main/library/csv';

describe('RFC 4180 CSV', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, and says where records start', () => {
    const text = '\ufeffa,b,c\r\n1,"x, y","say ""hi"""\r\n2,"two\r\nlines",\n\n3,plain,"last"';
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1', 'x, y', 'say "hi"'] },
      { line: 3, fields: ['2', 'two\r\nlines', ''] },
      { line: 6, fields: ['3', 'plain', 'last'] },
    ]);
  });

  it('counts lone CR and LF line breaks inside quotes', () => {
    expect(parseCsv('"a\nb\nc",1\r"d\re",2\n4,5').map((r) => r.line)).toEqual([1, 4, 6]);
  });

  it('refuses an unclosed quote and text after a closing quote, with the line', () => {
    expect(() => parseCsv('a,b\n1,"open\n2,3')).toThrow(CsvSyntaxError);
    expect(() => parseCsv('a,b\n1,"open\n2,3')).toThrow(/line 2: a quoted field is not closed/);
    expect(() => parseCsv('a\n"x"y')).toThrow(/line 2: text after a closing quote/);
  });

  it('keeps an empty last field and a quote inside an unquoted field', () => {
    expect(parseCsv('a,b,\n5"7,x,')).toEqual([
      { line: 1, fields: ['a', 'b', ''] },
      { line: 2, fields: ['5"7', 'x', ''] },
    ]);
  });
});
