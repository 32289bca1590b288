/**
 * The Electron shell: app lifecycle, one secure window, the media protocol and IPC.
 * Everything else is the core (createService), shared with the CLI and browser mode.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, session } from 'electron';
import { createService } from '../api/service';
import type { TimbreService } from '../api/service-types';
import { resolveHome } from '../home/folder';
import { HomeLockedError } from '../home/lock';
import { registerIpc } from './ipc';
import { handleMediaProtocol, registerMediaScheme } from './protocol';
import { utilityWorkerHost } from './utility-worker';

// Privileged schemes must be registered before the app is ready.
registerMediaScheme();
app.enableSandbox();

const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
const rendererIndex = join(app.getAppPath(), 'out', 'renderer', 'index.html');
const rendererIndexUrl = pathToFileURL(rendererIndex).href;

function isTrustedUrl(url: string): boolean {
  if (devServerUrl && url.startsWith(devServerUrl)) return true;
  return url.split(/[?#]/)[0] === rendererIndexUrl;
}

let service: TimbreService | null = null;
let disposeIpc: (() => void) | null = null;
let mainWindow: BrowserWindow | null = null;

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 880,
    minHeight: 560,
    show: false,
    title: 'Timbre',
    backgroundColor: '#15171c',
    autoHideMenuBar: true,
    icon: join(app.getAppPath(), 'resources', 'icon.png'),
    webPreferences: {
      preload: join(app.getAppPath(), 'out', 'preload', 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  if (devServerUrl) void win.loadURL(devServerUrl);
  else void win.loadFile(rendererIndex);
  return win;
}

// No new windows, no navigation away from the app, no <webview>, for every web contents.
app.on('web-contents-created', (_event, contents) => {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
});

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });

  app
    .whenReady()
    .then(async () => {
      // The renderer needs no permission (camera, notifications, …): refuse them all.
      session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) =>
        callback(false),
      );
      session.defaultSession.setPermissionCheckHandler(() => false);

      const home = resolveHome(process.env.TIMBRE_HOME || app.getPath('userData'));
      // Analysis runs in utility processes: onnxruntime-node crashes inside Electron's main process.
      service = await createService({
        home,
        mode: 'electron',
        autoAnalyze: true,
        workerHostFactory: utilityWorkerHost,
        command: 'Timbre app',
      });
      handleMediaProtocol(service);
      disposeIpc = registerIpc(service, { isTrustedUrl });
      mainWindow = createWindow();

      app.on('activate', () => {
        if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow();
      });
    })
    .catch((err: unknown) => {
      if (err instanceof HomeLockedError) {
        // A CLI scan or browser mode writes the same library: say so instead of failing silently.
        console.error(`Timbre could not start: ${err.message}`);
        dialog.showErrorBox('Timbre: library in use', err.message);
      } else {
        console.error('Timbre could not start:', err);
      }
      app.exit(1);
    });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  // Close the core (workers, database) before the process ends.
  let closed = false;
  app.on('before-quit', (event) => {
    if (closed || !service) return;
    event.preventDefault();
    const current = service;
    service = null;
    disposeIpc?.();
    current
      .close()
      .catch((err: unknown) => console.error('Timbre: closing the library failed:', err))
      .finally(() => {
        closed = true;
        app.quit();
      });
  });
}
