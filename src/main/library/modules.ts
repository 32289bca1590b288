/**
 * Tracker modules (.mod/.xm/.it/.s3m): music-metadata cannot parse them, so their header is read
 * here (format check, embedded title, channel count). ffmpeg (libopenmpt) decodes them.
 */
export interface ModuleInfo {
  format: 'MOD' | 'XM' | 'IT' | 'S3M';
  title: string;
  channels: number;
}

/** Channel counts of the fixed MOD signatures at offset 1080 (others: "6CHN", "16CH", ...). */
const MOD_TAG_CHANNELS: Readonly<Record<string, number>> = {
  'M.K.': 4,
  'M!K!': 4,
  'M&K!': 4,
  'N.T.': 4,
  FLT4: 4,
  FA04: 4,
  FA06: 6,
  FLT8: 8,
  CD81: 8,
  OKTA: 8,
  OCTA: 8,
  FA08: 8,
};

function text(buf: Buffer, start: number, length: number): string {
  const end = Math.min(buf.length, start + length);
  let s = '';
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c === 0) break;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : c >= 0xa0 ? String.fromCharCode(c) : ' ';
  }
  return s.replace(/\s+/g, ' ').trim();
}

function modChannels(tag: string): number {
  if (Object.hasOwn(MOD_TAG_CHANNELS, tag)) return MOD_TAG_CHANNELS[tag];
  const n = /^(\d)CHN$/.exec(tag) ?? /^(\d\d)C[HN]$/.exec(tag);
  return n ? Number(n[1]) : 0;
}

/**
 * Reads a module header (the first 1084 bytes suffice). Throws an Error with the reason when the
 * bytes are not a module of the format the extension names.
 */
export function readModuleHeader(ext: string, head: Buffer, size: number): ModuleInfo {
  const ascii = (start: number, len: number) => head.toString('latin1', start, start + len);
  switch (ext) {
    case 'xm':
      if (ascii(0, 17) !== 'Extended Module: ')
        throw new Error('not an XM module (missing "Extended Module" header)');
      return {
        format: 'XM',
        title: text(head, 17, 20),
        channels: head.length >= 70 ? head.readUInt16LE(68) : 0,
      };
    case 'it':
      if (ascii(0, 4) !== 'IMPM') throw new Error('not an IT module (missing "IMPM" header)');
      return { format: 'IT', title: text(head, 4, 26), channels: 0 };
    case 's3m': {
      if (ascii(44, 4) !== 'SCRM') throw new Error('not an S3M module (missing "SCRM" header)');
      let channels = 0;
      for (let i = 64; i < 96 && i < head.length; i++) if (head[i] < 16) channels++;
      return { format: 'S3M', title: text(head, 0, 28), channels };
    }
    case 'mod': {
      const tag = head.length >= 1084 ? ascii(1080, 4) : '';
      const channels = modChannels(tag);
      if (channels === 0) {
        // The old 15-sample format has no signature: accept it only when the header looks sane.
        const title = head.subarray(0, 20);
        const printable = [...title].every((c) => c === 0 || (c >= 0x20 && c < 0x7f));
        if (size < 600 || !printable) throw new Error('not a MOD module (no known signature)');
        return { format: 'MOD', title: text(head, 0, 20), channels: 4 };
      }
      return { format: 'MOD', title: text(head, 0, 20), channels };
    }
    default:
      throw new Error(`not a tracker module extension: .${ext}`);
  }
}
