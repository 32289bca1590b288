/**
 * The contract over Electron IPC: one `invoke` channel (validated and dispatched by the service),
 * one event channel pushed to every window, and the native folder picker for the scan screen.
 * Only frames showing our own renderer may call in.
 */
import { BrowserWindow, dialog, ipcMain } from 'electron';
import type { IpcMainInvokeEvent } from 'electron';
import { ApiError } from '../../shared/contract';
import type { EventName, Events } from '../../shared/contract';
import type { TimbreService } from '../api/service-types';
import { EVENT_CHANNEL, INVOKE_CHANNEL, PICK_FOLDER_CHANNEL } from '../../preload/channels';
import type { InvokeEnvelope } from '../../preload/channels';

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
  ipcMain.handle(
    INVOKE_CHANNEL,
    async (event, method: unknown, request: unknown): Promise<InvokeEnvelope> => {
      if (!trusted(event, options))
        return { ok: false, error: { code: 'bad_request', message: 'untrusted sender' } };
      if (typeof method !== 'string')
        return { ok: false, error: { code: 'bad_request', message: 'method must be a string' } };
      try {
        return { ok: true, result: (await service.invoke(method, request)) ?? null };
      } catch (err) {
        if (err instanceof ApiError) return { ok: false, error: { code: err.code, message: err.message } };
        return {
          ok: false,
          error: { code: 'internal', message: err instanceof Error ? err.message : String(err) },
        };
      }
    },
  );

  ipcMain.handle(PICK_FOLDER_CHANNEL, async (event): Promise<string | null> => {
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
        win.webContents.send(EVENT_CHANNEL, event, payload);
    }
  });

  return () => {
    unsubscribe();
    ipcMain.removeHandler(INVOKE_CHANNEL);
    ipcMain.removeHandler(PICK_FOLDER_CHANNEL);
  };
}
