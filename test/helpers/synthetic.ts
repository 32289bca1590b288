/**
 * Synthetic catalogs for tests and benches: clustered random vectors of the real dimensions
 * (style → artist → album → track, each level a Gaussian around its parent) with realistic
 * metadata (artists, albums, durations, BPM, keys). Never used to answer real queries.
 */
import type { FeatureScalars, Track } from '../../src/shared/types';
import type { SimilarityInput } from '../../src/main/similarity/corpus';
import { rng } from '../../src/main/similarity/vectors';

export interface SyntheticOptions {
  tracks: number;
  artists?: number;
  albums?: number;
  styles?: number;
  embeddingDim?: number;
  featureDim?: number;
  tagCount?: number;
  seed?: number;
  /** Spread of each level around its parent (style, artist, album, track). */
  spread?: [number, number, number, number];
}

const KEYS = ['C', 'C#', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'Ab', 'A', 'Bb', 'B'];

function gauss(random: () => number): number {
  let u = 0;
  while (u === 0) u = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export function makeTrack(id: string, fields: Partial<Track> = {}): Track {
  const artist = fields.artist ?? 'Artist';
  return {
    id,
    path: `/music/${artist}/${fields.album ?? 'Album'}/${id}.flac`,
    root: '/music',
    size: 1000,
    mtimeMs: 0,
    fingerprint: id,
    format: 'FLAC',
    codec: 'FLAC',
    duration: 200,
    sampleRate: 44100,
    channels: 2,
    bitrate: 900000,
    title: `Title ${id}`,
    artists: [artist],
    artist,
    album: 'Album',
    albumArtist: artist,
    trackNo: null,
    discNo: null,
    year: null,
    genres: [],
    hasCover: false,
    musicbrainz: {},
    status: 'ok',
    addedAt: 0,
    updatedAt: 0,
    ...fields,
  };
}

export function makeScalars(fields: Partial<FeatureScalars> = {}): FeatureScalars {
  return {
    bpm: 120,
    bpmConfidence: 3,
    danceability: 1.2,
    onsetRate: 3,
    key: 'C',
    scale: 'major',
    keyStrength: 0.7,
    loudness: -12,
    loudnessRange: 6,
    dynamicComplexity: 3,
    rms: 0.1,
    spectralCentroid: 1500,
    spectralRolloff: 4000,
    spectralFlux: 0.05,
    spectralFlatness: 0.2,
    zeroCrossingRate: 0.05,
    ...fields,
  };
}

export interface SyntheticCatalog {
  input: SimilarityInput;
  /** Style index of every track (the ground-truth cluster). */
  style: Int32Array;
  artistOf: Int32Array;
}

export function syntheticCatalog(options: SyntheticOptions): SyntheticCatalog {
  const n = options.tracks;
  const random = rng(options.seed ?? 42);
  const nArtists = Math.max(1, Math.min(n, options.artists ?? Math.max(1, Math.round(n / 12))));
  const nAlbums = Math.max(nArtists, Math.min(n, options.albums ?? Math.round(nArtists * 1.5)));
  const nStyles = Math.max(1, options.styles ?? Math.min(40, Math.max(2, Math.round(Math.sqrt(nArtists)))));
  const dE = options.embeddingDim ?? 200;
  const dF = options.featureDim ?? 60;
  const nTags = options.tagCount ?? 50;
  const [sStyle, sArtist, sAlbum, sTrack] = options.spread ?? [1, 0.5, 0.3, 0.7];
  const dim = dE + dF;
  const center = (parent: Float32Array | null, spread: number): Float32Array => {
    const v = new Float32Array(dim);
    for (let d = 0; d < dim; d++) v[d] = (parent ? parent[d] : 0) + spread * gauss(random);
    return v;
  };
  const styles = Array.from({ length: nStyles }, () => center(null, sStyle));
  const artistStyle = new Int32Array(nArtists);
  const artists = Array.from({ length: nArtists }, (_, a) => {
    artistStyle[a] = Math.floor(random() * nStyles);
    return center(styles[artistStyle[a]], sArtist);
  });
  const albumArtist = new Int32Array(nAlbums);
  const albums = Array.from({ length: nAlbums }, (_, b) => {
    albumArtist[b] = b < nArtists ? b : Math.floor(random() * nArtists);
    return center(artists[albumArtist[b]], sAlbum);
  });
  const styleBpm = Array.from({ length: nStyles }, () => 70 + random() * 100);
  const tracks: Track[] = [];
  const scalars: FeatureScalars[] = [];
  const embedding = new Float32Array(n * dE);
  const features = new Float32Array(n * dF);
  const tags = new Float32Array(n * nTags);
  const style = new Int32Array(n);
  const artistOf = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const b = i < nAlbums ? i : Math.floor(random() * nAlbums);
    const a = albumArtist[b];
    const st = artistStyle[a];
    style[i] = st;
    artistOf[i] = a;
    const v = center(albums[b], sTrack);
    // Embeddings of audio models are non-negative-ish activations with a common offset.
    for (let d = 0; d < dE; d++) embedding[i * dE + d] = Math.max(0, v[d] + 0.8);
    for (let d = 0; d < dF; d++) features[i * dF + d] = v[dE + d] * (1 + (d % 7)) + (d % 5);
    for (let t = 0; t < nTags; t++) tags[i * nTags + t] = 1 / (1 + Math.exp(-(v[t % dim] * 2 - 2)));
    const bpm = Math.max(50, styleBpm[st] + 8 * gauss(random));
    const key = KEYS[Math.floor(random() * 12)];
    tracks.push(
      makeTrack(`t${i}`, {
        artist: `Artist ${a}`,
        artists: [`Artist ${a}`],
        albumArtist: `Artist ${a}`,
        album: `Album ${b}`,
        title: `Song ${i}`,
        path: `/music/Artist ${a}/Album ${b}/${i}.flac`,
        duration: Math.round(120 + random() * 300),
        genres: [`Style ${st}`],
      }),
    );
    scalars.push(
      makeScalars({
        bpm,
        key,
        scale: random() < 0.6 ? 'major' : 'minor',
        loudness: -20 + 14 * random(),
        spectralCentroid: 800 + 3000 * random(),
        danceability: 0.5 + 2 * random(),
      }),
    );
  }
  const featureNames = Array.from({ length: dF }, (_, d) => `f${d}`);
  return {
    input: {
      tracks,
      features,
      featureNames,
      scalars,
      embedding: { model: 'synthetic', dim: dE, data: embedding },
      tags: { model: 'synthetic', names: Array.from({ length: nTags }, (_, t) => `tag${t}`), data: tags },
    },
    style,
    artistOf,
  };
}
