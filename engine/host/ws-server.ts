/**
 * The browser build's transport: an HTTP server on 127.0.0.1 that serves the built
 * renderer and carries the host contract over a WebSocket (`/ws`).
 *
 * Who may connect: a random per-start token is required on the page load (query
 * `?token=`, then a same-site cookie for the page's own assets) and on the WebSocket
 * upgrade (query `token` or subprotocol `trellis-token.<token>`); requests naming another
 * Host or Origin are refused. Without the token: 401; foreign host or origin: 403.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { HostClient } from './contract';
import {
  checkHostAndOrigin,
  readCookie,
  refuse,
  securityHeaders,
  serveStatic,
  tokenCookieName,
  tokenMatches,
  type Access,
} from './ws-http';
import { createContractValidators, type ContractValidators } from './ws-schemas';
import { HostSession, type HostSessionOptions } from './ws-session';

/** The subprotocol prefix that carries the token when a client prefers not to use the URL. */
export const tokenSubprotocolPrefix = 'trellis-token.';
/** Where the WebSocket endpoint lives. */
export const wsPath = '/ws';

/** Options of {@link startHostServer}. */
export interface HostServerOptions {
  host: HostClient;
  /** TCP port on 127.0.0.1; 0 picks a free one. @default 0 */
  port?: number;
  /** The built renderer (index.html and assets); without it only the WebSocket is served. */
  staticDir?: string;
  /** Fixed token (tests); a fresh random one per start otherwise. */
  token?: string;
  /** Largest accepted WebSocket message. @default 64 MiB */
  maxPayload?: number;
  /** How often silent connections are pinged; one missed pong closes them. @default 30000 */
  heartbeatMs?: number;
  /** Batching and back-pressure tuning of each connection's session. */
  session?: Pick<HostSessionOptions, 'flushIntervalMs' | 'highWaterMark' | 'maxQueuedEvents' | 'maxBatch'>;
}

/** A running server. */
export interface RunningHostServer {
  port: number;
  token: string;
  /** The page URL to open, token included. */
  url: string;
  /** The WebSocket URL (without the token). */
  wsUrl: string;
  /** Open connections right now. */
  connections(): number;
  close(): Promise<void>;
}

/** A fresh token: 32 random bytes, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

function tokenFromUpgrade(req: IncomingMessage, url: URL): string | undefined {
  const fromQuery = url.searchParams.get('token');
  if (fromQuery) return fromQuery;
  const header = req.headers['sec-websocket-protocol'];
  if (!header) return undefined;
  const offered = header.split(',').map((p) => p.trim());
  return offered.find((p) => p.startsWith(tokenSubprotocolPrefix))?.slice(tokenSubprotocolPrefix.length);
}

function rejectUpgrade(socket: Duplex, access: Exclude<Access, { ok: true }>): void {
  const text = access.status === 401 ? 'Unauthorized' : 'Forbidden';
  socket.end(
    `HTTP/1.1 ${access.status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(access.reason) + 1}\r\n\r\n${access.reason}\n`,
  );
}

/** Starts the server on 127.0.0.1 and resolves once it listens. */
export async function startHostServer(options: HostServerOptions): Promise<RunningHostServer> {
  const token = options.token ?? newToken();
  const validators: ContractValidators = createContractValidators();
  let port = 0;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayload ?? 64 * 1024 * 1024,
    // Echo the token subprotocol back, as browsers require when they offered one.
    handleProtocols: (protocols) => [...protocols].find((p) => p.startsWith(tokenSubprotocolPrefix)) ?? false,
  });

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const place = checkHostAndOrigin(req, port);
    if (!place.ok) return refuse(res, place, port);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const headers = securityHeaders(port);
    const queryToken = url.searchParams.get('token');
    const cookieToken = readCookie(req, tokenCookieName(port));
    const given = queryToken ?? cookieToken;
    if (!given) return refuse(res, { ok: false, status: 401, reason: 'a token is required (open the URL trellis serve printed)' }, port);
    if (!tokenMatches(given, token)) return refuse(res, { ok: false, status: 401, reason: 'wrong token' }, port);
    if (queryToken) {
      // The page's own asset and worker requests carry no query: they authenticate by cookie.
      headers['Set-Cookie'] = `${tokenCookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    }
    if (!options.staticDir) {
      res.writeHead(404, headers).end('No renderer build to serve\n');
      return;
    }
    void serveStatic(res, options.staticDir, url.pathname, headers);
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const place = checkHostAndOrigin(req, port);
    if (!place.ok) return rejectUpgrade(socket, place);
    if (url.pathname !== wsPath) return rejectUpgrade(socket, { ok: false, status: 403, reason: 'no such endpoint' });
    const given = tokenFromUpgrade(req, url);
    if (!given) return rejectUpgrade(socket, { ok: false, status: 401, reason: 'a token is required' });
    if (!tokenMatches(given, token)) return rejectUpgrade(socket, { ok: false, status: 401, reason: 'wrong token' });
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws));
  });

  // A browser tab that vanished (sleep, network change) leaves a half-open socket whose
  // subscriptions would keep queueing: ping, and drop connections that stop answering.
  const alive = new WeakMap<WebSocket, boolean>();
  const heartbeat = setInterval(() => {
    for (const client of wss.clients) {
      if (alive.get(client) === false) {
        client.terminate();
        continue;
      }
      alive.set(client, false);
      client.ping();
    }
  }, options.heartbeatMs ?? 30_000);
  heartbeat.unref();

  const accept = (ws: WebSocket): void => {
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
    const session = new HostSession({
      ...options.session,
      host: options.host,
      validators,
      send: (message) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
      },
      bufferedAmount: () => ws.bufferedAmount,
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        ws.send(JSON.stringify({ kind: 'error', message: 'binary messages are not accepted' }));
        return;
      }
      let parsed: unknown;
      try {
        const raw = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? Buffer.from(data) : data;
        parsed = JSON.parse(raw.toString('utf8'));
      } catch {
        ws.send(JSON.stringify({ kind: 'error', message: 'malformed request: not JSON' }));
        return;
      }
      void session.handle(parsed);
    });
    ws.on('close', () => session.close());
    ws.on('error', () => session.close());
  };

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    port,
    token,
    url: `http://127.0.0.1:${port}/?token=${token}`,
    wsUrl: `ws://127.0.0.1:${port}${wsPath}`,
    connections: () => wss.clients.size,
    close: async () => {
      clearInterval(heartbeat);
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((done) => wss.close(() => done()));
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
