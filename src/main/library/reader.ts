/**
 * Reads one file into a catalog row (tags, stream parameters, fingerprint) or a clear reason why
 * it is not a readable audio file. Never throws, never waits longer than its timeout.
 */
import { createReadStream } from 'node:fs';
import {
  parseFile,
  parseFromTokenizer,
  parseStream,
  type IAudioMetadata,
  type IOptions,
} from 'music-metadata';
// music-metadata's own tokenizer library (its dependency): lets the parser read through BlockFile.
// `FileTokenizer` is in its Node entry only, which TypeScript's bundler resolution does not pick.
import * as strtok3 from 'strtok3';
import type { Track } from '../../shared/types';
import { cleanTag, namesFromFolders, titleFromFileName, UNKNOWN_ALBUM, UNKNOWN_ARTIST } from './fallbacks';
import { readModuleHeader } from './modules';
import { truncationReason } from './truncation';
import {
  BlockFile,
  kindOfExtension,
  MIME_OF_KIND,
  oggDuration,
  probe,
  probeFile,
  sniff,
  type ContainerKind,
} from './probe';
import { probeWithFfmpeg } from '../ffmpeg/probe';
import { fsPath } from '../store/raw-path';
import { extensionOf, isModulePath, type WalkEntry } from './walker';

/** A catalog row before the catalog gives it an id, a status and timestamps. */
export type TrackInfo = Omit<Track, 'id' | 'status' | 'addedAt' | 'updatedAt'>;

export type ReadResult = { ok: true; info: TrackInfo } | { ok: false; reason: string };

export interface ReadOptions {
  /** Per-file limit for the whole read (default 10 s). */
  timeoutMs?: number;
  /** The ffmpeg that describes tracker modules, as a user setting names it (default: resolved). */
  ffmpegPath?: string;
}

/** Longest wait for ffmpeg to describe a tracker module (its duration); then it is killed. */
const MODULE_FFMPEG_TIMEOUT_MS = 4_000;

