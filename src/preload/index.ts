/**
 * The bridge: exposes the contract as `window.timbre` (plus the native folder picker as
 * `window.timbreDesktop`); their types are in `index.d.ts`. Sandboxed: it may import electron,
 * type-only modules, `shared/wire` and `shared/csp` (no imports of its own; bundled into the preload).
 * Requests are validated in the main process.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { IpcRendererEvent } from 'electron';
import type { EventName, Events, Method, Request, Response } from '../shared/contract';
import { MEDIA_SCHEME } from '../shared/csp';
import { IPC_CHANNELS, isEventName, type Envelope } from '../shared/wire';
import type { DesktopShell, TimbreBridge } from './index.d';

const bridge: TimbreBridge = {
  async invoke<M extends Method>(method: M, request: Request<M>): Promise<Envelope<Response<M>>> {
    // The envelope is plain data: it crosses contextBridge whole, error code included.
    return (await ipcRenderer.invoke(IPC_CHANNELS.invoke, method, request)) as Envelope<Response<M>>;
  },
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    if (!isEventName(event)) throw new Error(`unknown event ${String(event)}`);
    const handler = (_e: IpcRendererEvent, name: string, payload: unknown): void => {
      if (name === event) listener(payload as Events[E]);
    };
    ipcRenderer.on(IPC_CHANNELS.event, handler);
    return () => {
      ipcRenderer.removeListener(IPC_CHANNELS.event, handler);
    };
  },
  mediaUrl(trackId: string): string {
    return `${MEDIA_SCHEME}://track/${encodeURIComponent(trackId)}`;
  },
};

const desktop: DesktopShell = {
  pickFolder: (): Promise<string | null> =>
    ipcRenderer.invoke(IPC_CHANNELS.pickFolder) as Promise<string | null>,
};

contextBridge.exposeInMainWorld('timbre', bridge);
contextBridge.exposeInMainWorld('timbreDesktop', desktop);
