/**
 * Cheap reads of a file's bytes: a content fingerprint from a few sampled chunks (never the whole
 * file), the container's magic bytes, and the Ogg granule position of the last page (duration).
 */
import { createHash } from 'node:crypto';
import { close, open, read } from 'node:fs';

const HEAD_BYTES = 4096;
const CHUNK_BYTES = 8192;
/** Files up to this size are hashed whole. */
const WHOLE_FILE_BYTES = 4 * CHUNK_BYTES;
const TAIL_BYTES = 65536;
const BLOCK = 65536;
const MAX_BLOCKS = 32;

/** What the tokenizer of music-metadata needs from a file handle. */
export interface ReadableHandle {
  read(
    target: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesRead: number; buffer: Uint8Array }>;
  close(): Promise<void>;
  stat(): Promise<{ size: number }>;
}

// The callback API of node:fs costs less per call than FileHandle's promises (measured here).
const readFd = (fd: number, target: Uint8Array, offset: number, length: number, position: number) =>
  new Promise<number>((resolveRead, reject) =>
    read(fd, target, offset, length, position, (err, n) => (err ? reject(err) : resolveRead(n))),
  );

/**
 * A file read through a small cache of 64 KiB blocks: tag parsers issue hundreds of tiny reads per
 * file, and each read through the thread pool costs far more than copying from a cached block.
 */
export class BlockFile implements ReadableHandle {
  private readonly blocks = new Map<number, Promise<Buffer>>();
  private closed?: Promise<void>;

  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  /** Reads an already open descriptor; closing the BlockFile closes it. */
  static fromFd(fd: number, size: number): BlockFile {
    return new BlockFile(fd, size);
  }

  static open(path: string | Buffer, size: number): Promise<BlockFile> {
    return new Promise((resolveOpen, reject) =>
      open(path, 'r', (err, fd) => (err ? reject(err) : resolveOpen(new BlockFile(fd, size)))),
    );
  }

