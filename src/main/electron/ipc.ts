/**
 * The contract over Electron IPC: one `invoke` channel (validated and dispatched by the service),
 * one event channel pushed to every window, and the native folder picker for the scan screen.
 * Only frames showing our own renderer may call in.
 */
import { BrowserWindow, dialog, ipcMain } from 'electron';
import type { IpcMainInvokeEvent } from 'electron';
import type { EventName, Events } from '../../shared/contract';
import { ApiError, errorEnvelope, IPC_CHANNELS, toEnvelope, type Envelope } from '../../shared/wire';
import type { TimbreService } from '../api/service-types';

export interface IpcOptions {
  /** True for URLs of our renderer (file:// index or the dev server). */
  isTrustedUrl(url: string): boolean;
}

function trusted(event: IpcMainInvokeEvent, options: IpcOptions): boolean {
  const url = event.senderFrame?.url;
  return typeof url === 'string' && options.isTrustedUrl(url);
}

/** Registers the handlers; returns a function that removes them and stops event forwarding. */
export function registerIpc(service: TimbreService, options: IpcOptions): () => void {
  ipcMain.handle(IPC_CHANNELS.invoke, async (event, method: unknown, request: unknown): Promise<Envelope> => {
    if (!trusted(event, options)) return errorEnvelope(new ApiError('bad_request', 'untrusted sender'));
    if (typeof method !== 'string')
      return errorEnvelope(new ApiError('bad_request', 'method must be a string'));
    return toEnvelope(() => service.invoke(method, request));
  });

  ipcMain.handle(IPC_CHANNELS.pickFolder, async (event): Promise<string | null> => {
    if (!trusted(event, options)) return null;
    const owner = BrowserWindow.fromWebContents(event.sender);
    const dialogOptions: Electron.OpenDialogOptions = {
      title: 'Add a music folder',
      properties: ['openDirectory', 'dontAddToRecent'],
    };
    const result = owner
      ? await dialog.showOpenDialog(owner, dialogOptions)
      : await dialog.showOpenDialog(dialogOptions);
    return result.canceled || result.filePaths.length === 0 ? null : result.filePaths[0];
  });

  const unsubscribe = service.subscribe(<E extends EventName>(event: E, payload: Events[E]) => {
    for (const win of BrowserWindow.getAllWindows()) {
      if (!win.isDestroyed() && !win.webContents.isDestroyed())
        win.webContents.send(IPC_CHANNELS.event, event, payload);
    }
  });

  return () => {
    unsubscribe();
    ipcMain.removeHandler(IPC_CHANNELS.invoke);
    ipcMain.removeHandler(IPC_CHANNELS.pickFolder);
  };
}