class TimeoutError extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} took longer than ${ms / 1000} s`)), ms);
  });
  // Keep a late rejection of the abandoned promise from becoming unhandled.
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const errorText = (e: unknown): string => {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/\s+/g, ' ').trim().slice(0, 300) || 'unknown error';
};

const MB_KEYS = {
  recordingId: 'musicbrainz_recordingid',
  trackId: 'musicbrainz_trackid',
  albumId: 'musicbrainz_albumid',
  artistId: 'musicbrainz_artistid',
  releaseGroupId: 'musicbrainz_releasegroupid',
} as const;

function firstString(v: unknown): string {
  if (Array.isArray(v)) return typeof v[0] === 'string' ? v[0] : '';
  return typeof v === 'string' ? v : '';
}

const positiveInt = (v: number | null | undefined): number | null =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.round(v) : null;

/** Applies the fallbacks: every row has a title, an artist and an album. */
export function describe(
  entry: WalkEntry,
  fingerprint: string,
  stream: Pick<TrackInfo, 'format' | 'codec' | 'duration' | 'sampleRate' | 'channels' | 'bitrate'>,
  meta: IAudioMetadata['common'] | null,
  embeddedTitle = '',
): TrackInfo {
  const folders = namesFromFolders(entry.path, entry.root);
  const c = meta;
  const artists = [...new Set((c?.artists ?? (c?.artist ? [c.artist] : [])).map(cleanTag).filter(Boolean))];
  const albumArtistTag = cleanTag(c?.albumartist);
  const artist = artists[0] || albumArtistTag || folders.artist || UNKNOWN_ARTIST;
  const album = cleanTag(c?.album) || folders.album || UNKNOWN_ALBUM;
  const title = cleanTag(c?.title) || embeddedTitle.trim() || titleFromFileName(entry.path);
  const genres = [...new Set((c?.genre ?? []).map(cleanTag).filter(Boolean))];
  const musicbrainz: Track['musicbrainz'] = {};
  if (c) {
    for (const [k, tag] of Object.entries(MB_KEYS) as [
      keyof typeof MB_KEYS,
      (typeof MB_KEYS)[keyof typeof MB_KEYS],
    ][]) {
      const v = firstString(c[tag]).trim();
      if (v) musicbrainz[k] = v;
    }
  }
  return {
    path: entry.path,
    ...(entry.pathBytes ? { pathBytes: entry.pathBytes } : {}),
    root: entry.root,
    size: entry.size,
    mtimeMs: entry.mtimeMs,
    fingerprint,
    ...stream,
    title,
    artists: artists.length > 0 ? artists : [artist],
    artist,
    album,
    albumArtist: albumArtistTag || artist,
    trackNo: positiveInt(c?.track?.no),
    discNo: positiveInt(c?.disk?.no),
    year: positiveInt(c?.year),
    genres,
    hasCover: (c?.picture?.length ?? 0) > 0,
    musicbrainz,
  };
}

/**
 * A tracker module: the header gives format, title and the tracker's channel count; ffmpeg
 * (libopenmpt) gives duration, output sample rate and channels. Without a working ffmpeg (or one
 * without libopenmpt, like the bundled 4.1) the row keeps duration 0 rather than failing the file.
 */
async function readModule(entry: WalkEntry, ext: string, opts: ReadOptions): Promise<ReadResult> {
  const probe = await probeFile(fsPath(entry), entry.size);
  let header;
  try {
    header = readModuleHeader(ext, probe.head, entry.size);
  } catch (e) {
    return { ok: false, reason: errorText(e) };
  }
  const rendered = await probeWithFfmpeg(entry, {
    timeoutMs: Math.min(MODULE_FFMPEG_TIMEOUT_MS, (opts.timeoutMs ?? 10_000) / 2),
    ffmpegPath: opts.ffmpegPath,
  });
  const duration = rendered?.duration ?? 0;
  const stream = {
    format: header.format,
    codec: header.format,
    duration,
    sampleRate: rendered?.sampleRate ?? 0,
    channels: rendered?.channels || header.channels,
    // Average bitrate from the file size, as for other files without one in their headers.
    bitrate: duration > 0 ? Math.round((entry.size * 8) / duration) : 0,
  };
  return { ok: true, info: describe(entry, probe.fingerprint, stream, null, header.title) };
}

type Tokenizer = Parameters<typeof parseFromTokenizer>[0];
type FileTokenizerClass = new (
  handle: BlockFile,
  options: { fileInfo: { path?: string; size: number; mimeType?: string } },
) => Tokenizer;
const FileTokenizer = (strtok3 as unknown as { FileTokenizer?: FileTokenizerClass }).FileTokenizer;

/**
 * music-metadata's parseFile, except that the file is read through a block cache (opened once for
 * the probe and the parses), and the parser can be chosen by content (`mimeType`) over the extension.
 */
async function parseWithCache(file: BlockFile, entry: WalkEntry, opts: IOptions, mimeType?: string) {
  const path = entry.path;
  if (!FileTokenizer) {
    // A build without strtok3's Node entry: music-metadata's own (slower, uncached) file reading.
    return mimeType
      ? parseStream(createReadStream(fsPath(entry)), { mimeType, size: file.size }, opts)
      : entry.pathBytes
        ? parseStream(createReadStream(fsPath(entry)), { path, size: file.size }, opts)
        : parseFile(path, opts);
  }
  const fileInfo = mimeType ? { size: file.size, mimeType } : { path, size: file.size };
  return parseFromTokenizer(new FileTokenizer(file, { fileInfo }), opts);
}

async function readAudio(entry: WalkEntry, ext: string): Promise<ReadResult> {
  const file = await BlockFile.open(fsPath(entry), entry.size);
  try {
    const extKind = kindOfExtension(ext);
    const probed = await probe(file, extKind === 'ogg');
    const kind = sniff(probed.head);
    // The bytes name another container than the extension (e.g. Opus saved as .mp3): parse by content.
    const mismatch = kind !== 'unknown' && kind !== extKind;
    const mime = mismatch ? MIME_OF_KIND[kind as Exclude<ContainerKind, 'unknown'>] : undefined;
    const parse = (opts: IOptions) => parseWithCache(file, entry, opts, mime);
    let meta: IAudioMetadata;
    try {
      meta = await parse({ duration: mismatch && kind === 'ogg', skipCovers: false });
    } catch (e) {
      return { ok: false, reason: `unreadable: ${errorText(e)}` };
    }
    let f = meta.format;
    let duration = f.duration;
    if (duration === undefined && f.container === 'Ogg' && probed.tail) {
      duration = oggDuration(probed.head, probed.tail, f.sampleRate ?? 0, f.codec ?? '');
    }
    if (duration === undefined && (f.codec || f.container)) {
      // No duration in the headers (e.g. VBR MP3 without a Xing frame, raw AAC): count the frames.
      try {
        meta = await parse({ duration: true, skipCovers: false });
        f = meta.format;
        duration = f.duration;
      } catch {
        // keep what the first pass found
      }
    }
    if (f.hasAudio === false)
      return { ok: false, reason: 'no audio stream (the container holds no audio track)' };
    if (!f.codec && !f.container)
      return { ok: false, reason: 'no audio stream found (format not recognised)' };
    if (!(Number(f.sampleRate) > 0) && !(Number(duration) > 0)) {
      return {
        ok: false,
        reason: `no usable audio stream (${f.container ?? f.codec}: sample rate and duration unknown)`,
      };
    }
    if (duration === 0 || f.numberOfSamples === 0)
      return { ok: false, reason: 'audio stream is empty (0 samples)' };
    const truncated = truncationReason(probed.head, entry.size);
    if (truncated) return { ok: false, reason: truncated };

    const stream = {
      format: (f.container ?? kind).split('/')[0].trim() || 'unknown',
      codec: f.codec ?? '',
      duration: Number.isFinite(duration) && (duration ?? 0) > 0 ? (duration as number) : 0,
      sampleRate: Math.round(f.sampleRate ?? 0),
      channels: f.numberOfChannels ?? 0,
      bitrate: Number.isFinite(f.bitrate) ? Math.round(f.bitrate ?? 0) : 0,
    };
    // Average bitrate from the file size when the headers give none (e.g. Opus).
    if (stream.bitrate === 0 && stream.duration > 0)
      stream.bitrate = Math.round((entry.size * 8) / stream.duration);
    return { ok: true, info: describe(entry, probed.fingerprint, stream, meta.common) };
  } finally {
    await file.close();
  }
}

/** Reads one file. Resolves with an error reason for anything unreadable; never rejects. */
export async function readTrack(entry: WalkEntry, opts: ReadOptions = {}): Promise<ReadResult> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  if (entry.size === 0) return { ok: false, reason: 'empty file (0 bytes)' };
  const ext = extensionOf(entry.path);
  try {
    const work = isModulePath(entry.path) ? readModule(entry, ext, opts) : readAudio(entry, ext);
    return await withTimeout(work, timeoutMs, 'reading the tags');
  } catch (e) {
    if (e instanceof TimeoutError) return { ok: false, reason: `timed out: ${e.message}` };
    const code = (e as NodeJS.ErrnoException)?.code;
    if (code === 'ENOENT') return { ok: false, reason: 'file vanished during the scan' };
    if (code === 'EACCES' || code === 'EPERM') return { ok: false, reason: 'permission denied' };
    return { ok: false, reason: `unreadable: ${errorText(e)}` };
  }
}