  /** Reads `length` bytes at `position` straight from the file (fewer at the end of the file). */
  async readDirect(position: number, length: number): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(Math.max(0, length));
    let got = 0;
    while (got < length) {
      const bytesRead = await readFd(this.fd, buf, got, length - got, position + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got === length ? buf : buf.subarray(0, got);
  }

  private block(i: number): Promise<Buffer> {
    let b = this.blocks.get(i);
    if (!b) {
      b = this.readDirect(i * BLOCK, Math.min(BLOCK, Math.max(0, this.size - i * BLOCK)));
      this.blocks.set(i, b);
      if (this.blocks.size > MAX_BLOCKS) this.blocks.delete(this.blocks.keys().next().value as number);
    }
    return b;
  }

  async read(target: Uint8Array, offset: number, length: number, position: number) {
    if (length > 4 * BLOCK) {
      const direct = await this.readDirect(position, length);
      target.set(direct, offset);
      return { bytesRead: direct.length, buffer: target };
    }
    let done = 0;
    while (done < length) {
      const pos = position + done;
      const index = Math.floor(pos / BLOCK);
      const blk = await this.block(index);
      const start = pos - index * BLOCK;
      if (start >= blk.length) break;
      const n = Math.min(length - done, blk.length - start);
      blk.copy(target, offset + done, start, start + n);
      done += n;
    }
    return { bytesRead: done, buffer: target };
  }

  async stat(): Promise<{ size: number }> {
    return { size: this.size };
  }

  /** Idempotent (the tokenizer closes its handle too). */
  close(): Promise<void> {
    this.blocks.clear();
    this.closed ??= new Promise((resolveClose, reject) =>
      close(this.fd, (err) => (err ? reject(err) : resolveClose())),
    );
    return this.closed;
  }
}

export interface Probe {
  fingerprint: string;
  head: Buffer;
  /** Last bytes of the file, read only when asked for (Ogg duration). */
  tail?: Buffer;
}

/**
 * Fingerprint = hash of the size and of chunks sampled at 1/4, 1/2 and 3/4 of the file (mostly audio
 * payload whatever the tags at either end). Survives renames and moves; a re-encode changes it.
 */
export async function probe(file: BlockFile, wantTail = false): Promise<Probe> {
  const size = file.size;
  const hash = createHash('sha256');
  hash.update(`size:${size};`);
  let head: Buffer;
  if (size <= WHOLE_FILE_BYTES) {
    const all = await file.readDirect(0, size);
    hash.update(all);
    head = all.subarray(0, HEAD_BYTES);
  } else {
    head = Buffer.allocUnsafe(HEAD_BYTES);
    await file.read(head, 0, HEAD_BYTES, 0);
    const chunks = await Promise.all(
      [0.25, 0.5, 0.75].map((frac) =>
        file.readDirect(Math.min(size - CHUNK_BYTES, Math.floor(size * frac)), CHUNK_BYTES),
      ),
    );
    for (const c of chunks) hash.update(c);
  }
  const tail = wantTail
    ? await file.readDirect(Math.max(0, size - TAIL_BYTES), Math.min(size, TAIL_BYTES))
    : undefined;
  return { fingerprint: hash.digest('hex').slice(0, 32), head, tail };
}

/** Opens, probes and closes a file. */
export async function probeFile(path: string | Buffer, size: number, wantTail = false): Promise<Probe> {
  const file = await BlockFile.open(path, size);
  try {
    return await probe(file, wantTail);
  } finally {
    await file.close();
  }
}

export type ContainerKind =
  | 'ogg'
  | 'flac'
  | 'wav'
  | 'aiff'
  | 'mp4'
  | 'matroska'
  | 'asf'
  | 'ape'
  | 'wavpack'
  | 'musepack'
  | 'dsf'
  | 'dsdiff'
  | 'mpeg'
  | 'unknown';

const ASF_GUID = Buffer.from([0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11]);

/** Container named by the magic bytes; 'unknown' when ambiguous (e.g. an ID3v2 header first). */
export function sniff(head: Buffer): ContainerKind {
  const ascii = (start: number, len: number) => head.toString('latin1', start, start + len);
  if (head.length < 4) return 'unknown';
  const m4 = ascii(0, 4);
  if (m4 === 'OggS') return 'ogg';
  if (m4 === 'fLaC') return 'flac';
  if ((m4 === 'RIFF' || m4 === 'RF64') && ascii(8, 4) === 'WAVE') return 'wav';
  if (m4 === 'FORM' && (ascii(8, 4) === 'AIFF' || ascii(8, 4) === 'AIFC')) return 'aiff';
  if (m4 === 'FORM' || m4 === 'FRM8') return m4 === 'FRM8' ? 'dsdiff' : 'unknown';
  if (ascii(4, 4) === 'ftyp') return 'mp4';
  if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return 'matroska';
  if (head.subarray(0, 8).equals(ASF_GUID)) return 'asf';
  if (m4 === 'MAC ') return 'ape';
  if (m4 === 'wvpk') return 'wavpack';
  if (m4 === 'MPCK' || ascii(0, 3) === 'MP+') return 'musepack';
  if (m4 === 'DSD ') return 'dsf';
  // MPEG audio frame sync (11 bits) with a valid layer.
  if (head[0] === 0xff && (head[1] & 0xe0) === 0xe0 && (head[1] & 0x06) !== 0) return 'mpeg';
  return 'unknown';
}

/** The container family a file extension promises. */
export function kindOfExtension(ext: string): ContainerKind {
  switch (ext) {
    case 'ogg':
    case 'oga':
    case 'opus':
    case 'spx':
      return 'ogg';
    case 'flac':
      return 'flac';
    case 'wav':
      return 'wav';
    case 'aif':
    case 'aiff':
    case 'aifc':
      return 'aiff';
    case 'm4a':
    case 'm4b':
    case 'mp4':
    case 'alac':
      return 'mp4';
    case 'webm':
    case 'mka':
      return 'matroska';
    case 'wma':
      return 'asf';
    case 'ape':
      return 'ape';
    case 'wv':
      return 'wavpack';
    case 'mpc':
      return 'musepack';
    case 'dsf':
      return 'dsf';
    case 'dff':
      return 'dsdiff';
    case 'mp3':
    case 'mp2':
    case 'aac':
      return 'mpeg';
    default:
      return 'unknown';
  }
}

/** MIME type music-metadata selects its parser by. */
export const MIME_OF_KIND: Record<Exclude<ContainerKind, 'unknown'>, string> = {
  ogg: 'audio/ogg',
  flac: 'audio/flac',
  wav: 'audio/wav',
  aiff: 'audio/aiff',
  mp4: 'audio/mp4',
  matroska: 'audio/matroska',
  asf: 'audio/ms-asf',
  ape: 'audio/ape',
  wavpack: 'audio/wavpack',
  musepack: 'audio/musepack',
  dsf: 'audio/dsf',
  dsdiff: 'audio/dsd',
  mpeg: 'audio/mpeg',
};

/**
 * Duration of an Ogg stream from the granule position of its last page: samples at `sampleRate`
 * (48 kHz for Opus, minus the pre-skip). Returns undefined when no usable page is in the tail.
 */
export function oggDuration(
  head: Buffer,
  tail: Buffer,
  sampleRate: number,
  codec: string,
): number | undefined {
  const opus = /opus/i.test(codec);
  const rate = opus ? 48000 : sampleRate;
  if (!(rate > 0)) return undefined;
  let preSkip = 0;
  if (opus) {
    const at = head.indexOf('OpusHead', 0, 'latin1');
    if (at >= 0 && at + 12 <= head.length) preSkip = head.readUInt16LE(at + 10);
  }
  // The stream of the first page is the one we describe.
  const serial =
    head.length >= 18 && head.toString('latin1', 0, 4) === 'OggS' ? head.readUInt32LE(14) : undefined;
  let pos = tail.lastIndexOf('OggS', tail.length - 4, 'latin1');
  while (pos >= 0) {
    if (pos + 27 <= tail.length && tail[pos + 4] === 0) {
      const granule = tail.readBigInt64LE(pos + 6);
      const pageSerial = tail.readUInt32LE(pos + 14);
      if (granule >= 0n && (serial === undefined || pageSerial === serial)) {
        const samples = Number(granule) - preSkip;
        return samples > 0 ? samples / rate : undefined;
      }
    }
    pos = pos > 0 ? tail.lastIndexOf('OggS', pos - 1, 'latin1') : -1;
  }
  return undefined;
}
