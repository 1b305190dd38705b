/**
 * A small JSON-over-HTTP(S) request on node:http/https, for the OpenStack calls the plugin
 * makes itself (Keystone, routers, floating IPs, Cinder). node:https rather than fetch so
 * that per-cloud TLS settings (a CA bundle, or verification off when a cloud says
 * `verify: false`) apply to one request without touching process-wide state.
 */
import http from 'node:http';
import https from 'node:https';

/** TLS settings of one cloud. Verification is on unless `insecure` is true. */
export interface TlsOptions {
  /** Skip certificate verification (clouds.yaml `verify: false` / `insecure: true`). */
  insecure?: boolean;
  /** PEM CA bundle to trust instead of the system store (clouds.yaml `cacert`). */
  ca?: string;
}

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  /** Serialised as JSON when present. */
  body?: unknown;
  signal?: AbortSignal;
  /** Milliseconds before the request is abandoned. @default 60000 */
  timeoutMs?: number;
  tls?: TlsOptions;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON when the body is JSON, the raw text otherwise, undefined when empty. */
  body: unknown;
}

/** A transport-level failure (refused, reset, timeout, DNS), as opposed to an HTTP status. */
export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.code = code;
  }
}

/** Sends one request; resolves with any HTTP status, rejects only on transport failure or abort. */
export function httpRequest(req: HttpRequest): Promise<HttpResponse> {
  const url = new URL(req.url);
  const isHttps = url.protocol === 'https:';
  const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
  const headers: Record<string, string> = { Accept: 'application/json', ...req.headers };
  if (payload !== undefined) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve, reject) => {
    if (req.signal?.aborted) {
      reject(abortError(req.signal));
      return;
    }
    const options: https.RequestOptions = {
      method: req.method,
      hostname: url.hostname,
      port: url.port || (isHttps ? 443 : 80),
      path: url.pathname + url.search,
      headers,
      timeout: req.timeoutMs ?? 60_000,
    };
    if (isHttps) {
      options.rejectUnauthorized = req.tls?.insecure !== true;
      if (req.tls?.ca) options.ca = req.tls.ca;
    }
    const request = (isHttps ? https : http).request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => reject(new ConnectionError(e.message)));
      res.on('end', () => {
        req.signal?.removeEventListener('abort', onAbort);
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parseBody(text) });
      });
    });
    const onAbort = (): void => {
      request.destroy();
      reject(abortError(req.signal));
    };
    req.signal?.addEventListener('abort', onAbort, { once: true });
    request.on('timeout', () => request.destroy(new ConnectionError(`timed out after ${options.timeout}ms`, 'ETIMEDOUT')));
    request.on('error', (e: NodeJS.ErrnoException) => {
      req.signal?.removeEventListener('abort', onAbort);
      if (req.signal?.aborted) return;
      reject(e instanceof ConnectionError ? e : new ConnectionError(e.message, e.code));
    });
    if (payload !== undefined) request.write(payload);
    request.end();
  });
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function abortError(signal: AbortSignal | undefined): Error {
  const e = new Error(signal?.reason instanceof Error ? signal.reason.message : 'aborted');
  e.name = 'AbortError';
  return e;
}
