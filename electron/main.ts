/**
 * Electron main: one window showing the renderer from the app's own `trellis://app/`
 * scheme, the menu, native dialogs, the unsaved-changes guard, remembered window state,
 * secrets in the OS keychain, and the IPC adapter of the host contract — each host method
 * on its own channel, every message checked (sender, then ajv) before it reaches the
 * engine, which runs in a supervised utilityProcess. Thin by design: policy lives in the
 * pure modules beside it (security, ipc-guard, menu, window-state, restart-policy).
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, net, protocol, safeStorage, screen, session } from 'electron';
import type { IpcMainEvent, IpcMainInvokeEvent, WebContents } from 'electron';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  hostMethodNames,
  type DocumentState,
  type EngineStatus,
  type HostResult,
  type ShellCommand,
} from '../engine/host/contract';
import { EngineSupervisor } from './engine-supervisor';
import { hostChannel, shellChannels } from './ipc-channels';
import { IpcGuard, type SenderFrame } from './ipc-guard';
import { buildMenuTemplate, closeChoice } from './menu';
import { loadRecent, pushRecent, saveRecent } from './recent-files';
import { SafeStorageSecretStore } from './secret-store';
import { appEntryUrl, appHost, appScheme, contentSecurityPolicy, mayGrantPermission, mayNavigate, secureWebPreferences } from './security';
import { loadWindowState, saveWindowState } from './window-state';

const here = fileURLToPath(new URL('.', import.meta.url));
const rendererDir = resolve(here, '../renderer');
const preloadPath = join(here, '../preload/preload.cjs');
/** The engine process bootstrap (runs the engine's sources; see bin/engine-process.js). */
const engineEntry = resolve(here, '../../bin/engine-process.js');
/** Set by `electron-vite dev`; absent in a built app. */
const devServerUrl = process.env['ELECTRON_RENDERER_URL'];
const devServerOrigin = devServerUrl ? new URL(devServerUrl).origin : undefined;

protocol.registerSchemesAsPrivileged([
  { scheme: appScheme, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
]);

const userData = () => app.getPath('userData');
const guard = new IpcGuard(devServerOrigin);
let mainWindow: BrowserWindow | undefined;
let recent: string[] = [];
let documentState: DocumentState = { dirty: false };
let closeConfirmed = false;
let supervisor: EngineSupervisor | undefined;

function frameOf(event: IpcMainInvokeEvent | IpcMainEvent): SenderFrame | null {
  const frame = event.senderFrame;
  if (!frame) return null;
  return { url: frame.url, isMainFrame: frame === event.sender.mainFrame };
}

function sendToWindow(channel: string, payload: unknown): void {
  if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(channel, payload);
}

function sendCommand(command: ShellCommand): void {
  sendToWindow(shellChannels.command, command);
}

/** Serves the built renderer on trellis://app/ with the CSP as a response header. */
function registerAppProtocol(): void {
  protocol.handle(appScheme, async (request) => {
    const url = new URL(request.url);
    if (url.host !== appHost) return new Response('Not Found', { status: 404 });
    const file = resolve(rendererDir, `.${decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname)}`);
    if (!file.startsWith(rendererDir + sep)) return new Response('Not Found', { status: 404 });
    const upstream = await net.fetch(pathToFileURL(file).href);
    const headers = new Headers(upstream.headers);
    headers.set('Content-Security-Policy', contentSecurityPolicy);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(upstream.body, { status: upstream.status, headers });
  });
}

function hardenSession(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, permission, callback) => callback(mayGrantPermission(permission)));
  ses.setPermissionCheckHandler((_wc, permission) => mayGrantPermission(permission));
  if (devServerOrigin) {
    // The dev server sends no CSP of its own: add ours to what it serves.
    ses.webRequest.onHeadersReceived((details, callback) => {
      const headers = { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy] };
      callback({ responseHeaders: headers });
    });
  }
}

function guardContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!mayNavigate(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!mayNavigate(url)) event.preventDefault();
  });
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

