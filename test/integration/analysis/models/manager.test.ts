import { createServer, type Server } from 'node:http';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  builtinModels,
  convertedModelPath,
  listModels,
  ModelUnavailableError,
  resolveModel,
  sha256File,
  type DownloadProgress,
  type FetchLike,
} from '../../../../src/main/analysis/models/manager';
import { efficientatDir, modelsRootDir, musicnnDir } from '../../../helpers/shared';

const MSD = readFileSync(join(musicnnDir, 'MSD_musicnn.h5'));
const MTT = readFileSync(join(musicnnDir, 'MTT_musicnn.h5'));

const temps: string[] = [];
const tempDir = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), `timbre-models-${prefix}-`));
  temps.push(d);
  return d;
};
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function rejection(p: Promise<unknown>): Promise<ModelUnavailableError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ModelUnavailableError);
    return err as ModelUnavailableError;
  }
  throw new Error('expected a ModelUnavailableError');
}

describe('built-in manifest', () => {
  it('describes msd and mtt with their 50 tags, upstream address and pinned hash', () => {
    // EfficientAT (mn04) is also built in since issue 8; its own test is below.
    const specs = builtinModels().filter((s) => s.kind === 'musicnn-mel');
    expect(specs.map((s) => s.id)).toEqual(['msd', 'mtt']);
    for (const s of specs) {
      if (s.kind !== 'musicnn-mel') continue;
      const tags = readFileSync(join(musicnnDir, `tags-${s.id}.txt`), 'utf8')
        .split('\n')
        .filter(Boolean);
      expect(s.tags).toEqual(tags);
      expect(s.source.url).toBe(
        `https://raw.githubusercontent.com/Quint-e/musicnn_keras/master/musicnn_keras/keras_checkpoints/${s.id.toUpperCase()}_musicnn.h5`,
      );
      expect(s.embeddingDim).toBe(200);
    }
  });
});

describe('EfficientAT mn04 in the manifest and the manager', () => {
  const saved = process.env.TIMBRE_MODELS_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.TIMBRE_MODELS_DIR;
    else process.env.TIMBRE_MODELS_DIR = saved;
  });

  it('pins the upstream release checkpoint by the sha256 of the file', async () => {
    const spec = builtinModels().find((s) => s.id === 'mn04')!;
    expect(spec.kind).toBe('efficientat-mel');
    expect(spec.source.url).toBe(
      'https://github.com/fschmid56/EfficientAT/releases/download/v0.0.1/mn04_as_mAP_432.pt',
    );
    expect(spec.source.sha256).toBe(await sha256File(join(efficientatDir, 'mn04_as_mAP_432.pt')));
    expect(spec.license).toMatch(/MIT.*Copyright \(c\) 2022 Florian Schmid/);
  });

  it('finds both models in subfolders of one models folder (TIMBRE_MODELS_DIR) and converts mn04 once', async () => {
    process.env.TIMBRE_MODELS_DIR = modelsRootDir;
    const home = tempDir('root');
    const phases: string[] = [];
    const m = await resolveModel('mn04', {
      home,
      allowDownload: false,
      onProgress: (p) => phases.push(p.phase),
    });
    expect(phases).toEqual(['convert', 'done']);
    expect(m.kind).toBe('efficientat-mel');
    expect(m.sampleRate).toBe(32000);
    // Two-minute windows fed as one input each (a shorter track whole): measured, docs/models.md.
    expect(m.windowSeconds).toBe(120);
    expect(m.embeddingDim).toBe(384);
    expect(m.outputs).toMatchObject({ embedding: 'features', logits: 'logits', hidden: 'hidden' });
    const labels = readFileSync(join(efficientatDir, 'labels.txt'), 'utf8').split('\n').filter(Boolean);
    expect(m.tags).toEqual(labels);
    expect(m.musicTags).toHaveLength(150);
    expect(m.musicTags!.find((t) => t.index === 220)).toEqual({
      index: 220,
      name: 'Heavy metal',
      kind: 'genre',
    });
    expect(m.musicTags!.filter((t) => t.kind === 'mood')).toHaveLength(7);
    const again = await resolveModel('mn04', {
      home,
      modelsDir: join(home, 'nowhere'),
      allowDownload: false,
    });
    expect(again.onnxPath).toBe(m.onnxPath);
    const msd = await resolveModel('msd', { home, allowDownload: false });
    expect(existsSync(msd.onnxPath)).toBe(true);
  });
});

describe('resolveModel from a local folder', () => {
  const saved = process.env.TIMBRE_MODELS_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.TIMBRE_MODELS_DIR;
    else process.env.TIMBRE_MODELS_DIR = saved;
  });

  it('converts once, caches the ONNX and then needs no source', async () => {
    delete process.env.TIMBRE_MODELS_DIR;
    const home = tempDir('home');
    const phases: string[] = [];
    const m = await resolveModel('msd', {
      home,
      modelsDir: musicnnDir,
      allowDownload: false,
      onProgress: (p) => phases.push(p.phase),
    });
    expect(m.onnxPath).toBe(
      convertedModelPath(
        home,
        builtinModels().find((s) => s.id === 'msd')!,
      ),
    );
    expect(existsSync(m.onnxPath)).toBe(true);
    expect(m.kind).toBe('musicnn-mel');
    expect(m.tags.length).toBe(50);
    expect(phases).toEqual(['convert', 'done']);
    expect(readdirSync(join(home, 'models', 'converted'))).toEqual([basename(m.onnxPath)]);
    const mtime = statSync(m.onnxPath).mtimeMs;
    const again = await resolveModel('msd', { home, modelsDir: join(home, 'nowhere'), allowDownload: false });
    expect(again.onnxPath).toBe(m.onnxPath);
    expect(statSync(m.onnxPath).mtimeMs).toBe(mtime);
    const listed = await listModels(home);
    expect(listed.find((l) => l.id === 'msd')?.ready).toBe(true);
    expect(listed.find((l) => l.id === 'mtt')?.ready).toBe(false);
  });

  it('takes TIMBRE_MODELS_DIR when no folder is given', async () => {
    process.env.TIMBRE_MODELS_DIR = musicnnDir;
    const m = await resolveModel('mtt', { home: tempDir('env'), allowDownload: false });
    expect(existsSync(m.onnxPath)).toBe(true);
    expect(m.tags[0]).toBe('guitar');
  });

  it('explains plainly when there is no source and downloading is off', async () => {
    delete process.env.TIMBRE_MODELS_DIR;
    const home = tempDir('none');
    const err = await rejection(
      resolveModel('msd', { home, modelsDir: join(home, 'empty'), allowDownload: false }),
    );
    expect(err.reason).toBe('no-source');
    expect(err.message).toMatch(/MSD_musicnn\.h5 was not found/);
    expect(err.message).toMatch(/TIMBRE_MODELS_DIR/);
    expect(err.message).toMatch(/audio features alone/);
  });

  it('refuses a local file whose sha256 is wrong', async () => {
    delete process.env.TIMBRE_MODELS_DIR;
    const dir = tempDir('wrong');
    copyFileSync(join(musicnnDir, 'MTT_musicnn.h5'), join(dir, 'MSD_musicnn.h5'));
    const err = await rejection(
      resolveModel('msd', { home: tempDir('home'), modelsDir: dir, allowDownload: false }),
    );
    expect(err.reason).toBe('no-source');
    expect(err.message).toMatch(/sha256 differs/);
  });

  it('names unknown models', async () => {
    const err = await rejection(resolveModel('nope', { home: tempDir('unknown') }));
    expect(err.reason).toBe('unknown-model');
    expect(err.message).toMatch(/msd, mtt/);
  });
});

