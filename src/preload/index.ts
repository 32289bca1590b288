/**
 * The bridge: exposes exactly a TimbreClient as `window.timbre` (plus the native folder picker as
 * `window.timbreDesktop`). Sandboxed, so it imports nothing but electron and type-only modules;
 * requests are validated in the main process.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { IpcRendererEvent } from 'electron';
import type { EventName, Events, Method, Request, Response, TimbreClient } from '../shared/contract';
import { EVENT_CHANNEL, INVOKE_CHANNEL, PICK_FOLDER_CHANNEL } from './channels';
import type { InvokeEnvelope } from './channels';

const knownEvents: readonly string[] = [
  'scan.progress',
  'analysis.progress',
  'library.changed',
] satisfies EventName[];

const client: TimbreClient = {
  async invoke<M extends Method>(method: M, request: Request<M>): Promise<Response<M>> {
    const envelope = (await ipcRenderer.invoke(INVOKE_CHANNEL, method, request)) as InvokeEnvelope;
    if (envelope.ok) return envelope.result as Response<M>;
    // contextBridge keeps only an Error's message: the code travels inside it as "[code] message".
    throw new Error(`[${envelope.error.code}] ${envelope.error.message}`);
  },
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    if (!knownEvents.includes(event)) throw new Error(`unknown event ${String(event)}`);
    const handler = (_e: IpcRendererEvent, name: string, payload: unknown): void => {
      if (name === event) listener(payload as Events[E]);
    };
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, handler);
    };
  },
  mediaUrl(trackId: string): string {
    return `timbre-media://track/${encodeURIComponent(trackId)}`;
  },
};

contextBridge.exposeInMainWorld('timbre', client);
contextBridge.exposeInMainWorld('timbreDesktop', {
  pickFolder: (): Promise<string | null> => ipcRenderer.invoke(PICK_FOLDER_CHANNEL) as Promise<string | null>,
});