function rebuildMenu(): void {
  const template = buildMenuTemplate({
    recent,
    isMac: process.platform === 'darwin',
    appName: app.name,
    actions: {
      command: sendCommand,
      open: () => void openDialog().then((path) => path && sendCommand({ command: 'file.open', path })),
      saveAs: () => void saveDialog(documentState.path).then((path) => path && sendCommand({ command: 'file.saveAs', path })),
      clearRecent: () => {
        recent = [];
        saveRecent(join(userData(), 'recent.json'), recent);
        rebuildMenu();
      },
    },
  });
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

async function openDialog(): Promise<string | null> {
  const options = {
    title: 'Open Blueprint',
    properties: ['openFile' as const],
    filters: [
      { name: 'Blueprints', extensions: ['yaml', 'yml'] },
      { name: 'All Files', extensions: ['*'] },
    ],
  };
  const result = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
  return result.canceled ? null : (result.filePaths[0] ?? null);
}

async function saveDialog(defaultPath?: string): Promise<string | null> {
  const options = {
    title: 'Save Blueprint',
    filters: [{ name: 'Blueprints', extensions: ['yaml', 'yml'] }],
    ...(defaultPath ? { defaultPath } : {}),
  };
  const result = mainWindow ? await dialog.showSaveDialog(mainWindow, options) : await dialog.showSaveDialog(options);
  return result.canceled ? null : (result.filePath ?? null);
}

function registerIpc(secrets: SafeStorageSecretStore, engine: EngineSupervisor): void {
  for (const method of hostMethodNames) {
    ipcMain.handle(hostChannel(method), async (event, params: unknown): Promise<HostResult<unknown>> => {
      const verdict = guard.checkHostCall(method, frameOf(event), params);
      if (!verdict.ok) return { ok: false, error: verdict.error };
      return engine.client.call(method, params ?? {});
    });
  }

  const handleShell = <T>(channel: string, run: (payload: T, event: IpcMainInvokeEvent) => unknown) =>
    ipcMain.handle(channel, (event, payload: unknown) => {
      const verdict = guard.checkShell(channel, frameOf(event), payload);
      if (!verdict.ok) return { ok: false, error: verdict.error };
      return run((payload ?? {}) as T, event);
    });
  const onShell = <T>(channel: string, run: (payload: T, event: IpcMainEvent) => void) =>
    ipcMain.on(channel, (event, payload: unknown) => {
      if (guard.checkShell(channel, frameOf(event), payload).ok) run((payload ?? {}) as T, event);
    });

  // Event subscriptions: one engine subscription per renderer subscription, per window.
  const subscriptions = new Map<string, () => void>();
  handleShell<{ id: number; filter: Record<string, unknown> }>(shellChannels.eventsSubscribe, ({ id, filter }, event) => {
    const contents = event.sender;
    const key = `${contents.id}:${id}`;
    subscriptions.get(key)?.();
    const stop = engine.client.subscribe(filter, (batch) => {
      if (!contents.isDestroyed()) contents.send(shellChannels.eventsBatch, { id, batch });
    });
    subscriptions.set(key, stop);
    contents.once('destroyed', () => {
      subscriptions.get(key)?.();
      subscriptions.delete(key);
    });
    return { ok: true, value: null };
  });
  handleShell<{ id: number }>(shellChannels.eventsUnsubscribe, ({ id }, event) => {
    const key = `${event.sender.id}:${id}`;
    subscriptions.get(key)?.();
    subscriptions.delete(key);
    return { ok: true, value: null };
  });

  handleShell(shellChannels.dialogOpen, () => openDialog());
  handleShell<{ defaultPath?: string }>(shellChannels.dialogSave, ({ defaultPath }) => saveDialog(defaultPath));

  onShell<DocumentState>(shellChannels.documentState, (state) => {
    documentState = state;
    if (state.path && recent[0] !== state.path) {
      recent = pushRecent(recent, state.path);
      saveRecent(join(userData(), 'recent.json'), recent);
      rebuildMenu();
    }
    if (mainWindow) {
      const name = state.path ? state.path.split(/[\\/]/).pop() : 'Untitled';
      mainWindow.setTitle(`${state.dirty ? '• ' : ''}${name} — Trellis`);
      mainWindow.setDocumentEdited(state.dirty);
      if (state.path) mainWindow.setRepresentedFilename(state.path);
    }
  });
  onShell(shellChannels.engineRestart, () => engine.restartNow());
  onShell(shellChannels.documentClose, () => {
    closeConfirmed = true;
    mainWindow?.close();
  });

  handleShell<{ name: string; value: string }>(shellChannels.secretsSet, async ({ name, value }) => {
    try {
      await secrets.set(name, value);
      return { ok: true, value: { name } };
    } catch (error) {
      return { ok: false, error: { code: 'unavailable', message: error instanceof Error ? error.message : String(error) } };
    }
  });
  handleShell(shellChannels.secretsList, () => ({ ok: true, value: secrets.list() }));
  handleShell<{ name: string }>(shellChannels.secretsDelete, async ({ name }) => {
    const had = secrets.list().includes(name);
    await secrets.delete(name);
    return { ok: true, value: { deleted: had } };
  });
}

function createWindow(engineStatus: () => EngineStatus): BrowserWindow {
  const stateFile = join(userData(), 'window-state.json');
  const state = loadWindowState(stateFile, screen.getAllDisplays().map((d) => d.workArea));
  const win = new BrowserWindow({
    ...state,
    minWidth: 800,
    minHeight: 560,
    show: false,
    title: 'Trellis',
    backgroundColor: '#1e1e1e',
    webPreferences: secureWebPreferences(preloadPath),
  });
  if (state.maximized) win.maximize();
  guardContents(win.webContents);
  win.once('ready-to-show', () => win.show());
  win.webContents.on('did-finish-load', () => {
    sendToWindow(shellChannels.engineStatus, engineStatus());
    // `npm start` (and a file association) pass the blueprint to open as an argument.
    const file = process.argv.slice(1).find((a) => /\.ya?ml$/i.test(a));
    if (file && !documentState.path) sendCommand({ command: 'file.open', path: resolve(file) });
  });

  const remember = () => {
    if (win.isDestroyed()) return;
    const bounds = win.getNormalBounds();
    saveWindowState(stateFile, { ...bounds, maximized: win.isMaximized() });
  };
  win.on('close', (event) => {
    remember();
    if (!documentState.dirty || closeConfirmed) return;
    event.preventDefault();
    void dialog
      .showMessageBox(win, {
        type: 'warning',
        message: 'Save changes to the blueprint before closing?',
        detail: 'Your changes will be lost if you don\u2019t save them.',
        buttons: ['Save', 'Don\u2019t Save', 'Cancel'],
        defaultId: 0,
        cancelId: 2,
      })
      .then(({ response }) => {
        const choice = closeChoice(response);
        if (choice === 'save') sendCommand({ command: 'app.saveBeforeClose' });
        else if (choice === 'discard') {
          closeConfirmed = true;
          win.close();
        }
      });
  });
  win.on('closed', () => {
    mainWindow = undefined;
    closeConfirmed = false;
  });

  void win.loadURL(devServerUrl ?? appEntryUrl);
  return win;
}

async function main(): Promise<void> {
  app.enableSandbox();
  await app.whenReady();
  registerAppProtocol();
  hardenSession();
  app.on('web-contents-created', (_event, contents) => guardContents(contents));

  recent = loadRecent(join(userData(), 'recent.json'));
  const secrets = new SafeStorageSecretStore(join(userData(), 'secrets.json'), safeStorage);
  supervisor = new EngineSupervisor({
    entryPath: engineEntry,
    args: ['--home', join(userData(), 'engine')],
    secrets,
    onStatus: (status) => sendToWindow(shellChannels.engineStatus, status),
    log: (line) => console.error(`trellis: ${line}`),
  });
  const engine = supervisor;
  registerIpc(secrets, engine);
  engine.start();
  rebuildMenu();
  mainWindow = createWindow(() => engine.currentStatus());

  app.on('activate', () => {
    if (!mainWindow) mainWindow = createWindow(() => engine.currentStatus());
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('before-quit', () => {
    void engine.stop();
  });
}

void main();
