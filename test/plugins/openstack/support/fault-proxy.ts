/**
 * An HTTP proxy in front of one real OpenStack service, for fault tests: it forwards every
 * request unchanged, and on demand stops listening (the service is unreachable: connection
 * refused) or answers the next requests itself with a status such as 503 + Retry-After.
 * Faults stay local to the test that points an endpoint override at it; the shared cloud
 * keeps running for everything else.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export class FaultProxy {
  private server: http.Server;
  private sockets = new Set<Socket>();
  private injected: { count: number; status: number; headers: Record<string, string>; body: unknown } | undefined;
  port = 0;
  /** Requests that reached the proxy, as `METHOD path`, including injected answers. */
  readonly seen: string[] = [];

  constructor(private readonly target: URL) {
    this.server = this.create();
  }

  private create(): http.Server {
    const server = http.createServer((req, res) => {
      this.seen.push(`${req.method} ${req.url}`);
      const inj = this.injected;
      if (inj && inj.count > 0) {
        inj.count--;
        res.writeHead(inj.status, { 'Content-Type': 'application/json', ...inj.headers });
        res.end(JSON.stringify(inj.body));
        return;
      }
      const upstream = http.request(
        { host: this.target.hostname, port: this.target.port, method: req.method, path: req.url, headers: { ...req.headers, host: this.target.host } },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    return server;
  }

  /** Starts listening (on the same port as before, after `down()`). */
  up(): Promise<void> {
    if (this.server.listening) return Promise.resolve();
    this.server = this.create();
    return new Promise((resolve) => {
      this.server.listen(this.port, '127.0.0.1', () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  /** Stops listening and drops open connections: clients get connection refused. */
  down(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Answers the next `count` requests with `status` instead of forwarding them. */
  fail(count: number, status: number, headers: Record<string, string> = {}, body: unknown = { error: { message: `injected ${status}` } }): void {
    this.injected = { count, status, headers, body };
  }

  /** Injected answers not yet given. */
  get injectedLeft(): number {
    return this.injected?.count ?? 0;
  }

  /** The URL to use as an endpoint override (same path as the real endpoint). */
  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }
}
