/**
 * The application menu as a template (pure data plus callbacks), so its shape can be
 * tested without Electron. Document commands go to the renderer, which owns the document
 * and its one undo history (so Undo/Redo are commands, not the native roles); clipboard
 * and zoom use Electron's roles, which act on the focused web contents.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { ShellCommand } from '../engine/host/contract';
import { basename } from 'node:path';

export interface MenuActions {
  /** Send a command to the renderer. */
  command(command: ShellCommand): void;
  /** Show the native open dialog, then send `file.open`. */
  open(): void;
  /** Show the native save dialog, then send `file.saveAs`. */
  saveAs(): void;
  clearRecent(): void;
}

export interface MenuInput {
  recent: readonly string[];
  isMac: boolean;
  appName: string;
  actions: MenuActions;
}

export function buildMenuTemplate({ recent, isMac, appName, actions }: MenuInput): MenuItemConstructorOptions[] {
  const send = (command: ShellCommand) => () => actions.command(command);
  const recentItems: MenuItemConstructorOptions[] =
    recent.length === 0
      ? [{ label: 'No Recent Files', enabled: false }]
      : [
          ...recent.map((path) => ({ label: basename(path), sublabel: path, click: send({ command: 'file.openRecent', path }) })),
          { type: 'separator' as const },
          { label: 'Clear Recent', click: () => actions.clearRecent() },
        ];

  const template: MenuItemConstructorOptions[] = [];
  if (isMac) template.push({ label: appName, submenu: [{ role: 'about' }, { type: 'separator' }, { role: 'hide' }, { role: 'quit' }] });
  template.push(
    {
      label: '&File',
      submenu: [
        { label: 'New', accelerator: 'CmdOrCtrl+N', click: send({ command: 'file.new' }) },
        { label: 'Open…', accelerator: 'CmdOrCtrl+O', click: () => actions.open() },
        { label: 'Open Recent', submenu: recentItems },
        { type: 'separator' },
        { label: 'Save', accelerator: 'CmdOrCtrl+S', click: send({ command: 'file.save' }) },
        { label: 'Save As…', accelerator: 'CmdOrCtrl+Shift+S', click: () => actions.saveAs() },
        { type: 'separator' },
        { label: 'Close', accelerator: 'CmdOrCtrl+W', click: send({ command: 'file.close' }) },
        ...(isMac ? [] : [{ type: 'separator' as const }, { role: 'quit' as const }]),
      ],
    },
    {
      label: '&Edit',
      submenu: [
        { label: 'Undo', accelerator: 'CmdOrCtrl+Z', click: send({ command: 'edit.undo' }) },
        { label: 'Redo', accelerator: isMac ? 'Cmd+Shift+Z' : 'Ctrl+Y', click: send({ command: 'edit.redo' }) },
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'selectAll' },
        { type: 'separator' },
        { label: 'Find', accelerator: 'CmdOrCtrl+F', click: send({ command: 'edit.find' }) },
      ],
    },
    {
      label: '&View',
      submenu: [
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { role: 'resetZoom' },
        { type: 'separator' },
        { label: 'Toggle Palette', accelerator: 'CmdOrCtrl+1', click: send({ command: 'view.togglePalette' }) },
        { label: 'Toggle YAML', accelerator: 'CmdOrCtrl+2', click: send({ command: 'view.toggleYaml' }) },
        { label: 'Toggle Inspector', accelerator: 'CmdOrCtrl+3', click: send({ command: 'view.toggleInspector' }) },
        { label: 'Toggle Problems', accelerator: 'CmdOrCtrl+4', click: send({ command: 'view.toggleProblems' }) },
        { type: 'separator' },
        {
          label: 'Theme',
          submenu: [
            { label: 'Light', type: 'radio', click: send({ command: 'view.theme', theme: 'light' }) },
            { label: 'Dark', type: 'radio', click: send({ command: 'view.theme', theme: 'dark' }) },
            { label: 'System', type: 'radio', checked: true, click: send({ command: 'view.theme', theme: 'system' }) },
          ],
        },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
  );
  return template;
}

/** What the unsaved-changes dialog's answer means (buttons: Save, Don't Save, Cancel). */
export function closeChoice(response: number): 'save' | 'discard' | 'cancel' {
  return response === 0 ? 'save' : response === 1 ? 'discard' : 'cancel';
}
