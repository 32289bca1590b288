import { describe, expect, it } from 'vitest';
import {
  CSV_COLUMNS,
  clusterCsv,
  clusterPlaylists,
  csvField,
  playlistFile,
  safeFileName,
  type ExportRow,
} from '../../../src/main/clusters/export';
import { parseM3u } from '../../../src/main/library/playlist';
import { makeTrack } from '../../helpers/synthetic';

/** A small RFC 4180 reader (quoted fields, doubled quotes, CRLF), to read back what we wrote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

const row = (id: string, clusterId: number, fields: Parameters<typeof makeTrack>[1] = {}): ExportRow => ({
  track: makeTrack(id, fields),
  clusterId,
  clusterName: clusterId < 0 ? 'ignored' : `name ${clusterId}`,
  strength: 0.123456,
  x: 1.5,
  y: -2.25,
  pcaX: 0.000001,
  pcaY: 3,
});

describe('clusterCsv', () => {
  it('writes a header and one row per track that read back field for field', () => {
    const tricky = row('a', 0, {
      title: 'Say "hi", then\nleave',
      artist: 'Crosby, Stills & Nash',
      album: '=SUM(A1)',
    });
    const text = clusterCsv([tricky, row('b', -1), row('-dashId', 0, { title: '-1 dB' })]);
    const rows = parseCsv(text);
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(4);
    // A track id reads back as it is (ids may begin with "-"); a title beginning so is made text.
    expect(rows[3][CSV_COLUMNS.indexOf('track_id')]).toBe('-dashId');
    expect(rows[3][CSV_COLUMNS.indexOf('title')]).toBe("'-1 dB");
    const a = Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, rows[1][i]]));
    expect(a).toMatchObject({
      track_id: 'a',
      title: 'Say "hi", then\nleave',
      artist: 'Crosby, Stills & Nash',
      // A cell a spreadsheet would run as a formula is written as text.
      album: "'=SUM(A1)",
      cluster: '0',
      cluster_name: 'name 0',
      strength: '0.1235',
      x: '1.5',
      y: '-2.25',
      pca_x: '0',
      pca_y: '3',
      duration: '200',
    });
    // Noise: cluster −1 and no name.
    expect(rows[2][CSV_COLUMNS.indexOf('cluster')]).toBe('-1');
    expect(rows[2][CSV_COLUMNS.indexOf('cluster_name')]).toBe('');
    expect(text.endsWith('\r\n')).toBe(true);
  });

  it('quotes only what needs it', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('a"b')).toBe('"a""b"');
    expect(csvField(-3)).toBe('-3');
    expect(csvField(Number.NaN)).toBe('');
  });
});

describe('playlists', () => {
  it('names files after clusters, numbered, without characters file systems refuse', () => {
    expect(safeFileName('fast · loud / heavy: metal?')).toBe('fast · loud heavy metal');
    expect(safeFileName('..hidden')).toBe('hidden');
    expect(safeFileName('///')).toBe('playlist');
    expect(safeFileName('x'.repeat(300))).toHaveLength(100);

    const files = clusterPlaylists([
      { id: 0, name: 'calm · piano', tracks: [makeTrack('a'), makeTrack('b')] },
      { id: 1, name: 'calm · piano', tracks: [makeTrack('c')] },
      { id: 2, name: 'empty', tracks: [] },
      { id: 10, name: 'fast', tracks: [makeTrack('d')] },
    ]);
    expect(files.map((f) => f.fileName)).toEqual([
      '00 calm · piano.m3u8',
      '01 calm · piano.m3u8',
      '10 fast.m3u8',
    ]);
    expect(files.map((f) => f.tracks)).toEqual([2, 1, 1]);
  });

  it('writes the library M3U, which reads back to the same paths in order', () => {
    const tracks = [makeTrack('b', { artist: 'B' }), makeTrack('a', { artist: 'A' })];
    const file = playlistFile('my selection', tracks);
    expect(file.fileName).toBe('my selection.m3u8');
    expect(file.content.startsWith('#EXTM3U\n#EXTINF:200,B - Title b\n')).toBe(true);
    expect(parseM3u(file.content, '/')).toEqual(tracks.map((t) => t.path));
  });
});
