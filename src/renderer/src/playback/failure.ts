/**
 * Why a track did not play, in words. The audio element reports a bare MediaError code (a deleted
 * file and an unknown format both arrive as "source not supported"), so the media route is asked
 * again for one byte: its answer says whether the file is gone, unreadable or fine — and a file
 * the server serves fine that the element still cannot decode is a format for ffmpeg to convert.
 */
import type { SourceMode } from './audio-engine';

export interface Failure {
  /** True when the file is there and readable: retry it through the server's transcode. */
  retryTranscoded: boolean;
  reason: string;
}

const MEDIA_ERR_NETWORK = 2;
const MEDIA_ERR_DECODE = 3;
const MEDIA_ERR_SRC_NOT_SUPPORTED = 4;

/** The server's word on `url`: null when it serves the file, undefined when it cannot be asked. */
async function askServer(url: string): Promise<string | null | undefined> {
  try {
    const res = await fetch(url, { headers: { Range: 'bytes=0-0' }, cache: 'no-store' });
    if (res.ok) {
      await res.body?.cancel();
      return null;
    }
    const text = (await res.text()).trim();
    return text || `the server answered ${res.status}`;
  } catch {
    return undefined;
  }
}

export async function describeFailure(url: string, code: number, mode: SourceMode): Promise<Failure> {
  const server = await askServer(url);
  if (typeof server === 'string') return { retryTranscoded: false, reason: server };
  const decodeProblem = code === MEDIA_ERR_DECODE || code === MEDIA_ERR_SRC_NOT_SUPPORTED;
  if (mode === 'direct' && decodeProblem) return { retryTranscoded: true, reason: '' };
  if (mode === 'transcode') {
    return {
      retryTranscoded: false,
      reason:
        'its format cannot be decoded here, and ffmpeg could not convert it either (an unsupported or damaged file)',
    };
  }
  if (code === MEDIA_ERR_NETWORK)
    return { retryTranscoded: false, reason: 'the connection to Timbre was lost while loading it' };
  return { retryTranscoded: false, reason: `the audio engine failed (media error ${code})` };
}
