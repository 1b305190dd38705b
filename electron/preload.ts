/**
 * The preload: runs sandboxed beside the page and exposes `window.trellis` (see bridge.ts)
 * through contextBridge. It never exposes ipcRenderer itself.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { buildBridge } from './bridge';

contextBridge.exposeInMainWorld('trellis', buildBridge(ipcRenderer));
