/**
 * The desktop window's security settings, kept pure (no Electron import at run time) so a
 * test can assert them without the Electron binary. main.ts applies exactly these.
 */
import type { WebPreferences } from 'electron';
import { buildContentSecurityPolicy } from '../engine/host/ws-csp';

/** The app's own scheme: the renderer is served from `trellis://app/`. */
export const appScheme = 'trellis';
export const appHost = 'app';
export const appEntryUrl = `${appScheme}://${appHost}/index.html`;

/** The CSP of every page the window loads (sent as a response header). */
export const contentSecurityPolicy = buildContentSecurityPolicy();

/**
 * The BrowserWindow's webPreferences: the renderer is an untrusted web page with no Node,
 * isolated from the preload, in Chromium's sandbox.
 */
export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  };
}

/**
 * Is this frame URL our own UI? `trellis://app/...` in a packaged or built app; in
 * development also the electron-vite dev server's origin (given explicitly).
 */
export function isAppUrl(url: string, devServerOrigin?: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol === `${appScheme}:` && parsed.host === appHost) return true;
  return devServerOrigin !== undefined && parsed.origin === devServerOrigin;
}

/**
 * Should an IPC message be trusted? Only from the window's main frame showing our UI:
 * never an iframe, never a page the window was somehow navigated to.
 */
export function isTrustedSender(
  frame: { url: string; isMainFrame: boolean } | null | undefined,
  devServerOrigin?: string,
): boolean {
  return !!frame && frame.isMainFrame && isAppUrl(frame.url, devServerOrigin);
}

/**
 * Navigation policy: the UI is a single page that never navigates, so every navigation
 * (a dropped link, a crafted href, a redirect) is refused and no new window is opened.
 * Links to documentation go through the shell's own handler, not through navigation.
 */
export function mayNavigate(_url: string): boolean {
  return false;
}

/** Permission requests (camera, notifications, geolocation...): all denied. */
export function mayGrantPermission(_permission: string): boolean {
  return false;
}
