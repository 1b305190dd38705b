/**
 * The HTTP side of `trellis serve`: who may talk to the server (host, origin, token checks)
 * and serving the built renderer's files.
 */
import { timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { buildContentSecurityPolicy } from './ws-csp';

/** The outcome of an access check: allowed, or an HTTP status and a reason to refuse with. */
export type Access = { ok: true } | { ok: false; status: 401 | 403; reason: string };

/** Constant-time token comparison (length leaks nothing useful: tokens are fixed length). */
export function tokenMatches(given: string | undefined | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The origins a page served by this server has: only loopback names on our port. */
export function allowedOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
}

/**
 * Refuses requests whose Host header is not ours (a DNS-rebinding page would send its own
 * host name) and browser requests from any other origin. Requests without an Origin come
 * from non-browser clients (the CLI, tests); they still need the token.
 */
export function checkHostAndOrigin(req: IncomingMessage, port: number): Access {
  const host = req.headers.host;
  if (!host || !allowedOrigins(port).includes(`http://${host}`)) {
    return { ok: false, status: 403, reason: `host ${JSON.stringify(host ?? '')} is not this server` };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !allowedOrigins(port).includes(origin)) {
    return { ok: false, status: 403, reason: `origin ${origin} is not allowed` };
  }
  return { ok: true };
}

/** The name of the cookie that carries the token for the page's own asset requests. */
export function tokenCookieName(port: number): string {
  // Cookies ignore ports, so two servers on one machine need different names.
  return `trellis_token_${port}`;
}

/** Reads one cookie from a request. */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
};

/** Headers every response carries. */
export function securityHeaders(port: number): Record<string, string> {
  const ws = allowedOrigins(port).map((o) => o.replace('http://', 'ws://'));
  return {
    'Content-Security-Policy': buildContentSecurityPolicy(ws),
    'X-Content-Type-Options': 'nosniff',
    // The page URL carries the token: never send it on as a Referer.
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
}

/** Answers a refused request with a short plain-text reason. */
export function refuse(res: ServerResponse, access: Exclude<Access, { ok: true }>, port: number): void {
  res.writeHead(access.status, { ...securityHeaders(port), 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${access.status === 401 ? 'Unauthorized' : 'Forbidden'}: ${access.reason}\n`);
}

/**
 * Serves a file of the built renderer. Only files inside `root` are served; the path is
 * resolved first so `..` cannot climb out.
 */
export async function serveStatic(
  res: ServerResponse,
  root: string,
  pathname: string,
  extraHeaders: Record<string, string>,
): Promise<void> {
  const rootDir = resolve(root);
  let relative: string;
  try {
    relative = decodeURIComponent(pathname);
  } catch {
    res.writeHead(400).end('Bad Request\n');
    return;
  }
  if (relative === '/' || relative === '') relative = '/index.html';
  const file = resolve(join(rootDir, relative));
  if (file !== rootDir && !file.startsWith(rootDir + sep)) {
    res.writeHead(404, extraHeaders).end('Not Found\n');
    return;
  }
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error('not a file');
    const body = await readFile(file);
    const type = contentTypes[extname(file).toLowerCase()] ?? 'application/octet-stream';
    const cache = relative === '/index.html' ? 'no-store' : 'private, max-age=3600';
    res.writeHead(200, { ...extraHeaders, 'Content-Type': type, 'Cache-Control': cache, 'Content-Length': body.length });
    res.end(body);
  } catch {
    res.writeHead(404, { ...extraHeaders, 'Content-Type': 'text/plain; charset=utf-8' }).end('Not Found\n');
  }
}
