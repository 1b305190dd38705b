/**
 * Builds `window.trellis` from an ipcRenderer. Pure (the ipc is passed in) so the test can
 * check the surface; preload.ts exposes its result through contextBridge.
 *
 * Listeners registered by the renderer receive only the payload, never Electron's
 * IpcRendererEvent: that object carries `sender` (the ipcRenderer itself), which would
 * hand the page a generic channel to main.
 */
import {
  hostMethodNames,
  type DocumentState,
  type EngineStatus,
  type EventBatchListener,
  type EventFilter,
  type HostEvent,
  type HostMethod,
  type HostResult,
  type ShellCommand,
  type TrellisBridge,
} from '../engine/host/contract';
import { hostChannel, shellChannels } from './ipc-channels';

/** The slice of ipcRenderer the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  send(channel: string, ...args: unknown[]): void;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

function listen<T>(ipc: IpcRendererLike, channel: string, listener: (payload: T) => void): () => void {
  const handler = (_event: unknown, payload: unknown) => listener(payload as T);
  ipc.on(channel, handler);
  return () => {
    ipc.removeListener(channel, handler);
  };
}

/** Creates the bridge object; every member is a named function bound to one channel. */
export function buildBridge(ipc: IpcRendererLike): TrellisBridge {
  const host = {} as Record<HostMethod, (params: unknown) => Promise<HostResult<unknown>>>;
  for (const method of hostMethodNames) {
    const channel = hostChannel(method);
    host[method] = (params: unknown) => ipc.invoke(channel, params) as Promise<HostResult<unknown>>;
  }

  let nextSubscription = 1;
  const batchListeners = new Map<number, EventBatchListener>();
  let stopBatches: (() => void) | undefined;

  const subscribeEvents = (filter: EventFilter & { afterSeq?: number }, listener: EventBatchListener): (() => void) => {
    const id = nextSubscription++;
    batchListeners.set(id, listener);
    stopBatches ??= listen<{ id: number; batch: HostEvent[] }>(ipc, shellChannels.eventsBatch, ({ id: to, batch }) => {
      batchListeners.get(to)?.(batch);
    });
    void ipc.invoke(shellChannels.eventsSubscribe, { id, filter });
    return () => {
      if (!batchListeners.delete(id)) return;
      void ipc.invoke(shellChannels.eventsUnsubscribe, { id });
    };
  };

  return {
    kind: 'electron',
    host: host as TrellisBridge['host'],
    subscribeEvents,
    onCommand: (listener: (command: ShellCommand) => void) => listen(ipc, shellChannels.command, listener),
    onEngineStatus: (listener: (status: EngineStatus) => void) => listen(ipc, shellChannels.engineStatus, listener),
    restartEngine: () => ipc.send(shellChannels.engineRestart, {}),
    dialogs: {
      openBlueprint: () => ipc.invoke(shellChannels.dialogOpen, {}) as Promise<string | null>,
      saveBlueprint: (defaultPath?: string) =>
        ipc.invoke(shellChannels.dialogSave, defaultPath === undefined ? {} : { defaultPath }) as Promise<string | null>,
    },
    document: {
      setState: (state: DocumentState) => ipc.send(shellChannels.documentState, state),
      closeWindow: () => ipc.send(shellChannels.documentClose, {}),
    },
    secrets: {
      set: (name: string, value: string) =>
        ipc.invoke(shellChannels.secretsSet, { name, value }) as Promise<HostResult<{ name: string }>>,
      list: () => ipc.invoke(shellChannels.secretsList, {}) as Promise<HostResult<string[]>>,
      delete: (name: string) => ipc.invoke(shellChannels.secretsDelete, { name }) as Promise<HostResult<{ deleted: boolean }>>,
    },
  };
}
