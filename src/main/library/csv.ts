/**
 * An RFC 4180 CSV reader: fields separated by commas, records by CRLF or LF (a lone CR too);
 * a field in double quotes may hold commas, line breaks and doubled quotes (`""` is one `"`).
 * Each record says the line it starts on, so that errors can point at it. A UTF-8 byte-order mark
 * is dropped. Lenient where spreadsheets are: a quote inside an unquoted field is kept as text.
 */

export interface CsvRecord {
  /** 1-based line of the file where the record starts. */
  line: number;
  fields: string[];
}

export class CsvSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

export function parseCsv(text: string, delimiter = ','): CsvRecord[] {
  const records: CsvRecord[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let field = '';
    // One record: fields until an unquoted line break or the end.
    for (;;) {
      if (text[i] === '"') {
        i++;
        const quoteLine = line;
        for (;;) {
          if (i >= n) throw new CsvSyntaxError('a quoted field is not closed', quoteLine);
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line++;
          field += c;
          i++;
        }
        // After the closing quote only a delimiter, a line break or the end may follow.
        if (i < n && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') {
          throw new CsvSyntaxError(`text after a closing quote (${JSON.stringify(text[i])})`, line);
        }
      } else {
        while (i < n && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') field += text[i++];
      }
      fields.push(field);
      field = '';
      if (i < n && text[i] === delimiter) {
        i++;
        continue;
      }
      break;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    line++;
    // A blank line is no record (a trailing newline, spacing between blocks).
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: start, fields });
  }
  return records;
}
