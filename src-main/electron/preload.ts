// The preload exposes exactly one object, `window.settlekey`, whose methods are
// the IPC contract; raw ipcRenderer never reaches the page.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_CHANNEL, IPC_EVENT_CHANNEL, IPC_METHODS } from '../../src-shared/ipc/contract';

const api: Record<string, unknown> = {};
for (const method of IPC_METHODS) {
  api[method] = (arg: unknown) => ipcRenderer.invoke(IPC_CHANNEL, method, arg);
}
api.on = (event: string, listener: (payload: unknown) => void) => {
  const handler = (_e: IpcRendererEvent, name: string, payload: unknown) => {
    if (name === event) listener(payload);
  };
  ipcRenderer.on(IPC_EVENT_CHANNEL, handler);
  return () => ipcRenderer.off(IPC_EVENT_CHANNEL, handler);
};

contextBridge.exposeInMainWorld('settlekey', Object.freeze(api));
