/**
 * Browser mode: the whole app (same core, same renderer) served on 127.0.0.1 for a local browser.
 * Used by `timbre serve` and by `npm start` when the Electron binary is not installed.
 */
import { projectRoot } from '../project-root';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startHttpServer } from '../api/http-server';
import { ffmpegForService } from '../api/media';
import type { RunningHttpServer } from '../api/http-server';
import { createService } from '../api/service';
import type { TimbreService } from '../api/service-types';
import { loadAddress, newToken, saveAddress } from './address';

export interface BrowserModeOptions {
  /** User data folder; defaults to TIMBRE_HOME / the XDG data folder. */
  home?: string;
  /** A fixed port; by default the one kept in the data folder from the last launch, else a free one. */
  port?: number;
  /** Forget the kept port and token and make new ones (`timbre serve --new-address`). */
  newAddress?: boolean;
  /** Keep the port and token in the data folder for the next launch (default true). */
  keepAddress?: boolean;
  /** Open the system browser on the URL. */
  open?: boolean;
  /** The built renderer; found beside package.json (out/renderer) by default. */
  rendererDir?: string;
  /** Why browser mode is used, printed for the user. */
  reason?: string;
  /** Start analysis after each scan, as the desktop app does (default true). */
  autoAnalyze?: boolean;
  /** Print the banner (default true). */
  quiet?: boolean;
  /** Stop on SIGINT/SIGTERM (default true; tests turn it off). */
  handleSignals?: boolean;
  /** What the data folder's lock says runs here (default "Timbre (browser mode)"). */
  command?: string;
}

export interface BrowserMode {
  url: string;
  server: RunningHttpServer;
  service: TimbreService;
  close(): Promise<void>;
}

export function defaultRendererDir(): string {
  return join(projectRoot(), 'out', 'renderer');
}

function openInBrowser(url: string): void {
  const command =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(command, [url], { detached: true, stdio: 'ignore' });
    child.on('error', () => console.log(`(could not run ${command}; open the address above yourself)`));
    child.unref();
  } catch {
    console.log(`(could not run ${command}; open the address above yourself)`);
  }
}

export async function runBrowserMode(options: BrowserModeOptions = {}): Promise<BrowserMode> {
  const rendererDir = options.rendererDir ?? defaultRendererDir();
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new Error(`the renderer is not built (${rendererDir}/index.html is missing): run npm run build`);
  }
  const service = await createService({
    home: options.home,
    mode: 'browser',
    autoAnalyze: options.autoAnalyze ?? true,
    // The app writes (scans, analysis, settings): it holds the data folder's writer lock.
    access: 'write',
    command: options.command ?? 'Timbre (browser mode)',
  });
  const keep = options.keepAddress ?? true;
  const kept = keep && !options.newAddress ? await loadAddress(service.home) : null;
  const token = kept?.token ?? newToken();
  const start = (port: number) =>
    startHttpServer(service, {
      port,
      host: '127.0.0.1',
      rendererDir,
      token,
      persistentToken: keep,
      ffmpeg: ffmpegForService(service),
    });
  let server: RunningHttpServer;
  let portNote: string | null = null;
  try {
    const wanted = options.port ?? kept?.port ?? 0;
    try {
      server = await start(wanted);
    } catch (err) {
      // The kept port is taken by something else: take a free one (bookmarks need updating).
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || options.port) throw err;
      server = await start(0);
      portNote = `port ${wanted} is in use by another program; this launch uses port ${server.port}`;
    }
    if (keep) await saveAddress(service.home, { port: server.port, token });
  } catch (err) {
    await service.close();
    throw err;
  }

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await server.close();
      await service.close();
    })();
    return closing;
  };

  if (!options.quiet) {
    console.log(`Timbre is running in browser mode${options.reason ? `: ${options.reason}` : ''}.`);
    console.log(
      keep
        ? 'It listens on 127.0.0.1 only; the address carries an access token and stays the same on later launches (timbre serve --new-address makes a new one).'
        : 'It listens on 127.0.0.1 only; the address carries a one-time access token for this launch.',
    );
    if (portNote) console.log(`Note: ${portNote}.`);
    console.log(`Open: ${server.url}`);
    console.log('Press Ctrl+C to stop.');
  }
  if (options.open) openInBrowser(server.url);

  if (options.handleSignals ?? true) {
    const stop = (): void => {
      void close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
  return { url: server.url, server, service, close };
}
