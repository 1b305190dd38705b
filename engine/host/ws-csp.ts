/**
 * The Content-Security-Policy of the Trellis UI, one definition for both shells (the
 * Electron window and the page `trellis serve` hands out).
 *
 * Scripts only from the app itself (no eval, no inline script). Styles allow
 * 'unsafe-inline' because Monaco and React Flow set element styles at run time. Workers may
 * come from blob: because Monaco creates some of its workers from blob URLs.
 */
export function buildContentSecurityPolicy(extraConnectSources: readonly string[] = []): string {
  const directives: [string, string[]][] = [
    ['default-src', ["'self'"]],
    ['script-src', ["'self'"]],
    ['style-src', ["'self'", "'unsafe-inline'"]],
    ['img-src', ["'self'", 'data:', 'blob:']],
    ['font-src', ["'self'", 'data:']],
    ['worker-src', ["'self'", 'blob:']],
    ['connect-src', ["'self'", ...extraConnectSources]],
    ['object-src', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['form-action', ["'none'"]],
    ['frame-ancestors', ["'none'"]],
  ];
  return directives.map(([name, sources]) => `${name} ${sources.join(' ')}`).join('; ');
}
