/**
 * Truncated files: a download or copy cut short keeps headers that promise far more audio than
 * the file holds, and the tag parser (which reads the headers) takes it for a good track. Where the
 * format states a lower bound on its audio bytes (FLAC's stream info, a WAV or AIFF sound chunk),
 * the file size is checked against it; everything else passes (decoding catches the rest).
 */

/** Files holding less than this share of the audio their headers promise are truncated. */
const MIN_PRESENT = 0.9;

const u32be = (b: Buffer, at: number): number => b.readUInt32BE(at);

/** FLAC: STREAMINFO's sample count, largest block and smallest frame bound the audio size. */
function flacShortfall(head: Buffer, size: number): { need: number; have: number } | null {
  if (head.length < 42 || head.toString('latin1', 0, 4) !== 'fLaC' || (head[4] & 0x7f) !== 0) return null;
  const info = head.subarray(8, 42);
  const maxBlock = info.readUInt16BE(2);
  const minFrame = info.readUIntBE(4, 3);
  const totalSamples = Number(info.readBigUInt64BE(10) & 0xfffffffffn);
  if (maxBlock === 0 || minFrame === 0 || totalSamples === 0) return null;
  // Metadata blocks before the audio (those in the head; later ones only make the bound looser).
  let at = 4;
  for (;;) {
    if (at + 4 > head.length) break;
    const last = head[at] & 0x80;
    at += 4 + head.readUIntBE(at + 1, 3);
    if (last) break;
  }
  const frames = Math.ceil(totalSamples / maxBlock);
  return { need: (frames - 1) * minFrame, have: size - Math.min(at, size) };
}

/** RIFF WAVE / AIFF(-C): the sound chunk's declared size against what follows it in the file. */
function chunkShortfall(head: Buffer, size: number): { need: number; have: number } | null {
  const riff = head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WAVE';
  const aiff = head.toString('latin1', 0, 4) === 'FORM' && /^AIF[FC]$/.test(head.toString('latin1', 8, 12));
  if (!riff && !aiff) return null;
  const sound = riff ? 'data' : 'SSND';
  let at = 12;
  while (at + 8 <= head.length) {
    const id = head.toString('latin1', at, at + 4);
    const len = riff ? head.readUInt32LE(at + 4) : u32be(head, at + 4);
    if (id === sound) {
      // Writers that never finished the header leave 0 or (nearly) all ones: no promise to check.
      if (len === 0 || len >= 0xfffff000) return null;
      return { need: len, have: size - (at + 8) };
    }
    at += 8 + len + (len & 1);
  }
  return null;
}

/** Why the file is truncated, or null when nothing says so. */
export function truncationReason(head: Buffer, size: number): string | null {
  const gap = flacShortfall(head, size) ?? chunkShortfall(head, size);
  if (!gap || gap.need <= 0 || gap.have >= gap.need * MIN_PRESENT) return null;
  const pct = Math.max(0, Math.floor((gap.have / gap.need) * 100));
  return `truncated: the file holds ${pct}% of the audio its headers promise (${gap.have} of at least ${gap.need} bytes)`;
}
