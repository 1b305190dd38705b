import { describe, expect, it } from 'vitest';
import {
  appEntryUrl,
  contentSecurityPolicy,
  isTrustedSender,
  mayGrantPermission,
  mayNavigate,
  secureWebPreferences,
} from '../../electron/security';

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp.split(';').map((d) => {
      const [name, ...sources] = d.trim().split(/\s+/);
      return [name!, sources];
    }),
  );
}

describe('the desktop window security settings', () => {
  it('isolates the renderer: context isolation, sandbox, no Node, web security on', () => {
    const prefs = secureWebPreferences('/app/out/preload/preload.cjs');
    expect(prefs).toMatchObject({
      preload: '/app/out/preload/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('sets a strict CSP: scripts only from the app, no eval, no plugins, no framing', () => {
    const csp = directives(contentSecurityPolicy);
    expect(csp.get('default-src')).toEqual(["'self'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(contentSecurityPolicy).not.toContain('unsafe-eval');
    expect(csp.get('script-src')).not.toContain("'unsafe-inline'");
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    // Monaco's workers: from the app or from blob: URLs it creates.
    expect(csp.get('worker-src')).toEqual(["'self'", 'blob:']);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
  });

  it('blocks every navigation and grants no permission', () => {
    expect(mayNavigate('https://example.com/')).toBe(false);
    expect(mayNavigate(appEntryUrl)).toBe(false);
    for (const p of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read']) {
      expect(mayGrantPermission(p)).toBe(false);
    }
  });

  it('trusts IPC only from the main frame of the app origin', () => {
    expect(isTrustedSender({ url: appEntryUrl, isMainFrame: true })).toBe(true);
    expect(isTrustedSender({ url: 'trellis://app/index.html#/designer', isMainFrame: true })).toBe(true);
    expect(isTrustedSender({ url: appEntryUrl, isMainFrame: false })).toBe(false);
    expect(isTrustedSender({ url: 'https://evil.example/', isMainFrame: true })).toBe(false);
    expect(isTrustedSender({ url: 'trellis://other/index.html', isMainFrame: true })).toBe(false);
    expect(isTrustedSender({ url: 'file:///etc/passwd', isMainFrame: true })).toBe(false);
    expect(isTrustedSender(null)).toBe(false);
    // The dev server is trusted only when main was started against it.
    expect(isTrustedSender({ url: 'http://localhost:5173/', isMainFrame: true })).toBe(false);
    expect(isTrustedSender({ url: 'http://localhost:5173/', isMainFrame: true }, 'http://localhost:5173')).toBe(true);
  });
});