describe('resolveModel downloading from a server (127.0.0.1)', () => {
  let server: Server;
  let base = '';
  let requests = 0;
  let mode: 'ok' | 'flaky' | 'wrong' | 'truncated' | 'missing' = 'ok';
  let flakyLeft = 0;

  const savedDir = process.env.TIMBRE_MODELS_DIR;
  beforeAll(async () => {
    delete process.env.TIMBRE_MODELS_DIR;
    server = createServer((req, res) => {
      requests++;
      const body = mode === 'wrong' ? MTT : MSD;
      if (mode === 'missing') return void res.writeHead(404).end('not found');
      if (mode === 'flaky' && flakyLeft-- > 0) return void res.writeHead(503).end('busy');
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': String(body.length),
      });
      if (mode === 'truncated') {
        res.write(body.subarray(0, 100_000), () => res.destroy());
        return;
      }
      // Several chunks, so progress is reported more than once.
      let at = 0;
      const push = () => {
        while (at < body.length) {
          const chunk = body.subarray(at, at + 256 * 1024);
          at += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', push);
        }
        res.end();
      };
      push();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    if (savedDir !== undefined) process.env.TIMBRE_MODELS_DIR = savedDir;
    await new Promise<void>((r) => server.close(() => r()));
  });

  const local: FetchLike = (url, init) => fetch(`${base}/${basename(url)}`, init);
  const fast = { retryDelaysMs: [5, 10, 20] };
  const downloads = (home: string) => readdirSync(join(home, 'models', 'downloads'));

  it('streams the H5 with progress, verifies it and converts it', async () => {
    mode = 'ok';
    requests = 0;
    const home = tempDir('dl');
    const progress: DownloadProgress[] = [];
    const m = await resolveModel('msd', {
      home,
      modelsDir: join(home, 'empty'),
      fetchImpl: local,
      onProgress: (p) => progress.push(p),
      ...fast,
    });
    expect(requests).toBe(1);
    const dl = progress.filter((p) => p.phase === 'download');
    expect(dl.length).toBeGreaterThan(1);
    expect(dl.at(-1)).toMatchObject({ receivedBytes: MSD.length, totalBytes: MSD.length });
    expect(downloads(home)).toEqual(['MSD_musicnn.h5']);
    expect(await sha256File(join(home, 'models', 'downloads', 'MSD_musicnn.h5'))).toBe(
      builtinModels().find((s) => s.id === 'msd')!.source.sha256,
    );
    expect(existsSync(m.onnxPath)).toBe(true);
  });

  it('retries a failing server with backoff', async () => {
    mode = 'flaky';
    flakyLeft = 2;
    requests = 0;
    const home = tempDir('flaky');
    await resolveModel('msd', { home, modelsDir: join(home, 'empty'), fetchImpl: local, ...fast });
    expect(requests).toBe(3);
  });

  it('rejects a download whose checksum is wrong and leaves no file', async () => {
    mode = 'wrong';
    const home = tempDir('mismatch');
    const err = await rejection(
      resolveModel('msd', { home, modelsDir: join(home, 'empty'), fetchImpl: local, ...fast }),
    );
    expect(err.reason).toBe('checksum-mismatch');
    expect(err.message).toMatch(/not the expected one/);
    expect(downloads(home)).toEqual([]);
    expect(existsSync(join(home, 'models', 'converted'))).toBe(false);
  });

  it('gives up on truncated transfers after three retries, leaving no partial file', async () => {
    mode = 'truncated';
    requests = 0;
    const home = tempDir('trunc');
    const err = await rejection(
      resolveModel('msd', { home, modelsDir: join(home, 'empty'), fetchImpl: local, ...fast }),
    );
    expect(err.reason).toBe('download-failed');
    expect(requests).toBe(4);
    expect(downloads(home)).toEqual([]);
  });

  it('does not retry a 404', async () => {
    mode = 'missing';
    requests = 0;
    const home = tempDir('404');
    const err = await rejection(
      resolveModel('msd', { home, modelsDir: join(home, 'empty'), fetchImpl: local, ...fast }),
    );
    expect(err.message).toMatch(/HTTP 404/);
    expect(requests).toBe(1);
  });

  it('fails fast and clearly when nothing answers', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const home = tempDir('offline');
    const t0 = performance.now();
    const err = await rejection(
      resolveModel('msd', {
        home,
        modelsDir: join(home, 'empty'),
        fetchImpl: (url, init) => fetch(`http://127.0.0.1:${port}/${basename(url)}`, init),
        ...fast,
      }),
    );
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(err.reason).toBe('download-failed');
    expect(err.message).toMatch(/could not be downloaded from https:\/\/raw\.githubusercontent\.com/);
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(downloads(home)).toEqual([]);
  });
});

describe('user-installed models', () => {
  it('lists valid folders and explains broken ones', async () => {
    const home = tempDir('user');
    const good = join(home, 'models', 'mert');
    mkdirSync(good, { recursive: true });
    writeFileSync(join(good, 'model.onnx'), 'placeholder: listing does not load the model');
    writeFileSync(
      join(good, 'manifest.json'),
      JSON.stringify({
        name: 'MERT',
        kind: 'waveform',
        sampleRate: 24000,
        windowSeconds: 5,
        outputs: { embedding: 'embedding' },
        embeddingDim: 768,
      }),
    );
    const bad = join(home, 'models', 'broken');
    mkdirSync(bad, { recursive: true });
    writeFileSync(join(bad, 'model.onnx'), '');
    writeFileSync(join(bad, 'manifest.json'), JSON.stringify({ name: 'x', kind: 'waveform' }));
    const list = await listModels(home);
    expect(list.find((m) => m.id === 'mert')).toMatchObject({
      origin: 'user',
      ready: true,
      embeddingDim: 768,
    });
    const broken = list.find((m) => m.id === 'broken');
    expect(broken?.ready).toBe(false);
    expect(broken?.problem).toMatch(/sampleRate/);
    const resolved = await resolveModel('mert', { home });
    expect(resolved).toMatchObject({
      kind: 'waveform',
      sampleRate: 24000,
      windowSeconds: 5,
      hopSeconds: 5,
      inputRank: 2,
    });
    const err = await rejection(resolveModel('broken', { home }));
    expect(err.reason).toBe('invalid-model');
  });
});
