/**
 * The IPC surface between preload and main, as data. The preload exposes exactly one
 * function per host method (each on its own channel) plus the shell's named services;
 * nothing generic (no `invoke(channel, ...)`, no `ipcRenderer`) crosses the bridge.
 * Kept pure so a test can assert the surface without Electron.
 */
import { hostMethodNames, type HostMethod } from '../engine/host/contract';

const prefix = 'trellis:';

/** The channel of one host method. */
export function hostChannel(method: HostMethod): string {
  return `${prefix}host:${method}`;
}

/** Every host method's channel, in contract order. */
export const hostChannels: readonly string[] = hostMethodNames.map(hostChannel);

/** The shell's own channels (renderer -> main unless noted). */
export const shellChannels = {
  eventsSubscribe: `${prefix}events:subscribe`,
  eventsUnsubscribe: `${prefix}events:unsubscribe`,
  /** main -> renderer: `{id, batch}`. */
  eventsBatch: `${prefix}events:batch`,
  /** main -> renderer: a ShellCommand from the menu or the close guard. */
  command: `${prefix}command`,
  /** main -> renderer: EngineStatus. */
  engineStatus: `${prefix}engine-status`,
  engineRestart: `${prefix}engine:restart`,
  dialogOpen: `${prefix}dialog:open`,
  dialogSave: `${prefix}dialog:save`,
  documentState: `${prefix}document:state`,
  documentClose: `${prefix}document:close`,
  secretsSet: `${prefix}secrets:set`,
  secretsList: `${prefix}secrets:list`,
  secretsDelete: `${prefix}secrets:delete`,
} as const;

/**
 * The shape of `window.trellis` as the names of its functions: `host.<method>` for each
 * host method, then the shell services. The preload builds the bridge from this list and
 * a test checks it is nothing more.
 */
export const bridgeFunctionNames: readonly string[] = [
  ...hostMethodNames.map((m) => `host.${m}`),
  'subscribeEvents',
  'onCommand',
  'onEngineStatus',
  'restartEngine',
  'dialogs.openBlueprint',
  'dialogs.saveBlueprint',
  'document.setState',
  'document.closeWindow',
  'secrets.set',
  'secrets.list',
  'secrets.delete',
];
