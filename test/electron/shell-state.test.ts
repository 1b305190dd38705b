import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import type { ShellCommand } from '../../engine/host/contract';
import { buildMenuTemplate, closeChoice } from '../../electron/menu';
import { loadRecent, maxRecentFiles, pushRecent, saveRecent } from '../../electron/recent-files';
import { SafeStorageSecretStore, type Encryptor } from '../../electron/secret-store';
import { fitWindowState, loadWindowState, saveWindowState } from '../../electron/window-state';

const screenArea = [{ x: 0, y: 0, width: 1920, height: 1080 }];

function findItem(template: MenuItemConstructorOptions[], path: string[]): MenuItemConstructorOptions {
  let items = template;
  let found: MenuItemConstructorOptions | undefined;
  for (const label of path) {
    found = items.find((i) => i.label?.replace('&', '') === label);
    if (!found) throw new Error(`no menu item ${path.join(' > ')}`);
    items = (found.submenu ?? []) as MenuItemConstructorOptions[];
  }
  return found!;
}

describe('the application menu', () => {
  const sent: ShellCommand[] = [];
  const calls: string[] = [];
  const template = buildMenuTemplate({
    recent: ['/home/u/shop/blueprint.yaml'],
    isMac: false,
    appName: 'Trellis',
    actions: { command: (c) => sent.push(c), open: () => calls.push('open'), saveAs: () => calls.push('saveAs'), clearRecent: () => calls.push('clear') },
  });
  const click = (path: string[]) => (findItem(template, path).click as () => void)();

  it('has File, Edit and View with the document commands', () => {
    expect(template.map((m) => m.label)).toEqual(['&File', '&Edit', '&View']);
    for (const label of ['New', 'Open…', 'Open Recent', 'Save', 'Save As…', 'Close']) expect(findItem(template, ['File', label])).toBeDefined();
    for (const label of ['Undo', 'Redo', 'Find']) expect(findItem(template, ['Edit', label])).toBeDefined();
    const edit = findItem(template, ['Edit']).submenu as MenuItemConstructorOptions[];
    expect(edit.filter((i) => i.role).map((i) => i.role)).toEqual(['cut', 'copy', 'paste', 'selectAll']);
    const view = findItem(template, ['View']).submenu as MenuItemConstructorOptions[];
    expect(view.filter((i) => i.role).map((i) => i.role)).toContain('zoomIn');
  });

  it('sends document commands to the renderer and opens dialogs in main', () => {
    click(['File', 'Save']);
    click(['Edit', 'Undo']);
    click(['View', 'Toggle YAML']);
    click(['View', 'Theme', 'Dark']);
    click(['File', 'Open Recent', 'blueprint.yaml']);
    click(['File', 'Open…']);
    click(['File', 'Save As…']);
    expect(sent).toEqual([
      { command: 'file.save' },
      { command: 'edit.undo' },
      { command: 'view.toggleYaml' },
      { command: 'view.theme', theme: 'dark' },
      { command: 'file.openRecent', path: '/home/u/shop/blueprint.yaml' },
    ]);
    expect(calls).toEqual(['open', 'saveAs']);
  });

  it('reads the unsaved-changes answer as save, discard or cancel', () => {
    expect([0, 1, 2].map(closeChoice)).toEqual(['save', 'discard', 'cancel']);
  });
});

describe('remembered window state and recent files', () => {
  it('restores a saved window that still fits on screen', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trellis-win-'));
    const file = join(dir, 'window-state.json');
    saveWindowState(file, { x: 100, y: 80, width: 1200, height: 800, maximized: true });
    expect(loadWindowState(file, screenArea)).toEqual({ x: 100, y: 80, width: 1200, height: 800, maximized: true });
  });

  it('drops a position on a display that is gone and shrinks to the screen', () => {
    expect(fitWindowState({ x: 3000, y: 100, width: 2500, height: 1400, maximized: false }, screenArea)).toEqual({
      width: 1920,
      height: 1080,
      maximized: false,
    });
  });

  it('starts with defaults from a corrupt file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trellis-win-'));
    writeFileSync(join(dir, 'w.json'), '{oops');
    expect(loadWindowState(join(dir, 'w.json'), screenArea)).toEqual({ width: 1400, height: 900, maximized: false });
  });

  it('keeps recent files most recent first, without duplicates, bounded', () => {
    let list: string[] = [];
    for (let i = 0; i < 15; i += 1) list = pushRecent(list, `/bp/${i}.yaml`);
    list = pushRecent(list, '/bp/10.yaml');
    expect(list[0]).toBe('/bp/10.yaml');
    expect(list).toHaveLength(maxRecentFiles);
    expect(new Set(list).size).toBe(list.length);
    const file = join(mkdtempSync(join(tmpdir(), 'trellis-recent-')), 'recent.json');
    saveRecent(file, list);
    expect(loadRecent(file)).toEqual(list);
  });
});

describe('desktop secret storage', () => {
  // A reversible stand-in for the OS keychain: what matters here is that the file never
  // holds the plain value and that nothing is stored when the keychain is unavailable.
  const keychain = (available: boolean): Encryptor => ({
    isEncryptionAvailable: () => available,
    encryptString: (s) => Buffer.from(Buffer.from(s, 'utf8').map((b) => b ^ 0x5a)),
    decryptString: (b) => Buffer.from(b.map((x) => x ^ 0x5a)).toString('utf8'),
  });

  it('stores values encrypted in a private file and lists names only', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'trellis-sec-')), 'secrets.json');
    const store = new SafeStorageSecretStore(file, keychain(true));
    await store.set('openstack_password', 'hunter2-very-secret');
    expect(readFileSync(file, 'utf8')).not.toContain('hunter2');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(store.list()).toEqual(['openstack_password']);
    expect(await store.get('openstack_password')).toBe('hunter2-very-secret');
    await store.delete('openstack_password');
    expect(store.list()).toEqual([]);
  });

  it('refuses to store when the keychain is unavailable instead of writing plain text', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'trellis-sec-')), 'secrets.json');
    const store = new SafeStorageSecretStore(file, keychain(false));
    await expect(store.set('token', 'abc')).rejects.toThrow('keychain is not available');
    expect(store.list()).toEqual([]);
  });
});
