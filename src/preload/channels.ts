/** IPC channel names shared by the preload bridge and src/main/electron/ipc.ts (plain constants, no imports). */
export const INVOKE_CHANNEL = 'timbre:invoke';
export const EVENT_CHANNEL = 'timbre:event';
export const PICK_FOLDER_CHANNEL = 'timbre:pick-folder';

/** What the main process answers to an invoke: errors travel as data (contextBridge drops Error fields). */
export type InvokeEnvelope =
  { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };
