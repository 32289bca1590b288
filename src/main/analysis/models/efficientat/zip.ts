/**
 * A minimal ZIP reader for PyTorch checkpoints (`torch.save` in its ZIP format): entries are
 * *stored* (method 0), so no inflate is needed; any other method is rejected. Sizes come from the
 * central directory because PyTorch sets bit 3 (data descriptor) and writes zero sizes in the local
 * headers; the data start is read from each local header (its extra field pads data to 64 bytes and
 * differs from the central directory's). ZIP64 end records are followed when a 32-bit field is
 * saturated.
 */

export class ZipFormatError extends Error {
  override name = 'ZipFormatError';
}

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;

export class ZipReader {
  readonly entries: ReadonlyMap<string, ZipEntry>;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.entries = this.readCentralDirectory();
  }

  /** The bytes of a stored entry (a view into the archive, not a copy). */
  read(name: string): Uint8Array {
    const e = this.entries.get(name);
    if (!e) throw new ZipFormatError(`no entry "${name}" in the archive`);
    if (e.method !== 0)
      throw new ZipFormatError(
        `entry "${name}" uses compression method ${e.method}; only stored entries are supported`,
      );
    if (e.compressedSize !== e.size) throw new ZipFormatError(`entry "${name}": stored sizes differ`);
    const lh = e.localHeaderOffset;
    this.need(lh, 30, 'local header');
    if (this.view.getUint32(lh, true) !== SIG_LOCAL)
      throw new ZipFormatError(`entry "${name}": bad local header`);
    const start = lh + 30 + this.view.getUint16(lh + 26, true) + this.view.getUint16(lh + 28, true);
    this.need(start, e.size, `data of "${name}"`);
    return this.bytes.subarray(start, start + e.size);
  }

  private need(offset: number, length: number, what: string): void {
    if (offset < 0 || length < 0 || offset + length > this.bytes.byteLength)
      throw new ZipFormatError(`truncated archive: ${what} lies outside the file`);
  }

  private findEocd(): number {
    const min = Math.max(0, this.bytes.byteLength - 22 - 0xffff);
    for (let p = this.bytes.byteLength - 22; p >= min; p--) {
      if (this.view.getUint32(p, true) === SIG_EOCD) return p;
    }
    throw new ZipFormatError('not a ZIP archive (no end-of-central-directory record)');
  }

  private readCentralDirectory(): Map<string, ZipEntry> {
    if (this.bytes.byteLength < 22) throw new ZipFormatError('not a ZIP archive (too short)');
    const eocd = this.findEocd();
    let count: number = this.view.getUint16(eocd + 10, true);
    let cdSize: number = this.view.getUint32(eocd + 12, true);
    let cdOffset: number = this.view.getUint32(eocd + 16, true);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      const loc = eocd - 20;
      if (loc < 0 || this.view.getUint32(loc, true) !== SIG_ZIP64_LOCATOR)
        throw new ZipFormatError('ZIP64 archive without a ZIP64 locator');
      const z = Number(this.view.getBigUint64(loc + 8, true));
      this.need(z, 56, 'ZIP64 end record');
      if (this.view.getUint32(z, true) !== SIG_ZIP64_EOCD) throw new ZipFormatError('bad ZIP64 end record');
      count = Number(this.view.getBigUint64(z + 32, true));
      cdSize = Number(this.view.getBigUint64(z + 40, true));
      cdOffset = Number(this.view.getBigUint64(z + 48, true));
    }
    this.need(cdOffset, cdSize, 'central directory');
    const out = new Map<string, ZipEntry>();
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let p = cdOffset;
    for (let i = 0; i < count; i++) {
      this.need(p, 46, 'central directory record');
      if (this.view.getUint32(p, true) !== SIG_CENTRAL)
        throw new ZipFormatError(`bad central directory record ${i}`);
      const method = this.view.getUint16(p + 10, true);
      let compressedSize: number = this.view.getUint32(p + 20, true);
      let size: number = this.view.getUint32(p + 24, true);
      const nameLen = this.view.getUint16(p + 28, true);
      const extraLen = this.view.getUint16(p + 30, true);
      const commentLen = this.view.getUint16(p + 32, true);
      let localHeaderOffset: number = this.view.getUint32(p + 42, true);
      this.need(p + 46, nameLen + extraLen + commentLen, 'central directory record');
      const name = decoder.decode(this.bytes.subarray(p + 46, p + 46 + nameLen));
      if (size === 0xffffffff || compressedSize === 0xffffffff || localHeaderOffset === 0xffffffff) {
        // ZIP64 extended information (id 1): the saturated fields, in this order.
        let q = p + 46 + nameLen;
        const end = q + extraLen;
        while (q + 4 <= end) {
          const id = this.view.getUint16(q, true);
          const len = this.view.getUint16(q + 2, true);
          if (id === 1) {
            let r = q + 4;
            if (size === 0xffffffff) {
              size = Number(this.view.getBigUint64(r, true));
              r += 8;
            }
            if (compressedSize === 0xffffffff) {
              compressedSize = Number(this.view.getBigUint64(r, true));
              r += 8;
            }
            if (localHeaderOffset === 0xffffffff) localHeaderOffset = Number(this.view.getBigUint64(r, true));
          }
          q += 4 + len;
        }
      }
      out.set(name, { name, method, compressedSize, size, localHeaderOffset });
      p += 46 + nameLen + extraLen + commentLen;
    }
    return out;
  }
}
